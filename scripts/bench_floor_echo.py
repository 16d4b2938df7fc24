"""The floor of docs/benchmarks.md (the webhook): a bare wechatpy echo bot on the same server stack.

No dedup, no Redis, no NLU, no hardening: signature check, (decrypt,) parse,
echo, (encrypt). Whatever the real webhook costs above this is ours.

    gunicorn --workers 2 --threads 8 'scripts.bench_floor_echo:create_echo_app()'

Credentials: WECHAT_TOKEN / WECHAT_AES_KEY / WECHAT_APP_ID, sandbox defaults.
"""
from __future__ import annotations

import os

from flask import Flask, Response, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature


def create_echo_app() -> Flask:
    token = os.environ.get("WECHAT_TOKEN", "sandbox-token")
    crypto = WeChatCrypto(token, os.environ.get("WECHAT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
                          os.environ.get("WECHAT_APP_ID", "wx0123456789abcdef"))
    app = Flask("floor_echo")

    @app.route("/wechat", methods=["GET", "POST"])
    def wechat():
        a = request.args
        try:
            check_signature(token, a.get("signature"), a.get("timestamp"), a.get("nonce"))
        except InvalidSignatureException:
            return Response("forbidden", 403)
        if request.method == "GET":
            return a.get("echostr", "")
        body = request.get_data()
        encrypted = a.get("encrypt_type") == "aes"
        if encrypted:
            try:
                body = crypto.decrypt_message(body, a.get("msg_signature"), a.get("timestamp"), a.get("nonce"))
            except (InvalidSignatureException, InvalidAppIdException):
                return Response("forbidden", 403)
        msg = parse_message(body)
        text = getattr(msg, "content", None) or getattr(msg, "key", None) or "ok"
        reply = create_reply(text, msg).render()
        if encrypted:
            reply = crypto.encrypt_message(reply, a.get("nonce"))
        return Response(reply, mimetype="application/xml")

    return app
