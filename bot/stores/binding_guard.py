"""Limits on proving an identity, counted in Redis so that several workers share them.

- Wrong SMS codes count per channel user **and** per ID number (keyed hash):
  switching WeChat accounts does not get around the limit.
- Name/ID mismatches count per channel user only: anyone who knows a citizen's
  ID number could otherwise lock the owner out by typing wrong names.
- After `max_failures` the counted keys are locked for `lock_s`.
- A code is sent at most every `resend_after_s` per channel user **and** per ID
  number, whatever the conversation does (cancel and start again, other accounts):
  nobody can flood a citizen's phone with SMS.
(docs/handlers.md, "Identity binding", has the trade-offs.)
"""
from __future__ import annotations

from bot.city.service_settings import BindingSettings
from bot.core.redis_hub import RedisHub


class BindingGuard:
    def __init__(self, hub: RedisHub, settings: BindingSettings):
        self.hub = hub
        self.settings = settings

    def _keys(self, kind: str, user_key: str | None, id_hash: str | None) -> list[str]:
        keys = [self.hub.key("bind", kind, "user", user_key)] if user_key else []
        if id_hash:
            keys.append(self.hub.key("bind", kind, "id", id_hash))
        return keys

    def locked_for(self, user_key: str, id_hash: str | None = None) -> int:
        """Seconds left of a lock-out (0: not locked)."""
        ttls = [self.hub.text.ttl(k) for k in self._keys("lock", user_key, id_hash)]
        return max([t for t in ttls if t and t > 0] or [0])

    def failure(self, user_key: str, id_hash: str | None) -> int:
        """Count one failed attempt against the user (and the ID number, when given);
        returns the attempts left (0: now locked)."""
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

    def mismatch(self, user_key: str) -> int:
        """A name that does not belong to the ID number: counted per user only."""
        return self.failure(user_key, None)

    def succeeded(self, user_key: str, id_hash: str | None) -> None:
        self.hub.text.delete(*self._keys("fail", user_key, id_hash), *self._keys("sent", user_key, id_hash))

    def resend_wait(self, user_key: str, id_hash: str | None = None) -> int:
        """Seconds before another code may be sent to this user or this ID number (0: now)."""
        ttls = [self.hub.text.ttl(k) for k in self._keys("sent", user_key, id_hash)]
        return max([t for t in ttls if t and t > 0] or [0])

    def code_sent(self, user_key: str, id_hash: str | None = None, phone_masked: str = "") -> None:
        if self.settings.resend_after_s:
            pipe = self.hub.text.pipeline()
            for k in self._keys("sent", user_key, id_hash):
                # The masked phone lets a new form use the code already on its way.
                pipe.set(k, phone_masked or "1", ex=self.settings.resend_after_s)
            pipe.execute()

    def sent_to(self, id_hash: str) -> str | None:
        """The masked phone a code for this ID number went to within resend_after_s, if any."""
        value = self.hub.text.get(self._keys("sent", None, id_hash)[0])
        return value if value and value != "1" else None

    def forget_user(self, user_key: str) -> None:
        # The lock-out stays (deleting it would be a way around it), and so do the
        # per-ID resend limits; the rest goes.
        self.hub.text.delete(*self._keys("fail", user_key, None), *self._keys("sent", user_key, None))
