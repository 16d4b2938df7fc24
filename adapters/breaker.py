"""A circuit breaker per backend whose state every worker process shares in Redis.

Why not pybreaker: its CircuitBreaker.call() holds one lock for the whole
guarded call, so in a threaded worker every call to a slow backend would wait
for the one before it; and its Redis storage keeps the opening time in whole
seconds. This breaker holds no lock while the call runs and decides with two
small Lua scripts (one round trip each), using Redis' clock so that all
workers agree on time.

State, in the hash hub.key("breaker", name):
    failures     consecutive system failures (business errors do not count)
    open_until   ms since epoch (Redis clock) until which calls are refused
    trial_until  set while one caller, anywhere, is making the half-open trial call
No hash means closed with no failures: a healthy backend costs one EVALSHA a
call and no write.

If Redis itself fails, the breaker lets calls through (the backends may well
be fine) and logs a warning.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis

from adapters.errors import CircuitOpen
from bot.core.redis_hub import RedisHub

log = logging.getLogger("adapters.breaker")

# -> {state, failures, retry_in_ms}; state is "closed", "open" or "trial".
_BEFORE_CALL = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local h = redis.call('HMGET', KEYS[1], 'failures', 'open_until', 'trial_until')
local failures = tonumber(h[1] or '0')
local open_until = tonumber(h[2] or '0')
if open_until == 0 then return {'closed', failures, 0} end
if now < open_until then return {'open', failures, open_until - now} end
local trial_until = tonumber(h[3] or '0')
if now < trial_until then return {'open', failures, trial_until - now} end
redis.call('HSET', KEYS[1], 'trial_until', now + tonumber(ARGV[1]))
return {'trial', failures, 0}
"""

# ARGV: fail_max, reset_timeout_ms, key_ttl_ms -> failures after this one
_ON_FAILURE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local n = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if n >= tonumber(ARGV[1]) or redis.call('HEXISTS', KEYS[1], 'open_until') == 1 then
  redis.call('HSET', KEYS[1], 'open_until', now + tonumber(ARGV[2]))
  redis.call('HDEL', KEYS[1], 'trial_until')
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return n
"""


@dataclass(frozen=True)
class Ticket:
    """What before_call saw; tells after_success whether there is anything to clear."""
    trial: bool
    failures: int


_FAIL_OPEN = Ticket(trial=False, failures=0)


class SharedBreaker:
    def __init__(self, hub: RedisHub, name: str, *, fail_max: int, reset_timeout_s: float, trial_timeout_s: float):
        self.name = name
        self.fail_max = fail_max
        self.reset_timeout_s = reset_timeout_s
        self._redis = hub.text
        self._key = hub.key("breaker", name)
        self._trial_ms = max(1, int(trial_timeout_s * 1000))
        # Forget stale failure counts after a while; never shorter than an open period.
        self._ttl_ms = max(int(reset_timeout_s * 1000) * 10, 3_600_000)
        self._before = self._redis.register_script(_BEFORE_CALL)
        self._failure = self._redis.register_script(_ON_FAILURE)
        self._last_redis_warning = 0.0

    def before_call(self) -> Ticket:
        """Raises CircuitOpen while the circuit is open; else lets the call go."""
        try:
            state, failures, retry_in_ms = self._before(keys=[self._key], args=[self._trial_ms])
        except redis.RedisError as e:
            self._redis_trouble(e)
            return _FAIL_OPEN
        if state == "open":
            raise CircuitOpen(self.name, int(retry_in_ms) / 1000)
        if state == "trial":
            log.info("breaker %s: half-open, trying one call", self.name)
        return Ticket(trial=state == "trial", failures=int(failures))

    def after_success(self, ticket: Ticket) -> None:
        if not (ticket.trial or ticket.failures):
            return
        try:
            self._redis.delete(self._key)
        except redis.RedisError as e:
            self._redis_trouble(e)
            return
        if ticket.trial:
            log.info("breaker %s: closed again", self.name)

    def after_failure(self) -> None:
        try:
            n = int(self._failure(keys=[self._key], args=[self.fail_max, int(self.reset_timeout_s * 1000), self._ttl_ms]))
        except redis.RedisError as e:
            self._redis_trouble(e)
            return
        if n == self.fail_max:
            log.warning("breaker %s: opened after %d consecutive failures", self.name, n)

    def state(self) -> str:
        """closed / open / half-open, for /readyz and tests (no side effects)."""
        try:
            raw = self._redis.hmget(self._key, "open_until", "trial_until")
            now_s, now_us = self._redis.time()
        except redis.RedisError:
            return "unknown"
        now_ms = now_s * 1000 + now_us // 1000
        open_until = int(raw[0] or 0)
        if not open_until:
            return "closed"
        return "open" if now_ms < open_until else "half-open"

    def reset(self) -> None:
        self._redis.delete(self._key)

    def _redis_trouble(self, e: Exception) -> None:
        now = time.monotonic()
        if now - self._last_redis_warning > 30:  # at most one warning every 30 s per breaker
            self._last_redis_warning = now
            log.warning("breaker %s: Redis unavailable (%s); letting calls through", self.name, type(e).__name__)
