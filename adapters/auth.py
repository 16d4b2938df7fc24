"""How the adapters authenticate to backends: requests auth hooks, applied to
each prepared request inside BackendAdapter._request.

An auth may also have `refresh() -> bool`: called once after a 401; True means
"credentials renewed, retry once" (bearer tokens); absent or False means a 401
is final (keys, passwords, signatures).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from typing import Callable
from urllib.parse import parse_qsl, quote, urlsplit

import redis
import requests
from requests.auth import AuthBase, HTTPBasicAuth

from bot.core.redis_hub import RedisHub

log = logging.getLogger("adapters.auth")

__all__ = ["HeaderKeyAuth", "HTTPBasicAuth", "HmacSignatureAuth", "ClientCredentialsAuth", "SessionCookieAuth"]


class HeaderKeyAuth(AuthBase):
    """A static key in one header, e.g. X-Api-Key: <key> or Authorization: ApiKey <key>."""

    def __init__(self, header: str, value: str):
        self.header, self.value = header, value

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers[self.header] = self.value
        return r


class HmacSignatureAuth(AuthBase):
    """HMAC-SHA256 request signing (the housing-fund centre's scheme).

    Signs METHOD, PATH, the sorted percent-encoded query, a unix timestamp, a
    random nonce and the SHA-256 of the body, one per line. The backend accepts
    a timestamp within its window and each nonce once.
    """

    def __init__(self, app_key: str, app_secret: str, header_prefix: str = "X-Gjj-",
                 clock: Callable[[], float] = time.time):
        self.app_key = app_key
        self._secret = app_secret.encode("utf-8")
        self.prefix = header_prefix
        self._clock = clock

    @staticmethod
    def canonical_query(query: str) -> str:
        pairs = sorted(parse_qsl(query, keep_blank_values=True))
        return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)

    def signature(self, method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> str:
        text = "\n".join([method.upper(), path, self.canonical_query(query), timestamp, nonce,
                          hashlib.sha256(body).hexdigest()])
        return hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(r.url)
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        timestamp, nonce = str(int(self._clock())), secrets.token_hex(16)
        r.headers[f"{self.prefix}AppKey"] = self.app_key
        r.headers[f"{self.prefix}Timestamp"] = timestamp
        r.headers[f"{self.prefix}Nonce"] = nonce
        r.headers[f"{self.prefix}Signature"] = self.signature(r.method or "GET", url.path or "/", url.query,
                                                              timestamp, nonce, body)
        return r


class ClientCredentialsAuth(AuthBase):
    """Bearer token from an OAuth2 client-credentials endpoint, cached in Redis
    for all workers with a TTL shorter than the token's life (so a cached token
    is never one that already expired), and in this process for the same span.

    `fetch()` asks the backend for a new token and returns (token, expires_in_s);
    the adapter supplies it so that the call goes through its one _request().
    """

    def __init__(self, hub: RedisHub, name: str, fetch: Callable[[], tuple[str, int]], margin_s: float = 30.0):
        self._redis = hub.text
        self._key = hub.key("token", name)
        self._fetch = fetch
        self._margin_s = margin_s
        self._lock = threading.Lock()
        self._local: tuple[str, float] | None = None  # (token, monotonic deadline)

    def _ttl_for(self, expires_in: int) -> float:
        # Shorter than the token's life: margin_s, but at most a quarter of a short life.
        return max(1.0, expires_in - min(self._margin_s, expires_in / 4))

    def token(self) -> str:
        local = self._local
        if local and time.monotonic() < local[1]:
            return local[0]
        with self._lock:  # one fetch per process at a time
            local = self._local
            if local and time.monotonic() < local[1]:
                return local[0]
            try:
                cached, ttl_ms = self._redis.get(self._key), self._redis.pttl(self._key)
            except redis.RedisError:
                cached, ttl_ms = None, -1
            if cached and ttl_ms > 0:
                self._local = (cached, time.monotonic() + ttl_ms / 1000)
                return cached
            token, expires_in = self._fetch()
            ttl = self._ttl_for(expires_in)
            try:
                self._redis.set(self._key, token, px=int(ttl * 1000))
            except redis.RedisError:
                log.warning("token cache unavailable; keeping the token in this process only")
            self._local = (token, time.monotonic() + ttl)
            return token

    def refresh(self) -> bool:
        """After a 401: forget the token (here and, if still the same, in Redis)."""
        with self._lock:
            stale = self._local[0] if self._local else None
            self._local = None
            try:
                if stale is None or self._redis.get(self._key) == stale:
                    self._redis.delete(self._key)
            except redis.RedisError:
                pass
        return True

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token()}"
        return r


class SessionCookieAuth(ClientCredentialsAuth):
    """A login session carried in a cookie (the civil-affairs exchange's scheme):
    `fetch()` logs in and returns (session id, lifetime in s); the session is
    cached and renewed exactly like a bearer token (Redis for all workers, a
    margin before it expires, once more after a 401), and sent as `Cookie: NAME=id`.
    The adapter's HTTP session keeps no cookie jar, so this is the only cookie sent."""

    def __init__(self, hub: RedisHub, name: str, fetch: Callable[[], tuple[str, int]], cookie: str,
                 margin_s: float = 30.0):
        super().__init__(hub, name, fetch, margin_s)
        self.cookie = cookie

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Cookie"] = f"{self.cookie}={self.token()}"
        return r
