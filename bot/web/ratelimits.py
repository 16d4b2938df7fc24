"""Rate limits of the JSON APIs: Flask-Limiter, counting in the app's Redis (so every worker and
every host shares the counts), values from the settings.

    limits = ApiLimits.for_app(app, runtime.settings)            # once, in create_app()
    limits.protect(bp, family="mp", values=lambda: mp_limits, caller=current_openid,
                   login_endpoint="miniprogram.login")

A family is one API (the mini-program's, the partner API's): its blueprints share one count per
address (`ip`) and one per caller (`user`, for requests that carry a valid token), and its login
route a stricter one per address (`login_ip`). A caller known only once the login succeeded is
counted with `hit()` (`login_user`). Past a limit: 429, JSON, with `Retry-After`.

Only the blueprints given to `protect()` are limited: /wechat never is per address, since all of
WeChat's pushes come from a few of its servers.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, Flask, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse as parse_limit

from bot.core.config import Section
from bot.core.errors import ConfigError
from bot.core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LimitValues:
    ip: str            # every request of one address
    user: str          # every request of one logged-in caller
    login_ip: str      # logins from one address
    login_user: str    # logins of one caller (known once WeChat named them)


def load_limit_values(sec: Section) -> LimitValues:
    """`<api>.limits` of the settings; each value is checked with Flask-Limiter's own parser."""
    values = {}
    for key in LimitValues.__dataclass_fields__:
        value = sec.str(key)
        try:
            parse_limit(value)
        except ValueError:
            raise ConfigError(sec._p(key), f"{value!r} is not a limit such as 60/minute") from None
        values[key] = value
    return LimitValues(**values)


def limit_values(settings: Settings, api: str) -> LimitValues:
    return load_limit_values(Section(api, settings.extra.get(api) or {}).section("limits"))


def remote_address() -> str:
    return request.remote_addr or "unknown"


class TooManyRequests(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class ApiLimits:
    def __init__(self, app: Flask, *, storage_uri: str, key_prefix: str):
        self.key_prefix = key_prefix
        self.limiter = Limiter(remote_address, app=app, storage_uri=storage_uri, key_prefix=key_prefix,
                               strategy="moving-window", headers_enabled=True, retry_after="delta-seconds",
                               swallow_errors=True)
        app.extensions["api_limits"] = self
        app.register_error_handler(RateLimitExceeded, _too_many)
        app.register_error_handler(TooManyRequests, _too_many)

    @classmethod
    def for_app(cls, app: Flask, settings: Settings) -> "ApiLimits":
        return cls(app, storage_uri=settings.redis.url, key_prefix=f"{settings.redis.key_prefix}limits")

    def protect(self, bp: Blueprint, *, family: str, values: Callable[[], LimitValues],
                caller: Callable[[], str | None], login_endpoint: str | None = None) -> None:
        """Limit every route of `bp`, counted with the rest of `family`."""
        # Shared limits: one count per scope across every route of the family, not one per route.
        shared = self.limiter.shared_limit
        shared(lambda: values().ip, f"{family}-ip", key_func=remote_address)(bp)
        shared(lambda: values().user, f"{family}-user", key_func=lambda: caller() or "-",
               exempt_when=lambda: caller() is None)(bp)
        if login_endpoint is not None:
            shared(lambda: values().login_ip, f"{family}-login-ip", key_func=remote_address,
                   exempt_when=lambda: request.endpoint != login_endpoint)(bp)

    def hit(self, value: str, scope: str, key: str) -> None:
        """Count one request of `key` against `value`; TooManyRequests (→ 429) past it."""
        limit = parse_limit(value)
        key = f"{self.key_prefix}/{key}"   # Flask-Limiter prefixes its own keys; this one is ours
        try:
            if self.limiter.limiter.hit(limit, scope, key):
                return
            reset_at, _left = self.limiter.limiter.get_window_stats(limit, scope, key)
        except Exception:   # the counts are unreachable: let the request through, as Flask-Limiter does
            log.warning("rate limit %s not checked", scope, exc_info=True)
            return
        raise TooManyRequests(max(1, math.ceil(reset_at - time.time())))


def _too_many(e):
    if isinstance(e, TooManyRequests):
        retry_after = e.retry_after
    else:
        # Flask-Limiter puts Retry-After on the answer after this handler; the body says it too.
        limit = getattr(e, "limit", None)
        retry_after = 1
        if limit is not None:
            retry_after = max(1, int(limit.limit.get_expiry()))
    response = jsonify(error="too many requests, please wait", field=None, retry_after=retry_after)
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response
