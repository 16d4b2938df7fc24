"""WeChat's official vectors for signatures and encryption (docs/wechat.md, WeChat's rules), and the strict checks around them."""
from __future__ import annotations

import base64
import struct
import time
import urllib.parse

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat_oa import signing
from bot.channels.wechat_oa.crypto import DecryptError, MessageCrypto
from bot.channels.wechat_oa.signing import sha1_signature
from bot.channels.wechat_oa.xml_in import parse_fields

VECTOR_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
VECTOR_APPID = "wx1234567890abcdef"
VECTOR_MSG = "<xml><Content><![CDATA[hi]]></Content></xml>"
VECTOR_ENCRYPT = ("Q3stYC6hdFzMh9T8HCvyDMnsu8c340VXOKAu7L4L/b1P2o/5A49YbJ2j9ii79bXaOrdISKwixZyWnwUN43wSo5tkRn7w"
                  "+juueyWa26YiV7asB+0fMLsnEb+alk7/LEr4")


def test_official_signature_vectors():
    assert sha1_signature("AAAAA", "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    assert sha1_signature("AAAAA", "1714037059", "486452656") == "899cf89e464efb63f54ddac96b0a0a235f53aa78"


@pytest.fixture
def vector_app(make_app, monkeypatch):
    """The channel with token AAAAA, its clock at the official vector's time."""
    monkeypatch.setattr(signing, "_now", lambda: 1714036504 + 10)
    return make_app(token="AAAAA")


def verify(client, **params):
    return client.get("/wechat?" + urllib.parse.urlencode(params))


GOOD = dict(signature="f464b24fc39322e44b38aa78f5edd27bd1441696", timestamp="1714036504", nonce="1514711492",
            echostr="4375120948345356249")


def test_url_verification_official_vector(vector_app):
    r = verify(vector_app.client, **GOOD)
    assert r.status_code == 200
    assert r.data == b"4375120948345356249"


@pytest.mark.parametrize("change", [
    {"signature": "f464b24fc39322e44b38aa78f5edd27bd1441697"},     # one hex digit changed
    {"signature": GOOD["signature"].upper()},                       # upper-case hex
    {"nonce": None}, {"timestamp": None}, {"signature": None}, {"echostr": None},
    {"nonce": ""}, {"timestamp": ""},
    {"timestamp": "1714036504x"},
])
def test_url_verification_refuses(vector_app, change):
    params = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    r = verify(vector_app.client, **params)
    assert r.status_code == 403
    assert b"4375120948345356249" not in r.data


@pytest.mark.parametrize("skew,status", [(-301, 403), (301, 403), (-299, 200), (299, 200)])
def test_url_verification_timestamp_window(wapp, skew, status):
    ts, nonce = str(int(time.time()) + skew), "12345"
    sig = sha1_signature("sandbox-token", ts, nonce)
    r = verify(wapp.client, signature=sig, timestamp=ts, nonce=nonce, echostr="hello")
    assert r.status_code == status


# -- AES ---------------------------------------------------------------------------------------

def test_aes_official_vector():
    c = MessageCrypto("token", VECTOR_KEY, VECTOR_APPID)
    assert c.encrypt(VECTOR_MSG, random_prefix=b"0123456789abcdef") == VECTOR_ENCRYPT
    assert c.signature("1714037059", "486452656", VECTOR_ENCRYPT) == "75a33bf48f26eaf95040f3655b2188f93c2324ab"
    assert c.decrypt(VECTOR_ENCRYPT) == VECTOR_MSG.encode()


def test_random_prefix_differs_each_time():
    c = MessageCrypto("token", VECTOR_KEY, VECTOR_APPID)
    assert c.encrypt(VECTOR_MSG) != c.encrypt(VECTOR_MSG)


def test_interoperates_with_wechatpy_both_ways():
    ours = MessageCrypto("token", VECTOR_KEY, VECTOR_APPID)
    theirs = WeChatCrypto("token", VECTOR_KEY, VECTOR_APPID)
    envelope = ours.reply_envelope(VECTOR_MSG, nonce="42", timestamp="1714037059")
    assert theirs.decrypt_message(envelope, parse_fields(envelope.encode())["MsgSignature"], "1714037059", "42") \
        == VECTOR_MSG
    theirs_env = parse_fields(theirs.encrypt_message(VECTOR_MSG, "43", "1714037060").encode())
    assert ours.decrypt(theirs_env["Encrypt"]) == VECTOR_MSG.encode()


def test_reply_envelope_has_exactly_the_four_fields():
    c = MessageCrypto("token", VECTOR_KEY, VECTOR_APPID)
    env = parse_fields(c.reply_envelope(VECTOR_MSG, nonce="99", timestamp="1714037059").encode())
    assert set(env) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert env["MsgSignature"] == sha1_signature("token", env["TimeStamp"], env["Nonce"], env["Encrypt"])


def _raw_encrypt(key: str, plain: bytes) -> str:
    k = base64.b64decode(key + "=")
    enc = Cipher(algorithms.AES(k), modes.CBC(k[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


_BODY = b"0" * 16 + struct.pack(">I", 2) + b"hi" + VECTOR_APPID.encode()     # 40 bytes


@pytest.mark.parametrize("make", [
    lambda: "not base64 at all!",
    lambda: base64.b64encode(b"short").decode(),                       # not whole blocks
    lambda: base64.b64encode(b"\x00" * 64).decode(),                    # decrypts to noise
    # 40 bytes of message, then 24 bytes of padding that lie:
    lambda: _raw_encrypt(VECTOR_KEY, _BODY + b"\x00" * 23 + b"\x21"),     # 33 > WeChat's 32-byte block
    lambda: _raw_encrypt(VECTOR_KEY, _BODY + b"\x05" * 23 + b"\x18"),     # pad bytes disagree
    lambda: _raw_encrypt(VECTOR_KEY, _BODY + b"\x00" * 23 + b"\x00"),     # pad 0
    # a length field pointing beyond the message (padding correct)
    lambda: _raw_encrypt(VECTOR_KEY, b"0" * 16 + struct.pack(">I", 9999) + b"hi" + VECTOR_APPID.encode()
                         + b"\x18" * 24),
])
def test_decrypt_refuses_garbage_and_bad_padding(make):
    with pytest.raises(DecryptError):
        MessageCrypto("token", VECTOR_KEY, VECTOR_APPID).decrypt(make())


def test_decrypt_refuses_another_app_id():
    other = MessageCrypto("token", VECTOR_KEY, "wxffffffffffffffff").encrypt(VECTOR_MSG)
    with pytest.raises(DecryptError):
        MessageCrypto("token", VECTOR_KEY, VECTOR_APPID).decrypt(other)
