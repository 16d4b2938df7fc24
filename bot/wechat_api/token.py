"""The access_token, shared by every process through Redis, refreshed by one at a time.

    get()                  cached token, or refresh under the lock
    refresh_after_rejection(token)   WeChat said 40001/40014/42001 for `token`

The refresh takes a Redis lock (SET NX PX) and looks at the cache again once it
holds it, because the process that held the lock before may have just stored a
fresh token; processes that do not get the lock wait for the new token instead
of fetching their own. Tokens come from `cgi-bin/stable_token` (which, unlike
`cgi-bin/token`, does not invalidate the token other components are using) and
are cached for 300 s less than their life, so a cached token is always valid.
wechatpy keeps the expiry per process and refreshes without a lock, which is
why this module exists (docs/wechat.md, WeChat's rules: access_token).
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Callable

from bot.core.redis_hub import RedisHub
from bot.wechat_api.errors import WeChatUnavailable

log = logging.getLogger(__name__)

EARLY_S = 300            # the cache forgets a token this long before WeChat does
FORCE_INTERVAL_S = 30    # WeChat allows force_refresh at most every 30 s (and 20 a day)
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

# fetch(force_refresh) -> (access_token, expires_in)
Fetcher = Callable[[bool], "tuple[str, int]"]


def cache_ttl(expires_in: int) -> int:
    """Seconds to keep a token that WeChat says lives `expires_in` seconds."""
    if expires_in > 2 * EARLY_S:
        return expires_in - EARLY_S
    return max(1, expires_in // 2)     # stable_token promises >= 300 s; stay well inside it


class TokenStore:
    def __init__(self, hub: RedisHub, app_id: str, fetch: Fetcher, *, lock_ttl_s: float = 15.0):
        self.hub = hub
        self.fetch = fetch
        self.key = hub.key("wx", "token", app_id)
        self.lock_key = hub.key("wx", "token-lock", app_id)
        self.forced_key = hub.key("wx", "token-forced", app_id)
        self.lock_ttl_ms = int(lock_ttl_s * 1000)
        self.wait_s = lock_ttl_s + 1
        self._release = hub.text.register_script(_RELEASE)

    def get(self) -> str:
        return self.cached() or self._refresh(stale=None)

    def refresh_after_rejection(self, stale: str) -> str:
        return self._refresh(stale=stale)

    def cached(self) -> str | None:
        raw = self.hub.text.get(self.key)
        return json.loads(raw)["access_token"] if raw else None

    # -----------------------------------------------------------------------------------
    def _refresh(self, stale: str | None) -> str:
        deadline = time.monotonic() + self.wait_s
        delay = 0.01
        while True:
            owner = secrets.token_hex(8)
            if self.hub.text.set(self.lock_key, owner, nx=True, px=self.lock_ttl_ms):
                try:
                    current = self.cached()
                    if current and current != stale:
                        return current          # refreshed by the previous lock holder
                    token, expires_in = self.fetch(stale is not None and self._may_force())
                    self._store(token, expires_in)
                    log.info("access_token refreshed (expires_in=%s)", expires_in)
                    return token
                finally:
                    self._release(keys=[self.lock_key], args=[owner])
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
            current = self.cached()
            if current and current != stale:
                return current
            if time.monotonic() > deadline:
                raise WeChatUnavailable("access_token refresh by another process is taking too long")

    def _may_force(self) -> bool:
        # A rejected token is replaced by a forced refresh, at most once per interval.
        return bool(self.hub.text.set(self.forced_key, "1", nx=True, ex=FORCE_INTERVAL_S))

    def _store(self, token: str, expires_in: int) -> None:
        doc = json.dumps({"access_token": token, "expires_at": int(time.time()) + expires_in})
        self.hub.text.set(self.key, doc, ex=cache_ttl(expires_in))

    def forget(self) -> None:
        self.hub.text.delete(self.key)
