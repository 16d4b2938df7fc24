"""Mini-program channel: POST /api/mp/login and POST /api/mp/chat (interfaces.md).

    login   {"code": wx.login() code} → sns/jscode2session → our own opaque token
            {"token", "expires_in"}. WeChat's session_key is dropped on the spot:
            it never reaches the client, Redis or a log (wechat-protocol.md §3.1).
    chat    Authorization: Bearer <token>, {"text"} → {"messages": [to_json(reply), ...]}
            Messages waiting in the Outbox (an agent's, during a handoff) come first: the
            mini-program cannot be pushed to, so the dispatcher puts them before its answer.

Tokens are `secrets.token_urlsafe(32)`; Redis keeps only their SHA-256
(`mp:sess:<sha256>` → openid), with an idle expiry renewed on use and an
absolute one that is not.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time

from flask import Blueprint, jsonify, request

from bot.core.messages import Incoming, to_json
from bot.wechat_api import WeChatError
from bot.wechat_api.mp_login import InvalidLoginCode

log = logging.getLogger(__name__)

CHANNEL = "miniprogram"
SESSION_ABSOLUTE_S = 7 * 24 * 3600
SESSION_IDLE_S = 2 * 3600
MAX_CODE_CHARS = 256
MAX_TEXT_CHARS = 500


class MpSessions:
    def __init__(self, hub):
        self.hub = hub

    def _key(self, token: str) -> str:
        return self.hub.key("mp", "sess", hashlib.sha256(token.encode()).hexdigest())

    def issue(self, openid: str, unionid: str | None) -> str:
        token = secrets.token_urlsafe(32)
        doc = {"openid": openid, "unionid": unionid, "issued_at": int(time.time())}
        self.hub.text.set(self._key(token), json.dumps(doc), ex=SESSION_IDLE_S)
        return token

    def openid(self, token: str) -> str | None:
        key = self._key(token)
        raw = self.hub.text.get(key)
        if not raw:
            return None
        doc = json.loads(raw)
        left = doc["issued_at"] + SESSION_ABSOLUTE_S - int(time.time())
        if left <= 0:
            self.hub.text.delete(key)
            return None
        self.hub.text.expire(key, min(SESSION_IDLE_S, left))
        return doc["openid"]


def _json_field(name: str, limit: int) -> str | None:
    doc = request.get_json(silent=True)
    value = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    return value


def create_blueprint(runtime) -> Blueprint:
    wechat_login = runtime.wechat.login
    sessions = MpSessions(runtime.hub)
    bp = Blueprint("miniprogram", __name__)

    @bp.post("/api/mp/login")
    def login():
        code = _json_field("code", MAX_CODE_CHARS)
        if code is None:
            return jsonify(error="need {\"code\": \"...\"}"), 400
        try:
            session = wechat_login.code_to_session(code)
        except InvalidLoginCode:
            return jsonify(error="invalid or used login code"), 401
        except WeChatError as e:
            log.warning("jscode2session failed: %s", e)
            return jsonify(error="WeChat login is temporarily unavailable"), 503
        token = sessions.issue(session.openid, session.unionid)   # session.session_key ends here
        return jsonify(token=token, expires_in=SESSION_IDLE_S)

    @bp.post("/api/mp/chat")
    def chat():
        auth = request.headers.get("Authorization", "")
        openid = sessions.openid(auth[7:].strip()) if auth.startswith("Bearer ") and len(auth) < 200 else None
        if openid is None:
            return jsonify(error="not logged in"), 401
        text = _json_field("text", MAX_TEXT_CHARS)
        if text is None:
            return jsonify(error=f"need {{\"text\": \"...\"}} of at most {MAX_TEXT_CHARS} characters"), 400
        incoming = Incoming(channel=CHANNEL, user_id=openid, text=text)
        return jsonify(messages=[to_json(r) for r in runtime.dispatcher.handle(incoming)])

    return bp
