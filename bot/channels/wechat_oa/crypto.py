"""Safe/compatible mode message encryption (AES-256-CBC), as docs/wechat.md summarises it (WeChat's rules: encryption).

    Encrypt = base64(AES-CBC(key, iv=key[:16], pkcs7_32(random16 || len32be(xml) || xml || appid)))

Written on `cryptography` rather than wechatpy's PrpCrypto because that one
neither validates the padding nor uses a CSPRNG for the random prefix, and
fails with bare binascii/struct errors on garbage. Every failure here is a
`DecryptError`, so the caller can answer 400 without a traceback.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.channels.wechat_oa.signing import sha1_signature

BLOCK = 32                 # WeChat pads to 32 bytes, not AES's 16
_PREFIX = 16               # random bytes before the length


class DecryptError(Exception):
    """The ciphertext is not a message for us (garbage, bad padding, other app id)."""


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class MessageCrypto:
    def __init__(self, token: str, encoding_aes_key: str, app_id: str):
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self._key = key
        self._iv = key[:16]
        self._token = token
        self._app_id = app_id.encode()

    # -- primitives -------------------------------------------------------------------------
    def encrypt(self, xml: str, random_prefix: bytes | None = None) -> str:
        """Base64 ciphertext of one message (the prefix is fixed only by tests, for the vector)."""
        body = xml.encode()
        prefix = secrets.token_bytes(_PREFIX) if random_prefix is None else random_prefix
        plain = prefix + struct.pack(">I", len(body)) + body + self._app_id
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        enc = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def decrypt(self, encrypt: str) -> bytes:
        """The XML bytes inside `encrypt`, or DecryptError."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptError("not base64") from None
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext length is not a whole number of blocks")
        dec = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
        plain = dec.update(raw) + dec.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding")
        plain = plain[:-pad]
        if len(plain) < _PREFIX + 4:
            raise DecryptError("too short")
        (length,) = struct.unpack(">I", plain[_PREFIX:_PREFIX + 4])
        body_end = _PREFIX + 4 + length
        if body_end > len(plain):
            raise DecryptError("length field beyond the message")
        if not hmac.compare_digest(plain[body_end:], self._app_id):
            raise DecryptError("message for another app id")
        return plain[_PREFIX + 4:body_end]

    # -- envelopes --------------------------------------------------------------------------
    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return sha1_signature(self._token, timestamp, nonce, encrypt)

    def reply_envelope(self, reply_xml: str, nonce: str, timestamp: str | None = None) -> str:
        """The encrypted passive reply: exactly Encrypt, MsgSignature, TimeStamp, Nonce."""
        timestamp = timestamp or str(int(time.time()))
        encrypt = self.encrypt(reply_xml)
        return (f"<xml><Encrypt>{_cdata(encrypt)}</Encrypt>"
                f"<MsgSignature>{_cdata(self.signature(timestamp, nonce, encrypt))}</MsgSignature>"
                f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>")
