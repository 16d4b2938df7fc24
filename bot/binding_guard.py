"""Limits on proving an identity: wrong SMS codes (and name/ID mismatches) are
counted in Redis, per channel user and per ID number (keyed hash), so that
neither switching WeChat accounts nor several workers get around the limit.
After `max_failures` both are locked for `lock_s`; a new code can be asked for
only every `resend_after_s`.
"""
from __future__ import annotations

from bot.redis_conn import RedisHub
from bot.service_settings import BindingSettings


class BindingGuard:
    def __init__(self, hub: RedisHub, settings: BindingSettings):
        self.hub = hub
        self.settings = settings

    def _keys(self, kind: str, user_key: str, id_hash: str | None) -> list[str]:
        keys = [self.hub.key("bind", kind, "user", user_key)]
        if id_hash:
            keys.append(self.hub.key("bind", kind, "id", id_hash))
        return keys

    def locked_for(self, user_key: str, id_hash: str | None = None) -> int:
        """Seconds left of a lock-out (0: not locked)."""
        ttls = [self.hub.text.ttl(k) for k in self._keys("lock", user_key, id_hash)]
        return max([t for t in ttls if t and t > 0] or [0])

    def failure(self, user_key: str, id_hash: str | None) -> int:
        """Count one failed attempt; returns the attempts left (0: now locked)."""
        pipe = self.hub.text.pipeline()
        fails = self._keys("fail", user_key, id_hash)
        for k in fails:
            pipe.incr(k)
            pipe.expire(k, self.settings.lock_s)
        counts = pipe.execute()[0::2]
        worst = max(counts)
        if worst >= self.settings.max_failures:
            pipe = self.hub.text.pipeline()
            for k in self._keys("lock", user_key, id_hash):
                pipe.set(k, "1", ex=self.settings.lock_s)
            pipe.delete(*fails)
            pipe.execute()
            return 0
        return self.settings.max_failures - worst

    def succeeded(self, user_key: str, id_hash: str | None) -> None:
        self.hub.text.delete(*self._keys("fail", user_key, id_hash), *self._keys("sent", user_key, None))

    def resend_wait(self, user_key: str) -> int:
        """Seconds before another code may be sent (0: now)."""
        ttl = self.hub.text.ttl(self._keys("sent", user_key, None)[0])
        return ttl if ttl and ttl > 0 else 0

    def code_sent(self, user_key: str) -> None:
        if self.settings.resend_after_s:
            self.hub.text.set(self._keys("sent", user_key, None)[0], "1", ex=self.settings.resend_after_s)

    def forget_user(self, user_key: str) -> None:
        # The lock-out stays (deleting it would be a way around it); the rest goes.
        self.hub.text.delete(*self._keys("fail", user_key, None), *self._keys("sent", user_key, None))
