"""The partner API, /api/partner/v1/... (what it does: bot.channels.partner_api; docs/partners.md).

    Authorization: Bearer <the partner's key>       401: none, unknown, revoked, or partner disabled
    public    GET  /v1/catalogue/themes, /v1/catalogue/items?theme=&q=, /v1/catalogue/items/<name>
                                                    catalogue:read (the mini-program's own views)
              GET  /v1/workorders/<GD…>?phone_tail=<last 4 digits of the filer's phone>  status:read
    consent   POST /v1/consent-requests {scope, purpose, days}  → consent_id + a code for the citizen
              GET  /v1/consents/<consent_id>        its state (requested, granted, refused, revoked, ...)
    personal  GET  /v1/consents/<consent_id>/ledger ledger:read, and the consent in force
    GET /api/partner/openapi.json                   the document of every /api/partner route

A scope the partner does not hold is 403 (code SCOPE); a consent that does not allow the call is
403 with its reason (CONSENT_REVOKED, CONSENT_EXPIRED, ...). Every call of a known partner is
audited (actor partner:<name>, the citizen as the consent's keyed hash or "public"), and the
personal records it reads are audited by the adapters as read by that partner. Limits: per
address and per partner (its own `rate_limit`, else partner_api.limits.user).
"""
from __future__ import annotations

import dataclasses
import logging
import re

from flask import Blueprint, current_app, g, jsonify, request

from adapters.errors import BackendError, NotFound
from bot.channels.partner_api import PARTNER_ROLE, PartnerApi
from bot.core.privacy import mask_text
from bot.records import ConsentProblem, ConsentRefused, PartnerView
from bot.web import mp_services, runtime
from bot.web.mp_schemas import (ORDER_NO, ItemOut, ItemsOut, ItemsQuery, LedgerOut, LedgerQuery, ThemesOut,
                                WorkOrderStatusOut)
from bot.web.openapi import ApiDoc, ApiError
from bot.web.partner_schemas import (CONSENT_ID, ConsentOut, ConsentRequestIn, ConsentRequestOut, PartnerOut,
                                     WorkOrderQuery)
from bot.web.ratelimits import ApiLimits, LimitValues

log = logging.getLogger(__name__)

bp = Blueprint("partner", __name__)
FAMILY = "partner"
PREFIX = "/api/partner"
V1 = f"{PREFIX}/v1"
NO_CITIZEN = "public"       # the audit's citizen of a call that read nobody's records
MAX_KEY_CHARS = 128


def api() -> PartnerApi:
    return runtime().partner_api


# -- the caller, once per request (the limits read it before the view does) ---------------------
def current_partner() -> PartnerView | None:
    if "partner" not in g:
        auth = request.headers.get("Authorization", "")
        key = auth[7:].strip() if auth.startswith("Bearer ") and len(auth) < MAX_KEY_CHARS + 7 else ""
        g.partner = runtime().records.partners.authenticate(key) if key else None
    return g.partner


def partner_name() -> str | None:
    partner = current_partner()
    return partner.name if partner is not None else None


def require_partner() -> PartnerView:
    partner = current_partner()
    if partner is None:
        raise ApiError(401, "a valid partner key is required (Authorization: Bearer <key>)")
    return partner


def require_scope(scope: str) -> PartnerView:
    partner = require_partner()
    g.partner_scope = scope
    if not partner.may(scope):
        raise ApiError(403, f"this partner does not hold the scope {scope}", code="SCOPE")
    return partner


doc = ApiDoc(title="成都市民服务助手 partner API", version="1", prefix=PREFIX,
             description="The open platform's API for registered partners (docs/partners.md). Every call "
                         "carries the partner's key as a bearer token. Public scopes (catalogue:read, "
                         "status:read) need the key alone; a personal scope (ledger:read) also needs the "
                         "citizen's consent, named by its consent_id: the partner asks for it "
                         "(POST /v1/consent-requests) and the citizen grants it in the Official Account or the "
                         "mini-program, lists it with 我的授权 and may revoke it at any time. Errors are "
                         "{\"error\", \"field\", \"code\"}; past the partner's rate limit 429 with Retry-After.",
             bearer="the partner's API key (make partner)", authenticate=require_partner)

SCOPE_ERRORS = {403: "The partner does not hold the scope (code SCOPE)"}
CONSENT_ERRORS = {403: "No scope, or the consent does not allow the call now (code: SCOPE, CONSENT_REQUESTED, "
                       "CONSENT_REFUSED, CONSENT_REVOKED, CONSENT_EXPIRED, CONSENT_LAPSED, CONSENT_UNUSABLE)",
                  404: "No such consent of this partner", 503: "A government system is unavailable"}


def limit_values_now() -> LimitValues:
    """partner_api.limits, with the calling partner's own limit when it has one."""
    values = current_app.extensions["partner_limit_values"]
    partner = current_partner()
    return dataclasses.replace(values, user=partner.rate_limit) if partner and partner.rate_limit else values


def protect(limits: ApiLimits) -> None:
    limits.protect(bp, family=FAMILY, values=limit_values_now, caller=partner_name)


# -- errors and the audit of every call -----------------------------------------------------------
@bp.errorhandler(ConsentRefused)
def _consent_refused(e: ConsentRefused):
    status = 404 if e.code == "CONSENT_UNKNOWN" else 403
    return jsonify(error=e.message, field=None, code=e.code), status


