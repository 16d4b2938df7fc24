"""POST /api/mp/login and POST /api/mp/chat: the mini-program's API (bot.channels.miniprogram),
and what every /api/mp blueprint shares: the OpenAPI document (`doc`), the caller (`current_openid`)
and the limits (`protect`).

    login   {"code": wx.login() code} → {"token", "expires_in"}    400 malformed, 401 bad or used code,
                                                                   429 too many, 503 WeChat unavailable
    chat    Authorization: Bearer <token>, {"text"} or {"choice_id"} → {"messages": [to_json(reply), ...]}
                                                                   400 malformed, 401 no valid token
    GET /api/mp/openapi.json                                       the document of every /api/mp route

Another blueprint under /api/mp (e.g. subscriptions) decorates its routes with `doc.operation(...)`,
reads the caller with `require_openid()`, and is limited with the others by `protect(limits, bp)` in
app.create_app(); its routes are then in the document and counted with the rest of the family.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify, request

from bot.channels.miniprogram import SESSION_IDLE_S, MiniProgram, UnknownChoice
from bot.core.messages import to_json
from bot.core.privacy import pseudonym
from bot.wechat_api import WeChatError
from bot.wechat_api.mp_login import InvalidLoginCode
from bot.web import runtime
from bot.web.mp_schemas import ChatIn, LoginIn, LoginOut, Messages
from bot.web.openapi import ApiDoc, ApiError
from bot.web.ratelimits import ApiLimits, LimitValues

log = logging.getLogger(__name__)

bp = Blueprint("miniprogram", __name__)
FAMILY = "mp"
def channel() -> MiniProgram:
    return runtime().miniprogram


# -- the caller, once per request (the limits read it before the view does) ---------------------
def current_openid() -> str | None:
    if "mp_openid" not in g:
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.startswith("Bearer ") and len(auth) < 200 else ""
        g.mp_openid = channel().openid(token) if token else None
    return g.mp_openid


def require_openid() -> str:
    openid = current_openid()
    if openid is None:
        raise ApiError(401, "not logged in, or the login has expired: log in again")
    return openid


doc = ApiDoc(title="成都市民服务助手 mini-program API", version="1", prefix="/api/mp",
             description="The mini-program's JSON API: the service catalogue (public), and for a logged-in "
                         "citizen the chat, their ledger, identity binding, appointments, complaints and "
                         "ratings. Errors are {\"error\", \"field\"}; past a rate limit 429 with Retry-After.",
             bearer="the token of POST /api/mp/login", authenticate=require_openid)


def limits_of_app() -> LimitValues:
    return current_app.extensions["mp_limit_values"]


def protect(limits: ApiLimits, blueprint: Blueprint) -> None:
    """Count `blueprint`'s requests with the rest of the mini-program's API (app.create_app() calls
    it for each /api/mp blueprint; the values are `miniprogram.limits` of the settings)."""
    limits.protect(blueprint, family=FAMILY, values=limits_of_app, caller=current_openid,
                   login_endpoint=f"{bp.name}.login")


# -- routes ---------------------------------------------------------------------------------------
@bp.post("/api/mp/login")
@doc.operation(summary="Log in with a wx.login() code", body=LoginIn, ok=LoginOut, auth=False,
               errors={401: "The code is unknown, expired or already used", 503: "WeChat is unavailable"},
               tags=("login",))
def login(body):
    try:
        openid, token = channel().log_in(body["code"])
    except InvalidLoginCode:
        raise ApiError(401, "invalid or used login code", "code") from None
    except WeChatError as e:
        log.warning("jscode2session failed: %s", e)
        raise ApiError(503, "WeChat login is temporarily unavailable") from None
    current_app.extensions["api_limits"].hit(limits_of_app().login_user, f"{FAMILY}-login-user",
                                             pseudonym("mp_openid", openid))
    return jsonify(token=token, expires_in=SESSION_IDLE_S)


@bp.post("/api/mp/chat")
@doc.operation(summary="One chat message: text, or the id of an offered choice", body=ChatIn, ok=Messages,
               description="Send {\"text\"} or {\"choice_id\"} (an option's `id` from the last `choices`).",
               tags=("chat",))
def chat(body):
    openid = require_openid()
    text, choice_id = body.get("text"), body.get("choice_id")
    if (text is None) == (choice_id is None) or (text is not None and not text.strip()):
        raise ApiError(400, "need {\"text\": \"...\"} or {\"choice_id\": \"...\"}", "text")
    try:
        replies = channel().chat(openid, text) if text is not None else channel().choose(openid, choice_id)
    except UnknownChoice:
        raise ApiError(400, "not one of the choices offered last", "choice_id") from None
    return jsonify(messages=[to_json(r) for r in replies])


doc.serve(bp, "/api/mp/openapi.json")
