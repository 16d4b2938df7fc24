"""GET /wechat (URL verification) and POST /wechat (messages and events): the Official Account's
webhook (bot.channels.wechat_oa) over HTTP."""
from __future__ import annotations

from flask import Blueprint, Response, request

from bot.channels.wechat_oa.webhook import MAX_BODY_BYTES, HttpAnswer, WeChatWebhook
from bot.web import runtime

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
    return _response(webhook().receive(request.args, _read_body))


def _read_body(limit: int) -> bytes:
    """At most limit+1 bytes, so that a longer body is seen to be too long.

    With Content-Length, Werkzeug's stream stops there. Without one (chunked,
    `wsgi.input_terminated` set by gunicorn and the dev server) Werkzeug would
    silently truncate at MAX_CONTENT_LENGTH, so read the server's stream directly.
    """
    env = request.environ
    if request.content_length is None and env.get("wsgi.input_terminated"):
        stream = env["wsgi.input"]
    elif request.content_length is None:
        return b""      # no length and not terminated: WSGI gives no safe way to read it
    else:
        stream = request.stream
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _response(answer: HttpAnswer) -> Response:
    return Response(answer.body, status=answer.status, mimetype=answer.content_type)
