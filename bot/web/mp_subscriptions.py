"""/api/mp/subscriptions: the mini-program's progress notifications (bot/notifications/).

All need `Authorization: Bearer <token>` (POST /api/mp/login) and a citizen bound to the
mini-program user (identity binding); errors are {"error": "...", "field": name or null}.

    GET    /api/mp/subscriptions         → 200 {"subscriptions": [{"ref", "backend", "item", "status", "since"}],
                                                "grants": {template_id: n}, "template_id": "...",
                                                "waiting": [{"ref", "item", "status", "noticed_at"}]}
    POST   /api/mp/subscriptions         {"ref": "CJ…", "grants": {template_id: "accept"|"reject"|"ban"|"filter"}}
                                          (grants: what wx.requestSubscribeMessage answered; each "accept"
                                          of the progress template allows one message)
                                          → 201 {"subscription": {…}, "grants": {template_id: n}}
                                          400 bad ref/grants, 404 not this citizen's, 409 finished,
                                          503 the backend did not answer (429: busy)
    DELETE /api/mp/subscriptions/<ref>   → 200 {"removed": true}; 404 not subscribed
    401 no valid token; 403 {"error", "field": null, "code": "NOT_BOUND"} before identity binding.
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from adapters.errors import BackendError, RateLimited
from bot.channels.miniprogram import CHANNEL
from bot.notifications.settings import load_notification_settings
from bot.notifications.subscribing import CannotSubscribe, subscribe
from bot.web import runtime
from bot.web.miniprogram import doc, require_openid
from bot.web.openapi import ApiError

log = logging.getLogger(__name__)

bp = Blueprint("mp_subscriptions", __name__)

GRANT_ANSWERS = ("accept", "reject", "ban", "filter")
MAX_GRANTS = 20
BOUND = {403: "The caller's identity is not bound (code NOT_BOUND)"}


# -- what goes in and out (the OpenAPI document is written from these) ------------------------------
class SubscribeIn(Schema):
    ref = fields.String(required=True, validate=validate.Length(min=1, max=32),
                        metadata={"description": "the application or work-order number (CJ…, GD…, …)"})
    grants = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(GRANT_ANSWERS)),
                         validate=validate.Length(max=MAX_GRANTS),
                         metadata={"description": "what wx.requestSubscribeMessage answered, by template id"})


class Subscribed(Schema):
    ref = fields.String(required=True)
    backend = fields.String(required=True)
    item = fields.String(required=True)
    status = fields.String(required=True)
    since = fields.Raw(allow_none=True)


class Waiting(Schema):
    ref = fields.String(required=True)
    item = fields.String(required=True)
    status = fields.String(required=True)
    noticed_at = fields.Raw(allow_none=True)


class SubscriptionsOut(Schema):
    subscriptions = fields.List(fields.Nested(Subscribed), required=True)
    grants = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    template_id = fields.String(required=True)
    waiting = fields.List(fields.Nested(Waiting), required=True)


class SubscribeOut(Schema):
    subscription = fields.Dict(required=True)
    grants = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class RemovedOut(Schema):
    removed = fields.Boolean(required=True)


def _who():
    """(user_key, citizen) of the caller: ApiError 401 without a valid token, 403 unbound."""
    user_key = f"{CHANNEL}:{require_openid()}"
    citizen = runtime().identity.get(user_key)
    if citizen is None:
        raise ApiError(403, "bind your identity first", None, code="NOT_BOUND")
    return user_key, citizen


def _template_id() -> str:
    return load_notification_settings(runtime().settings.extra).mp_template_id


@bp.get("/api/mp/subscriptions")
@doc.operation(summary="The matters the citizen follows, the grants left, and changes still to tell",
               ok=SubscriptionsOut, errors=BOUND, tags=("notifications",))
def list_subscriptions():
    user_key, citizen = _who()
    rt = runtime()
    store, cid = rt.services.subscriptions, rt.identity.id_hash(citizen.id_number)
    subs = [{"ref": ref, "backend": s["backend"], "item": s["item"], "status": s["status"], "since": s.get("at")}
            for ref, s in sorted(store.subscriptions(cid).items())]
    waiting = [{"ref": c.ref, "item": c.item, "status": c.status, "noticed_at": c.noticed_at}
               for c in store.pending(cid)]
    return jsonify(subscriptions=subs, grants=store.grants(user_key), template_id=_template_id(), waiting=waiting)


@bp.post("/api/mp/subscriptions")
@doc.operation(summary="Follow one of the citizen's matters; each accepted grant allows one message",
               body=SubscribeIn, ok=SubscribeOut, ok_status=201, tags=("notifications",),
               errors={**BOUND, 404: "Not this citizen's matter", 409: "The matter is finished",
                       503: "The department's system is busy or unreachable"})
def add_subscription(body):
    user_key, citizen = _who()
    grants = body.get("grants") or {}
    rt = runtime()
    store = rt.services.subscriptions
    try:
        sub = subscribe(store, rt.identity, rt.adapters, citizen, user_key, body["ref"].strip().upper())
    except CannotSubscribe as e:
        raise ApiError(e.status, e.message, e.field) from None
    except RateLimited:
        raise ApiError(503, "that department's system is busy; try again in a minute") from None
    except BackendError as e:
        log.info("subscribe: %s did not answer (%s)", e.backend, type(e).__name__)
        raise ApiError(503, "that department's system cannot be reached right now") from None
    template = _template_id()
    if grants.get(template) == "accept":
        store.add_grants(user_key, template, 1)
        store.retry_now(rt.identity.id_hash(citizen.id_number))   # a change waiting may go now
    return jsonify(subscription=sub, grants=store.grants(user_key)), 201


@bp.delete("/api/mp/subscriptions/<ref>")
@doc.operation(summary="Stop following a matter", ok=RemovedOut, errors={**BOUND, 404: "Not followed"},
               tags=("notifications",))
def remove_subscription(ref: str):
    _user_key, citizen = _who()
    rt = runtime()
    if not rt.services.subscriptions.unsubscribe(rt.identity.id_hash(citizen.id_number), ref.strip().upper()[:32]):
        raise ApiError(404, "not subscribed to this matter", "ref")
    return jsonify(removed=True)
