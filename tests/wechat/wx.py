"""Playing WeChat in tests: build pushes, sign them, encrypt them, read the replies."""
from __future__ import annotations

import itertools
import time
import urllib.parse
from dataclasses import dataclass, field

from bot.channels.wechat_oa.crypto import MessageCrypto
from bot.channels.wechat_oa.render import cdata
from bot.channels.wechat_oa.signing import sha1_signature
from bot.channels.wechat_oa.xml_in import parse_fields

TOKEN = "sandbox-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_0123456789ab"

_ids = itertools.count(int(time.time() * 1000) * 1000)
_nonces = itertools.count(100000)


def next_msgid() -> str:
    return str(next(_ids))


def xml(fields: dict) -> str:
    inner = "".join(f"<{k}>{v}</{k}>" if k in ("CreateTime", "MsgId", "Location_X", "Location_Y", "Scale")
                    else f"<{k}>{cdata(str(v))}</{k}>" for k, v in fields.items())
    return f"<xml>{inner}</xml>"


def text_fields(content: str, openid: str = "oUser_1", msgid: str | None = None, **extra) -> dict:
    return {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()), "MsgType": "text",
            "Content": content, "MsgId": msgid or next_msgid(), **extra}


def event_fields(event: str, openid: str = "oUser_1", create_time: int | None = None, **extra) -> dict:
    return {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": create_time or int(time.time()),
            "MsgType": "event", "Event": event, **extra}


@dataclass
class Push:
    """One HTTP push as WeChat would send it (query string + body)."""
    query: str
    body: bytes
    nonce: str
    timestamp: str
    extra_headers: dict = field(default_factory=dict)


class FakeWeChat:
    """Signs (and in safe/compatible mode, encrypts) pushes like WeChat's servers."""

    def __init__(self, token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID):
        self.token = token
        self.crypto = MessageCrypto(token, aes_key, app_id)

    def push(self, fields_or_xml, *, encrypted: bool = False, compatible: bool = False,
             timestamp: int | None = None, nonce: str | None = None, **query_overrides) -> Push:
        body = fields_or_xml if isinstance(fields_or_xml, (str, bytes)) else xml(fields_or_xml)
        body = body.encode() if isinstance(body, str) else body
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or str(next(_nonces))
        q = {"signature": sha1_signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
             "openid": "oUser_1"}
        if encrypted:
            encrypt = self.crypto.encrypt(body.decode())
            if compatible:     # the plaintext fields travel next to Encrypt
                outer = body.decode()[:-len("</xml>")] + f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
            else:
                outer = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
            body = outer.encode()
            q.update(encrypt_type="aes", msg_signature=sha1_signature(self.token, ts, nonce, encrypt))
        q.update(query_overrides)
        q = {k: v for k, v in q.items() if v is not None}
        return Push(urllib.parse.urlencode(q), body, nonce, ts)

    def send(self, client, push: Push, **kw):
        return client.post(f"/wechat?{push.query}", data=push.body, content_type="text/xml", **kw)

    def reply_fields(self, response) -> dict:
        """The reply's fields, decrypted when it is an encrypted envelope (its signature checked)."""
        fields = parse_fields(response.data)
        if "Encrypt" in fields:
            expected = sha1_signature(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            assert fields["MsgSignature"] == expected, "reply MsgSignature does not verify"
            return parse_fields(self.crypto.decrypt(fields["Encrypt"]))
        return fields
