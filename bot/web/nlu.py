"""POST /api/nlu/parse: the assistant's own parse of a text, for evaluation and operators.

Same JSON shape as Rasa's /model/parse, after our normalisation and through our
cache. Callers presenting NLU_API_KEY (security.nlu_api_key, a machine key of its own), and
loopback callers in the sandbox profile when no proxy is configured (app.proxy_hops = 0): behind
a proxy on the same host every request comes from loopback, whether the proxy marks it or not.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request

from bot.nlu.client import NluUnavailable
from bot.web import runtime

LOOPBACK = {"127.0.0.1", "::1"}


# A request relayed by a proxy on this host arrives from loopback too; proxies
# mark what they relay with one of these, and such requests need the key.
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _allowed() -> bool:
    settings = runtime().settings
    if (settings.profile == "sandbox" and not settings.app.proxy_hops and request.remote_addr in LOOPBACK
            and not any(h in request.headers for h in PROXY_HEADERS)):
        return True
    key = settings.security.nlu_api_key
    given = request.headers.get("X-Api-Key", "")
    return bool(given) and hmac.compare_digest(given.encode(), key.encode())


bp = Blueprint("nlu_api", __name__)


@bp.post("/api/nlu/parse")
def parse():
    if not _allowed():
        return jsonify(error="forbidden: the NLU API key (X-Api-Key) is required"), 403
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return jsonify(error='expected JSON {"text": "..."}'), 400
    if len(body["text"]) > 2000:
        return jsonify(error="text longer than 2000 characters"), 400
    try:
        parse = runtime().nlu.parse(body["text"])
    except NluUnavailable as e:
        return jsonify(error=f"NLU unavailable: {e}"), 503
    out = dict(parse.raw)
    out["text"] = parse.text   # Rasa's shape: the normalised text its offsets refer to
    return jsonify(out)
