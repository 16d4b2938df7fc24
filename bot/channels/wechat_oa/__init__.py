"""WeChat Official Account channel: GET/POST /wechat (docs/wechat.md).

    config.py      the `wechat:` settings, validated at start-up
    signing.py     signatures, timestamp window          crypto.py    safe/compatible mode AES
    xml_in.py      hostile-proof XML reading, fields      routing.py   message/event → action
    render.py      reply text, XML, pages of 2048 bytes   user_state.py per-citizen keys
    turns.py       exactly once (turn records), the budget (inline or queued turns)
    sealing.py     what is kept in Redis is sealed under the data key
    channel.py     the request flow, unsubscribe, late answers (jobs for bot.worker),
                   the Outbox sender (agents' messages)
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from bot.channels.wechat_oa.channel import MAX_BODY_BYTES, HttpAnswer, WeChatChannel
from bot.channels.wechat_oa.routing import CHANNEL
from bot.core.errors import ConfigError

__all__ = ["create_blueprint", "build_channel", "WeChatChannel"]


def build_channel(runtime) -> WeChatChannel:
    settings = runtime.wechat.settings
    if settings.rescue_after_s <= runtime.settings.conversation.lock_ttl_s:
        # Sooner, a worker could re-run a turn its web process is still running.
        raise ConfigError("wechat.rescue_after_s", "must be longer than conversation.lock_ttl_s")
    channel = WeChatChannel(runtime, runtime.wechat)
    # Messages that are not answers (an agent's, during a handoff) reach WeChat citizens through
    # this channel; without a sender the Outbox would only store them.
    outbox = runtime.services.outbox if runtime.services is not None else None
    if outbox is not None:
        outbox.register(CHANNEL, channel.send_outbox)
    return channel


def create_blueprint(runtime) -> Blueprint:
    channel = build_channel(runtime)
    bp = Blueprint("wechat_oa", __name__)
    bp.channel = channel    # for tests and operators

    @bp.get("/wechat")
    def verify():
        return _response(channel.verify(request.args))

    @bp.post("/wechat")
    def receive():
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _response(HttpAnswer(413, "request body too large"))
        return _response(channel.receive(request.args, _read_body))

    return bp


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
    mimetype = answer.content_type
    return Response(answer.body, status=answer.status, mimetype=mimetype)
