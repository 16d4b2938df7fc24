"""One HTTP path to the WeChat API: timeouts, the token, one bounded retry, one error taxonomy.

`call()` is the only place that talks to WeChat. A token WeChat rejects
(40001/40014/42001) is refreshed once and the call repeated once; a second
rejection is an error. wechatpy instead retries without bound, which burns the
daily token quota (docs/wechat.md, WeChat's rules: access_token).
"""
from __future__ import annotations

import json
import os
import ssl
import time
from typing import Any

import requests
import urllib3

from bot.core import metrics
from bot.core.logs import install_redaction
from bot.core.redis_hub import RedisHub
from bot.wechat_api.errors import WeChatApiError, WeChatUnavailable
from bot.wechat_api.token import TokenStore

TOKEN_REJECTED = frozenset({40001, 40014, 42001})

# urllib3 logs each URL at DEBUG; ours carry the token, the secret or a login code,
# which the record factory of bot/core/logs.py redacts.
install_redaction()


class WeChatApi:
    def __init__(self, base_url: str, app_id: str, app_secret: str, hub: RedisHub, *,
                 timeout: tuple[float, float] = (3.05, 5.0)):
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self._secret = app_secret
        self.timeout = timeout
        self.tokens = TokenStore(hub, app_id, self._fetch_token)
        self._session: requests.Session | None = None
        self._session_pid = 0

    # -- the one network path -------------------------------------------------------------
    def call(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
             with_token: bool = True) -> dict:
        token = self.tokens.get() if with_token else None
        for attempt in (1, 2):
            data = self._counted(path, lambda: self._send(method, path, params, body, token))
            code = _errcode(data)
            if code in TOKEN_REJECTED and with_token and attempt == 1:
                token = self.tokens.refresh_after_rejection(token)
                continue
            if code:
                raise WeChatApiError(code, str(data.get("errmsg", "")), path)
            return data
        raise AssertionError("unreachable")

    @staticmethod
    def _counted(path: str, send) -> dict:
        """One HTTP exchange, counted by its outcome (wechat_api_calls_total). `path` is one of the
        few fixed API paths this package calls, never a URL with its query."""
        started = time.perf_counter()
        try:
            data = send()
        except WeChatUnavailable as e:
            metrics.WECHAT_API_CALLS.labels(path, "maybe_delivered" if e.maybe_delivered else "unavailable", "").inc()
            raise
        finally:
            metrics.WECHAT_API_SECONDS.labels(path).observe(time.perf_counter() - started)
        code = _errcode(data)
        metrics.WECHAT_API_CALLS.labels(path, "rejected" if code else "ok", str(code) if code else "").inc()
        return data

    def _send(self, method: str, path: str, params: dict | None, body: Any, token: str | None) -> dict:
        query = dict(params or {})
        if token is not None:
            query["access_token"] = token
        data = None
        if body is not None:
            # WeChat wants real UTF-8: with \\u escapes the citizen would see them literally.
            data = json.dumps(body, ensure_ascii=False).encode()
        try:
            # A body (a message sent) goes on a connection of its own: on a pooled one that the network
            # dropped while idle, the send fails with a reset that reads as "maybe delivered", and the
            # message would never be sent again. On a fresh connection a reset is a real doubt.
            url = f"{self.base_url}/{path.lstrip('/')}"
            if data is None:
                resp = self._http().request(method, url, params=query, timeout=self.timeout)
            else:
                with requests.Session() as once:
                    resp = once.request(method, url, params=query, data=data, timeout=self.timeout,
                                        headers={"Content-Type": "application/json", "Connection": "close"})
        except requests.ConnectTimeout:
            raise WeChatUnavailable(f"{path}: connect timeout") from None
        except requests.ReadTimeout:
            raise WeChatUnavailable(f"{path}: read timeout", maybe_delivered=True) from None
        except requests.RequestException as e:
            # The URL carries the token or the secret: never let it into a message.
            raise WeChatUnavailable(f"{path}: {type(e).__name__}", maybe_delivered=_maybe_sent(e)) from None
        if resp.status_code >= 500:
            raise WeChatUnavailable(f"{path}: HTTP {resp.status_code}")
        try:
            doc = resp.json()
        except ValueError:
            raise WeChatUnavailable(f"{path}: HTTP {resp.status_code}, not JSON") from None
        if not isinstance(doc, dict):
            raise WeChatUnavailable(f"{path}: unexpected JSON")
        return doc

    def _http(self) -> requests.Session:
        # One session per process: a pool inherited through fork is shared by accident.
        if self._session is None or self._session_pid != os.getpid():
            self._session = requests.Session()
            self._session_pid = os.getpid()
        return self._session

    def app_credentials(self) -> dict[str, str]:
        """appid + secret, for the few calls authenticated by them (token, jscode2session)."""
        return {"appid": self.app_id, "secret": self._secret}

    # -- the token ---------------------------------------------------------------------------
    def _fetch_token(self, force_refresh: bool) -> tuple[str, int]:
        data = self.call("POST", "cgi-bin/stable_token", with_token=False, body={
            "grant_type": "client_credential", **self.app_credentials(), "force_refresh": force_refresh})
        token, expires_in = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int) or expires_in <= 0:
            raise WeChatUnavailable("cgi-bin/stable_token: answer without a token")
        return token, expires_in


def _maybe_sent(e: requests.RequestException) -> bool:
    """Could WeChat have received this request? Only a connection never made (refused, no route,
    no name, connect timeout, TLS handshake) rules it out. A connection reset or closed once it
    was open may come after the whole request was written: repeating it could send twice."""
    if isinstance(e, (requests.ConnectTimeout, requests.exceptions.ProxyError, requests.exceptions.InvalidURL,
                      requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return False
    reason = e.args[0] if e.args else None
    reason = getattr(reason, "reason", reason)       # MaxRetryError wraps the cause
    if isinstance(e, requests.exceptions.SSLError):
        # a certificate refused is a handshake that failed: nothing was sent; other TLS errors
        # can come after the request was written
        return not isinstance(reason, (ssl.SSLCertVerificationError, ssl.CertificateError))
    if isinstance(e, requests.ConnectionError):
        return not isinstance(reason, urllib3.exceptions.NewConnectionError)
    return True


def _errcode(data: dict) -> int:
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1
