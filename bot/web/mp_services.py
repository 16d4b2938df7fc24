"""The mini-program's service API under /api/mp/ (what each does: bot.channels.miniprogram_api).

    public      GET  /api/mp/catalogue/themes, /catalogue/items?theme=&q=, /catalogue/items/<name>
                GET  /api/mp/life-events, /life-events/<name>
    token       GET  /api/mp/appointments/halls?item=&district=, /appointments/slots?item=&hall_id=&date=
                GET  /api/mp/identity   POST /identity/start {name, id_number}, /identity/code {code}
                DELETE /api/mp/identity
                POST /api/mp/complaints {content, location, when, contact?}
                POST /api/mp/ratings {level}
    bound       GET  /api/mp/ledger?domain=&status=&since=&until=&district=&period=
                GET  /api/mp/appointments   POST /appointments {item, hall_id, date, start}
                DELETE /api/mp/appointments/<booking_no>
                GET  /api/mp/complaints/<order_no>

"bound": the caller's identity must be bound (403 otherwise), and only their own records are read
(someone else's booking or order answers 404, like one that does not exist). An optional
`Idempotency-Key` header makes POST /appointments and POST /complaints safe to retry.
"""
from __future__ import annotations

import re

from flask import Blueprint, jsonify, request

from adapters.errors import BackendError, BusinessError, Conflict, NotFound
from bot.channels.miniprogram_api import MiniProgramApi, NotBound, Refused
from bot.web import runtime
from bot.web.miniprogram import doc, require_openid
from bot.web.mp_schemas import (BOOKING_NO, ORDER_NO, BindCodeIn, BindingOut, BindStartIn, BookIn, Booking,
                                BookingsOut, ComplaintIn, ComplaintOut, EventOut, EventsOut, HallsOut, HallsQuery,
                                ItemOut, ItemsOut, ItemsQuery, LedgerOut, LedgerQuery, ProgressOut, RatingIn,
                                RatingOut, SlotsOut, SlotsQuery, ThemesOut)
from bot.web.openapi import ApiError

bp = Blueprint("mp_services", __name__)

BOUND = {403: "The caller's identity is not bound (POST /api/mp/identity/start)",
         503: "A government system is unavailable"}
REFUSED = {422: "Understood and refused by a rule of the service; `error` says why"}
MAX_KEY_CHARS = 64


def api() -> MiniProgramApi:
    return runtime().mp_api


def catalogue():
    return runtime().services.catalogue


@bp.errorhandler(NotBound)
def not_bound(_e):
    return jsonify(error="请先完成实名认证（POST /api/mp/identity/start）", field=None), 403


@bp.errorhandler(Refused)
def refused(e: Refused):
    return jsonify(error=e.message, field=e.field, messages=e.messages), 422


@bp.errorhandler(BackendError)
def _backend(e: BackendError):
    if isinstance(e, NotFound):
        return jsonify(error="没有找到（或不是您本人的记录）", field=None), 404
    if isinstance(e, Conflict):
        return jsonify(error="与当前状态冲突（已约满、已预约过或已办理）", field=None, code=e.code), 409
    if isinstance(e, BusinessError):
        return jsonify(error="业务系统不受理这个请求，请核对后再试", field=None, code=e.code), 422
    return jsonify(error="业务系统暂时无法访问，请稍后再试", field=None), 503


def _item(i) -> dict:
    return {"name": i.name, "theme": i.theme, "department": i.department}


def _event(e) -> dict:
    return {"name": e.name, "intro": e.intro, "tip": e.tip, "steps": [{"item": s.item, "when": s.when} for s in e.steps]}


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(r"[A-Za-z0-9_.:-]{8,%d}" % MAX_KEY_CHARS, key):
        raise ApiError(400, "Idempotency-Key: 8 to 64 letters, digits or _.:-", "Idempotency-Key")
    return key


