"""GET /wechat (URL verification) and POST /wechat (messages and events): the Official Account's
webhook (bot.channels.wechat_oa) over HTTP."""
from __future__ import annotations

from flask import Blueprint, Response, request

from bot.channels.wechat_oa.signing import parse_request_start
from bot.channels.wechat_oa.webhook import MAX_BODY_BYTES, HttpAnswer, WeChatWebhook
from bot.web import runtime
from bot.web.bodies import read_limited

bp = Blueprint("wechat_oa", __name__)


def webhook() -> WeChatWebhook:
    return runtime().wechat_oa.webhook


@bp.get("/wechat")
def verify():
    return _response(webhook().verify(request.args))


@bp.post("/wechat")
def receive():
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _response(HttpAnswer(413, "request body too large"))
    return _response(webhook().receive(request.args, read_limited,
                                       parse_request_start(request.headers.get("X-Request-Start"))))


def _response(answer: HttpAnswer) -> Response:
    return Response(answer.body, status=answer.status, mimetype=answer.content_type)
