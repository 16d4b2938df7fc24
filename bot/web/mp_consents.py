"""/api/mp/consents: a citizen's consents to the open platform's partners, in the mini-program
(the chat's 我的授权 shows the same; bot/records/consents.py, docs/partners.md).

    GET    /api/mp/consents                     the consents in force, newest first
    GET    /api/mp/consents/requests/<code>     what a partner's code asks: partner, data, purpose, days
    POST   /api/mp/consents {code, grant}       grant (true) or refuse (false) that request
    DELETE /api/mp/consents/<consent_id>        revoke, now: the partner's next call is refused
All need a logged-in citizen whose identity is bound (403 otherwise).
"""
from __future__ import annotations

import re

from flask import Blueprint, jsonify

from bot.channels.miniprogram_api import MiniProgramApi, NotBound, Refused
from bot.records.consents import CODE_LENGTH, normal_code
from bot.web import runtime
from bot.web.miniprogram import doc, require_openid
from bot.web import mp_services
from bot.web.mp_services import BOUND, REFUSED
from bot.web.openapi import ApiError
from bot.web.partner_schemas import CONSENT_ID, ConsentDecisionIn, ConsentOut, ConsentsOut

bp = Blueprint("mp_consents", __name__)
# Unbound, or refused by a rule: answered as every /api/mp service route answers them.
bp.register_error_handler(NotBound, mp_services.not_bound)
bp.register_error_handler(Refused, mp_services.refused)


def api() -> MiniProgramApi:
    return runtime().mp_api


@bp.get("/api/mp/consents")
@doc.operation(summary="The citizen's consents to partners in force (我的授权)", ok=ConsentsOut, errors=BOUND,
               tags=("consents",))
def consents():
    return jsonify(consents=api().consents(require_openid()))


@bp.get("/api/mp/consents/requests/<code>")
@doc.operation(summary="What a partner's consent code asks for: partner, data, purpose, days", ok=ConsentOut,
               errors={**BOUND, **REFUSED, 404: "Unknown, used or expired code"}, tags=("consents",))
def consent_request(code):
    openid = require_openid()
    if len(normal_code(code)) != CODE_LENGTH:
        raise ApiError(400, f"code: {CODE_LENGTH} letters and digits", "code")
    found = api().consent_request(openid, code)
    if found is None:
        raise ApiError(404, "授权码不正确或已过期，请在合作方的应用里重新发起授权。", "code")
    return jsonify(found)


@bp.post("/api/mp/consents")
@doc.operation(summary="Grant or refuse a partner's request (its code); the code is used up either way",
               body=ConsentDecisionIn, ok=ConsentOut, errors={**BOUND, **REFUSED}, tags=("consents",))
def decide(body):
    return jsonify(api().decide_consent(require_openid(), body["code"], body["grant"]))


@bp.delete("/api/mp/consents/<consent_id>")
@doc.operation(summary="Revoke one of the citizen's consents, now", ok=ConsentOut,
               errors={**BOUND, 404: "Not one of the citizen's consents in force"}, tags=("consents",))
def revoke(consent_id):
    openid = require_openid()
    if not re.fullmatch(CONSENT_ID, consent_id):
        raise ApiError(400, "consent_id: cs_ and 20 letters", "consent_id")
    try:
        return jsonify(api().revoke_consent(openid, consent_id))
    except LookupError:
        raise ApiError(404, "没有这项授权，或它已撤销、已到期", "consent_id") from None