# -- the catalogue (public; the partner API answers with the same views) ---------------------------
def catalogue_themes() -> dict:
    cat = catalogue()
    return {"themes": [{"name": t, "items": len(cat.in_theme(t))} for t in cat.themes]}


def catalogue_items(theme: str | None, words: str | None) -> dict:
    cat = catalogue()
    if theme is not None and theme not in cat.themes:
        raise ApiError(400, f"theme: not one of {'、'.join(cat.themes)}", "theme")
    found = list(cat.items.values()) if theme is None else cat.in_theme(theme)
    if words:
        named = cat.find(words)
        hit = {named.name} if named is not None and named.name in cat.items else set()
        found = [i for i in found if i.name in hit or words in i.name or any(words in s for s in i.synonyms)]
    return {"items": [_item(i) for i in found]}


def catalogue_item(name: str) -> dict:
    i = catalogue().get(name)
    if i is None:
        raise ApiError(404, "no such service item", "name")
    return dict(**_item(i), synonyms=list(i.synonyms), conditions=i.conditions, materials=list(i.materials),
                where=i.where, hours=i.hours, fee=i.fee, time_limit=i.time_limit, online=i.online, notes=i.notes)


@bp.get("/api/mp/catalogue/themes")
@doc.operation(summary="Life-cycle themes of the service catalogue", ok=ThemesOut, auth=False, tags=("catalogue",))
def themes():
    return jsonify(catalogue_themes())


@bp.get("/api/mp/catalogue/items")
@doc.operation(summary="Service items: by theme, by words, or all", query=ItemsQuery, ok=ItemsOut, auth=False,
               tags=("catalogue",))
def items(query):
    return jsonify(catalogue_items(query.get("theme"), query.get("q")))


@bp.get("/api/mp/catalogue/items/<name>")
@doc.operation(summary="One service item (by its name or a synonym)", ok=ItemOut, auth=False,
               errors={404: "No such item"}, tags=("catalogue",))
def item(name):
    return jsonify(catalogue_item(name))


@bp.get("/api/mp/life-events")
@doc.operation(summary="Life-event bundles (生孩子, 开公司, ...)", ok=EventsOut, auth=False, tags=("catalogue",))
def life_events():
    return jsonify(events=[_event(e) for e in catalogue().events.values()])


@bp.get("/api/mp/life-events/<name>")
@doc.operation(summary="One life-event bundle", ok=EventOut, auth=False, errors={404: "No such life event"},
               tags=("catalogue",))
def life_event(name):
    e = catalogue().events.get(name)
    if e is None:
        raise ApiError(404, "no such life event", "name")
    return jsonify(_event(e))


# -- the ledger -----------------------------------------------------------------------------------
@bp.get("/api/mp/ledger")
@doc.operation(summary="The citizen's matters across every backend, with the chat's filters", query=LedgerQuery,
               ok=LedgerOut, errors=BOUND, tags=("ledger",))
def ledger(query):
    openid = require_openid()
    return jsonify(api().ledger(openid, domain=query.get("domain"), status=query.get("status"),
                                since=query.get("since"), until=query.get("until"), district=query.get("district"),
                                period=query.get("period")))


# -- identity binding -----------------------------------------------------------------------------
@bp.get("/api/mp/identity")
@doc.operation(summary="Whether the caller's identity is bound (masked)", ok=BindingOut, tags=("identity",))
def identity():
    return jsonify(api().binding(require_openid()))


@bp.post("/api/mp/identity/start")
@doc.operation(summary="Check name and ID number; an SMS code goes to the phone on file", body=BindStartIn,
               ok=BindingOut, errors=REFUSED, tags=("identity",))
def identity_start(body):
    return jsonify(api().start_binding(require_openid(), body["name"], body["id_number"]))


@bp.post("/api/mp/identity/code")
@doc.operation(summary="The SMS code: binds the identity", body=BindCodeIn, ok=BindingOut, errors=REFUSED,
               tags=("identity",))
def identity_code(body):
    return jsonify(api().finish_binding(require_openid(), body["code"]))


