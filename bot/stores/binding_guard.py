"""Limits on proving an identity, counted in Redis so that several workers share them.

- Wrong SMS codes count per channel user **and** per ID number (keyed hash):
  switching WeChat accounts does not get around the limit.
- Name/ID mismatches count per channel user only: anyone who knows a citizen's
  ID number could otherwise lock the owner out by typing wrong names.
- After `max_failures` the counted keys are locked for `lock_s`.
- A code is sent at most every `resend_after_s` per channel user **and** per ID
  number, whatever the conversation does (cancel and start again, other accounts):
  nobody can flood a citizen's phone with SMS; and at most `daily_codes_per_id` a day per ID
  number and `daily_codes_per_phone` a day per phone on file (the city's day, bot.core.clock).
- Every code check is reserved before it is made (reserve_check: one Lua script, atomic in
  Redis): however many accounts and processes guess at once, an ID number gets at most
  `max_failures` checks before the lock-out.
(docs/handlers.md, "Identity binding", has the trade-offs.)
"""
from __future__ import annotations

from bot.city.service_settings import BindingSettings
from bot.core.clock import CLOCK
from bot.core.privacy import pseudonym
from bot.core.redis_hub import RedisHub

# KEYS: lock (user), lock (ID), failures (user), failures (ID); ARGV: max_failures, lock_s.
# Returns the checks left after this one (0: this is the last), or -1: locked, no check allowed.
_RESERVE = """
for i = 1, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then return -1 end
end
local worst = 0
for i = 3, 4 do
  local n = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
  if n > worst then worst = n end
end
if worst > tonumber(ARGV[1]) then
  for i = 1, 2 do redis.call('SET', KEYS[i], '1', 'EX', ARGV[2]) end
  redis.call('DEL', KEYS[3], KEYS[4])
  return -1
end
return tonumber(ARGV[1]) - worst
"""


class BindingGuard:
    """`space` keeps another kind of one-time code apart with the same limits (a partner's consent
    code: "consentcode")."""

    def __init__(self, hub: RedisHub, settings: BindingSettings, space: str = "bind"):
        self.hub = hub
        self.settings = settings
        self.space = space
        self._reserve = hub.text.register_script(_RESERVE)

    def _keys(self, kind: str, user_key: str | None, id_hash: str | None) -> list[str]:
        keys = [self.hub.key(self.space, kind, "user", user_key)] if user_key else []
        if id_hash:
            keys.append(self.hub.key(self.space, kind, "id", id_hash))
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

    def reserve_check(self, user_key: str, id_hash: str) -> int:
        """Take one code check for this user and ID number, atomically: the checks left after it
        (0: it is the last one), or -1 when locked (no check may be made)."""
        locks, fails = self._keys("lock", user_key, id_hash), self._keys("fail", user_key, id_hash)
        return int(self._reserve(keys=[*locks, *fails], args=[self.settings.max_failures, self.settings.lock_s]))

    def lock_now(self, user_key: str, id_hash: str | None) -> None:
        """The last reserved check failed: lock the user and the ID number."""
        pipe = self.hub.text.pipeline()
        for k in self._keys("lock", user_key, id_hash):
            pipe.set(k, "1", ex=self.settings.lock_s)
        pipe.delete(*self._keys("fail", user_key, id_hash))
        pipe.execute()

    # -- how many codes a day ---------------------------------------------------------------------
    def _daily_keys(self, id_hash: str, phone_masked: str | None) -> list[str]:
        day = CLOCK.today().isoformat()
        keys = [self.hub.key("bind", "daily", day, "id", id_hash)]
        if phone_masked:
            keys.append(self.hub.key("bind", "daily", day, "phone", pseudonym("phone_masked", phone_masked)))
        return keys

    def daily_cap_reached(self, id_hash: str, phone_masked: str | None = None) -> bool:
        """Has this ID number (or the phone its codes go to, when known) had its codes for today?"""
        caps = [self.settings.daily_codes_per_id, self.settings.daily_codes_per_phone]
        counts = self.hub.text.mget(self._daily_keys(id_hash, phone_masked))
        return any(int(c or 0) >= cap for c, cap in zip(counts, caps))

    def count_daily(self, id_hash: str, phone_masked: str) -> None:
        pipe = self.hub.text.pipeline()
        for k in self._daily_keys(id_hash, phone_masked):
            pipe.incr(k)
            pipe.expire(k, 2 * 86400)
        day = CLOCK.today().isoformat()
        pipe.set(self.hub.key("bind", "daily", day, "phone-of", id_hash), phone_masked, ex=2 * 86400)
        pipe.execute()

    def phone_of_today(self, id_hash: str) -> str | None:
        """The (masked) phone today's codes for this ID number went to, if any were sent."""
        return self.hub.text.get(self.hub.key("bind", "daily", CLOCK.today().isoformat(), "phone-of", id_hash))

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
