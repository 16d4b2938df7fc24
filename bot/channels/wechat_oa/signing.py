"""Signature and freshness checks of WeChat's query strings.

Stricter than wechatpy's `check_signature` (docs/wechat.md, WeChat's rules: signatures): every
parameter must be present and well-formed, signatures are lower-case hex only
and compared in constant time, and the timestamp must be within a window.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Mapping

_HEX_SHA1 = re.compile(r"[0-9a-f]{40}")      # WeChat signs in lower case; anything else is forged
_TIMESTAMP = re.compile(r"[0-9]{1,10}")
_NONCE = re.compile(r"[0-9A-Za-z_-]{1,64}")
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class RequestRefused(Exception):
    """The request is not from WeChat (or not any more): answered 4xx, nothing runs."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: sha1 of the parts sorted as strings and joined without separator."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    return bool(_HEX_SHA1.fullmatch(given)) and hmac.compare_digest(expected, given)


@dataclass(frozen=True)
class SignedQuery:
    timestamp: str
    nonce: str
    signature: str | None       # may be absent on encrypted pushes (msg_signature covers more)
    msg_signature: str | None   # present when encrypted
    encrypted: bool

    @property
    def replay_key(self) -> str:
        """Identifies the signed query string by what every signature covers: its timestamp
        and nonce. A replay must reuse them; parameters it adds or drops (a made-up
        msg_signature on a plaintext push, a dropped one on an encrypted push read in
        compatible mode) are not verified, so they must not make a new key."""
        return hashlib.sha1(f"{self.timestamp}|{self.nonce}".encode()).hexdigest()


def read_query(args: Mapping[str, str]) -> SignedQuery:
    """Well-formedness of the POST query string; signatures are checked by the caller."""
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _NONCE.fullmatch(nonce):
        raise RequestRefused(403, "missing or malformed timestamp/nonce")
    encrypt_type = args.get("encrypt_type", "raw")
    if encrypt_type not in ("raw", "aes"):
        raise RequestRefused(403, "unknown encrypt_type")
    encrypted = encrypt_type == "aes"
    signature = args.get("signature") or None
    msg_signature = args.get("msg_signature") or None
    if encrypted and not msg_signature:
        raise RequestRefused(403, "encrypted push without msg_signature")
    if not encrypted and not signature:
        raise RequestRefused(403, "missing signature")
    for value in (signature, msg_signature):
        if value is not None and not _HEX_SHA1.fullmatch(value):
            raise RequestRefused(403, "malformed signature")
    openid = args.get("openid")
    if openid is not None and not _OPENID.fullmatch(openid):
        raise RequestRefused(403, "malformed openid")
    return SignedQuery(timestamp, nonce, signature, msg_signature, encrypted)


def check_query_signature(token: str, q: SignedQuery) -> None:
    """The `signature` parameter (token, timestamp, nonce) — when present it must match."""
    if q.signature is not None and not signature_matches(sha1_signature(token, q.timestamp, q.nonce), q.signature):
        raise RequestRefused(403, "bad signature")


def check_msg_signature(token: str, q: SignedQuery, encrypt: str) -> None:
    """The `msg_signature` of encrypted pushes also covers the ciphertext."""
    expected = sha1_signature(token, q.timestamp, q.nonce, encrypt)
    if q.msg_signature is None or not signature_matches(expected, q.msg_signature):
        raise RequestRefused(403, "bad msg_signature")


def _now() -> float:
    return time.time()      # tests replace this to replay WeChat's dated official vectors


def check_fresh(timestamp: str, window_s: int) -> None:
    if abs(_now() - int(timestamp)) > window_s:
        raise RequestRefused(403, "timestamp outside the accepted window")


def parse_request_start(value: str | None) -> float | None:
    """X-Request-Start as proxies write it (nginx `t=${msec}` in seconds, others in milli- or
    microseconds since the epoch), in seconds; None when absent or unreadable."""
    if not value:
        return None
    try:
        t = float(value.strip().removeprefix("t="))
    except ValueError:
        return None
    if t > 1e14:
        t /= 1e6
    elif t > 1e11:
        t /= 1e3
    return t if t > 0 else None


def seconds_left(timestamp: str, request_start: float | None, budget_s: float, from_timestamp_s: float) -> float:
    """How long the passive reply may still take, from now. Two limits, the earlier wins:
    `budget_s` from when the request arrived (the proxy's X-Request-Start when it says, else now),
    and `from_timestamp_s` from WeChat's own `timestamp`, which it stamped when it sent the push
    (whole seconds: the push left up to a second after it). The second one counts the time spent in
    proxies and socket backlogs, which this process cannot see, against WeChat's 5 seconds."""
    now = _now()
    arrived = min(now, request_start) if request_start is not None else now
    return min(arrived + budget_s, float(timestamp) + from_timestamp_s) - now


def check_url_verification(token: str, args: Mapping[str, str], window_s: int) -> str:
    """GET /wechat: returns the echostr to send back, or raises RequestRefused."""
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    signature, echostr = args.get("signature", ""), args.get("echostr", "")
    if not (_TIMESTAMP.fullmatch(timestamp) and _NONCE.fullmatch(nonce) and echostr and len(echostr) <= 128):
        raise RequestRefused(403, "missing or malformed parameters")
    if not signature_matches(sha1_signature(token, timestamp, nonce), signature):
        raise RequestRefused(403, "bad signature")
    check_fresh(timestamp, window_s)
    return echostr
