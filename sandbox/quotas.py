"""Rate and volume limits of the sandbox's bulk listings, as their operators
would configure them. The counting is the `limits` library's (the engine of
Flask-Limiter): a moving window for "N requests per second", a fixed window
for "N per minute" or "N records per day".

Each backend names its limits (e.g. social_insurance "bulk": 20/second);
the control port can change them (POST /__limits/<backend>) and
POST /__data/restore puts them back to their start values, counters emptied.

`limits` is imported on first use (it brings asyncio and friends: ~0.2 s), not
when the sandbox starts: the start-up thread that builds the population warms
it up (Quota.ready()).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

STRATEGIES = ("moving", "fixed")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float      # 0 when allowed; else until enough is free again


class Quota:
    """One named limit: take(cost) says whether a request (or `cost` records) may go now."""

    def __init__(self, spec: str, strategy: str = "moving"):
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
        self.strategy = strategy
        self.spec = self._start_spec = spec
        self._lock = threading.Lock()
        self._limiter = None  # built on first use

    def _configure(self, spec: str) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
        item = parse(spec)  # ValueError for a bad spec, before anything changes
        self.spec = spec
        self._item = item
        strategy = MovingWindowRateLimiter if self.strategy == "moving" else FixedWindowRateLimiter
        self._limiter = strategy(MemoryStorage())

    def ready(self) -> None:
        with self._lock:
            if self._limiter is None:
                self._configure(self.spec)

    def set(self, spec: str) -> None:
        with self._lock:
            self._configure(spec)

    def restore(self) -> None:
        """Back to the start value, nothing counted."""
        with self._lock:
            self.spec, self._limiter = self._start_spec, None

    def take(self, cost: int = 1) -> Verdict:
        self.ready()
        with self._lock:
            # test first: a refused request must not use up what is left (a fixed window's
            # hit() counts even when it refuses)
            allowed = self._limiter.test(self._item, cost=cost) and self._limiter.hit(self._item, cost=cost)
            stats = self._limiter.get_window_stats(self._item)
        wait = 0.0 if allowed else max(0.0, stats.reset_time - time.time())
        return Verdict(allowed, self._item.amount, stats.remaining, wait)

    def as_dict(self) -> dict:
        return {"limit": self.spec, "strategy": self.strategy}


def retry_after_header(seconds: float) -> str:
    """Retry-After is whole seconds (RFC 9110): round up, at least 1."""
    return str(max(1, math.ceil(seconds)))