@bp.delete("/api/mp/identity")
@doc.operation(summary="Unbind: the identity is deleted from the service", ok=BindingOut, tags=("identity",))
def identity_unbind():
    api().unbind(require_openid())
    return jsonify(bound=False)


# -- appointments ---------------------------------------------------------------------------------
@bp.get("/api/mp/appointments/halls")
@doc.operation(summary="Service halls, optionally of one district or item", query=HallsQuery, ok=HallsOut,
               errors={503: "The appointment system is unavailable"}, tags=("appointments",))
def halls(query):
    require_openid()
    return jsonify(halls=api().halls(query.get("item"), query.get("district")))


@bp.get("/api/mp/appointments/slots")
@doc.operation(summary="Free slots of a hall for an item on a day", query=SlotsQuery, ok=SlotsOut,
               errors={**REFUSED, 404: "No such hall", 503: "The appointment system is unavailable"},
               tags=("appointments",))
def slots(query):
    require_openid()
    return jsonify(slots=api().free_slots(query["item"], query["hall_id"], query["date"]))


@bp.get("/api/mp/appointments")
@doc.operation(summary="The citizen's bookings", ok=BookingsOut, errors=BOUND, tags=("appointments",))
def bookings():
    return jsonify(bookings=api().bookings(require_openid()))


@bp.post("/api/mp/appointments")
@doc.operation(summary="Book a slot (header Idempotency-Key: a retry books once)", body=BookIn, ok=Booking,
               ok_status=201, errors={**BOUND, **REFUSED, 404: "No such hall", 409: "The slot is full or held"},
               tags=("appointments",))
def book(body):
    openid = require_openid()
    booking = api().book(openid, item=body["item"], hall_id=body["hall_id"], day=body["date"], start=body["start"],
                         key=_idempotency_key())
    return jsonify(booking), 201


@bp.delete("/api/mp/appointments/<booking_no>")
@doc.operation(summary="Cancel one of the citizen's bookings", ok=Booking,
               errors={**BOUND, **REFUSED, 404: "No such booking of the citizen's", 409: "Already used"},
               tags=("appointments",))
def cancel(booking_no):
    openid = require_openid()
    booking_no = booking_no.strip().upper()
    if not re.fullmatch(BOOKING_NO, booking_no):
        raise ApiError(400, "booking_no: YY and 14 digits", "booking_no")
    return jsonify(api().cancel(openid, booking_no))


# -- complaints -----------------------------------------------------------------------------------
@bp.post("/api/mp/complaints")
@doc.operation(summary="File a 12345 complaint (checked by WeChat's msgSecCheck first)", body=ComplaintIn,
               ok=ComplaintOut, ok_status=201, errors={**REFUSED, 503: "The 12345 system is unavailable"},
               tags=("complaints",))
def file_complaint(body):
    openid = require_openid()
    filed = api().file_complaint(openid, content=body["content"], location=body["location"], when=body["when"],
                                 contact=body.get("contact"), key=_idempotency_key())
    return jsonify(filed), 201


@bp.get("/api/mp/complaints/<order_no>")
@doc.operation(summary="Progress of one of the citizen's work orders (GD…)", ok=ProgressOut,
               errors={**BOUND, **REFUSED, 404: "No such order of the citizen's"}, tags=("complaints",))
def complaint(order_no):
    openid = require_openid()
    if not re.fullmatch(ORDER_NO, order_no.strip().upper()):
        raise ApiError(400, "order_no: GD and 14 digits", "order_no")
    return jsonify(api().complaint(openid, order_no.strip().upper()))


# -- ratings --------------------------------------------------------------------------------------
@bp.post("/api/mp/ratings")
@doc.operation(summary="Rate (好差评) the request served last", body=RatingIn, ok=RatingOut, errors=REFUSED,
               tags=("ratings",))
def rate(body):
    return jsonify(api().rate(require_openid(), body["level"]))