@bp.errorhandler(ConsentProblem)
def _consent_problem(e: ConsentProblem):
    field = str(e).split(":", 1)[0] if ":" in str(e) else None
    return jsonify(error=str(e), field=field), 400


@bp.errorhandler(BackendError)
def _backend(e: BackendError):
    if isinstance(e, NotFound):
        return jsonify(error="no such record", field=None), 404
    return jsonify(error="a government system is unavailable, please retry later", field=None), 503


@bp.after_request
def audit_call(response):
    """One audit record per call of a known partner, whatever its answer. An answer that cannot be
    recorded is not given: 503 instead."""
    partner = g.get("partner")
    if partner is None:
        return response
    try:
        runtime().records.audit.record(
            backend="partner_api", operation=f"{request.method} {mask_text(request.path)}"[:64], citizen_id="",
            citizen_key=g.get("partner_citizen") or NO_CITIZEN, actor=f"partner:{partner.name}",
            actor_role=PARTNER_ROLE, purpose=g.get("partner_scope") or "partner_call",
            outcome=str(response.status_code))
    except Exception:
        log.exception("a partner call could not be audited: its answer is withheld")
        refused = jsonify(error="temporarily unavailable, please retry later", field=None)
        refused.status_code = 503
        return refused
    return response


# -- routes ---------------------------------------------------------------------------------------
@bp.get(f"{V1}/me")
@doc.operation(summary="The calling partner: its name, scopes and rate limit", ok=PartnerOut, tags=("partner",))
def me():
    partner = require_partner()
    return jsonify(name=partner.name, scopes=list(partner.scopes), rate_limit=limit_values_now().user)


@bp.get(f"{V1}/catalogue/themes")
@doc.operation(summary="Life-cycle themes of the service catalogue (catalogue:read)", ok=ThemesOut,
               errors=SCOPE_ERRORS, tags=("catalogue",))
def themes():
    require_scope("catalogue:read")
    return jsonify(mp_services.catalogue_themes())


@bp.get(f"{V1}/catalogue/items")
@doc.operation(summary="Service items: by theme, by words, or all (catalogue:read)", query=ItemsQuery, ok=ItemsOut,
               errors=SCOPE_ERRORS, tags=("catalogue",))
def items(query):
    require_scope("catalogue:read")
    return jsonify(mp_services.catalogue_items(query.get("theme"), query.get("q")))


@bp.get(f"{V1}/catalogue/items/<name>")
@doc.operation(summary="One service item (catalogue:read)", ok=ItemOut,
               errors={**SCOPE_ERRORS, 404: "No such item"}, tags=("catalogue",))
def item(name):
    require_scope("catalogue:read")
    return jsonify(mp_services.catalogue_item(name))


@bp.get(f"{V1}/workorders/<order_no>")
@doc.operation(summary="A 12345 work order's progress by its number (status:read)", ok=WorkOrderStatusOut,
               query=WorkOrderQuery,
               description="Where the order is and who handles it; never what the citizen wrote nor who they are. "
                           "Order numbers can be guessed: the last four digits of the filer's phone, which the "
                           "citizen gives the partner, must come with it.",
               errors={**SCOPE_ERRORS, 404: "No such work order (or not with that phone)",
                       503: "The 12345 system is unavailable"},
               tags=("status",))
def work_order(order_no, query):
    require_scope("status:read")
    order_no = order_no.strip().upper()
    if not re.fullmatch(ORDER_NO, order_no):
        raise ApiError(400, "order_no: GD and 14 digits", "order_no")
    return jsonify(api().work_order(order_no, query["phone_tail"]))


@bp.post(f"{V1}/consent-requests")
@doc.operation(summary="Ask a citizen for consent to a personal scope", body=ConsentRequestIn, ok=ConsentRequestOut,
               ok_status=201, errors=SCOPE_ERRORS, tags=("consents",),
               description="Answers the consent's id and a one-time code to show the citizen, who enters it in "
                           "the Official Account (我的授权, then 授权码) or the mini-program and grants or refuses; "
                           "follow it with GET /v1/consents/{consent_id}.")
def request_consent(body):
    partner = require_scope(body["scope"])
    return jsonify(api().request_consent(partner, body["scope"], body["purpose"], body["days"])), 201


@bp.get(f"{V1}/consents/<consent_id>")
@doc.operation(summary="One of the partner's consents: its state and when it ends", ok=ConsentOut,
               errors={404: "No such consent of this partner"}, tags=("consents",))
def consent(consent_id):
    found = api().consent(require_partner(), consent_id) if re.fullmatch(CONSENT_ID, consent_id) else None
    if found is None:
        raise ApiError(404, "no such consent of this partner", "consent_id")
    return jsonify(found)


@bp.get(f"{V1}/consents/<consent_id>/ledger")
@doc.operation(summary="The consenting citizen's ledger (ledger:read, and the consent in force)", query=LedgerQuery,
               ok=LedgerOut, errors=CONSENT_ERRORS, tags=("ledger",))
def ledger(consent_id, query):
    partner = require_scope("ledger:read")
    if not re.fullmatch(CONSENT_ID, consent_id):
        raise ApiError(404, "no such consent of this partner", "consent_id")
    g.partner_citizen = api().citizen_key(partner, consent_id)    # audited against them, refused or not
    return jsonify(api().ledger(partner, consent_id, domain=query.get("domain"), status=query.get("status"),
                                since=query.get("since"), until=query.get("until"),
                                district=query.get("district"), period=query.get("period")))


doc.serve(bp, f"{PREFIX}/openapi.json")
