"""POST /api/mp/login and POST /api/mp/chat: the mini-program's API (bot.channels.miniprogram).

    login   {"code": wx.login() code} → {"token", "expires_in"}    400 malformed, 401 bad code,
                                                                   503 WeChat unavailable
    chat    Authorization: Bearer <token>, {"text"} → {"messages": [to_json(reply), ...]}
                                                                   400 malformed, 401 no valid token
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from bot.channels.miniprogram import MAX_CODE_CHARS, MAX_TEXT_CHARS, SESSION_IDLE_S, MiniProgram
from bot.core.messages import to_json
from bot.wechat_api import WeChatError
from bot.wechat_api.mp_login import InvalidLoginCode
from bot.web import runtime

log = logging.getLogger(__name__)

bp = Blueprint("miniprogram", __name__)


def channel() -> MiniProgram:
    return runtime().miniprogram


@bp.post("/api/mp/login")
def login():
    code = _json_field("code", MAX_CODE_CHARS)
    if code is None:
        return jsonify(error="need {\"code\": \"...\"}"), 400
    try:
        token = channel().log_in(code)
    except InvalidLoginCode:
        return jsonify(error="invalid or used login code"), 401
    except WeChatError as e:
        log.warning("jscode2session failed: %s", e)
        return jsonify(error="WeChat login is temporarily unavailable"), 503
    return jsonify(token=token, expires_in=SESSION_IDLE_S)


@bp.post("/api/mp/chat")
def chat():
    auth = request.headers.get("Authorization", "")
    openid = channel().openid(auth[7:].strip()) if auth.startswith("Bearer ") and len(auth) < 200 else None
    if openid is None:
        return jsonify(error="not logged in"), 401
    text = _json_field("text", MAX_TEXT_CHARS)
    if text is None:
        return jsonify(error=f"need {{\"text\": \"...\"}} of at most {MAX_TEXT_CHARS} characters"), 400
    return jsonify(messages=[to_json(r) for r in channel().chat(openid, text)])


def _json_field(name: str, limit: int) -> str | None:
    doc = request.get_json(silent=True)
    value = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    return value
