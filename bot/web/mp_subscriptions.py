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

from flask import Blueprint, jsonify, request

from adapters.errors import BackendError, RateLimited
from bot.channels.miniprogram import CHANNEL
from bot.notifications.settings import load_notification_settings
from bot.notifications.subscribing import CannotSubscribe, subscribe
from bot.web import runtime

log = logging.getLogger(__name__)

bp = Blueprint("mp_subscriptions", __name__)

GRANT_ANSWERS = ("accept", "reject", "ban", "filter")
MAX_GRANTS = 20


def _error(status: int, message: str, field: str | None = None, **extra):
    return jsonify(error=message, field=field, **extra), status


def _who():
    """(user_key, citizen) of the caller, or an error response."""
    auth = request.headers.get("Authorization", "")
    rt = runtime()
    openid = rt.miniprogram.openid(auth[7:].strip()) if auth.startswith("Bearer ") and len(auth) < 200 else None
    if openid is None:
        return None, _error(401, "not logged in", "Authorization")
    user_key = f"{CHANNEL}:{openid}"
    citizen = rt.identity.get(user_key)
    if citizen is None:
        return None, _error(403, "bind your identity first", None, code="NOT_BOUND")
    return (user_key, citizen), None


def _template_id() -> str:
    return load_notification_settings(runtime().settings.extra).mp_template_id


@bp.get("/api/mp/subscriptions")
def list_subscriptions():
    who, refused = _who()
    if refused:
        return refused
    user_key, citizen = who
    rt = runtime()
    store, cid = rt.services.subscriptions, rt.identity.id_hash(citizen.id_number)
    subs = [{"ref": ref, "backend": s["backend"], "item": s["item"], "status": s["status"], "since": s.get("at")}
            for ref, s in sorted(store.subscriptions(cid).items())]
    waiting = [{"ref": c.ref, "item": c.item, "status": c.status, "noticed_at": c.noticed_at}
               for c in store.pending(cid)]
    return jsonify(subscriptions=subs, grants=store.grants(user_key), template_id=_template_id(), waiting=waiting)


@bp.post("/api/mp/subscriptions")
def add_subscription():
    who, refused = _who()
    if refused:
        return refused
    user_key, citizen = who
    doc = request.get_json(silent=True)
    if not isinstance(doc, dict):
        return _error(400, "need a JSON object {\"ref\": ..., \"grants\": {...}}", None)
    ref = doc.get("ref")
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 32:
        return _error(400, "ref must be an application number", "ref")
    grants = doc.get("grants", {})
    if (not isinstance(grants, dict) or len(grants) > MAX_GRANTS
            or not all(isinstance(k, str) and v in GRANT_ANSWERS for k, v in grants.items())):
        return _error(400, f"grants must map template ids to one of {', '.join(GRANT_ANSWERS)}", "grants")
    rt = runtime()
    store = rt.services.subscriptions
    try:
        sub = subscribe(store, rt.identity, rt.adapters, citizen, user_key, ref.strip().upper())
    except CannotSubscribe as e:
        return _error(e.status, e.message, e.field)
    except RateLimited:
        return _error(503, "that department's system is busy; try again in a minute", None)
    except BackendError as e:
        log.info("subscribe: %s did not answer (%s)", e.backend, type(e).__name__)
        return _error(503, "that department's system cannot be reached right now", None)
    template = _template_id()
    if grants.get(template) == "accept":
        store.add_grants(user_key, template, 1)
        store.retry_now(rt.identity.id_hash(citizen.id_number))   # a change waiting may go now
    return jsonify(subscription=sub, grants=store.grants(user_key)), 201


@bp.delete("/api/mp/subscriptions/<ref>")
def remove_subscription(ref: str):
    who, refused = _who()
    if refused:
        return refused
    _user_key, citizen = who
    rt = runtime()
    if not rt.services.subscriptions.unsubscribe(rt.identity.id_hash(citizen.id_number), ref.strip().upper()[:32]):
        return _error(404, "not subscribed to this matter", "ref")
    return jsonify(removed=True)
