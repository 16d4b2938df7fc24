"""Counts of the bot's turns per city day, for the console's dashboard: messages per channel,
intents, fallbacks, and the answer time (sum and count, so any worker adds to one figure).
Redis hashes, one per day, kept KEEP_DAYS days; Prometheus has the same as metrics, these are
what a person looks back on without a monitoring stack."""
from __future__ import annotations

import datetime as dt

from bot.core.clock import CLOCK
from bot.core.redis_hub import RedisHub

KEEP_DAYS = 60


class TurnStats:
    def __init__(self, hub: RedisHub):
        self.hub = hub

    def _key(self, day: dt.date) -> str:
        return self.hub.key("stats", "turns", day.isoformat())

    def add(self, *, channel: str, intent: str, fallback: bool, seconds: float) -> None:
        key = self._key(CLOCK.today())
        pipe = self.hub.text.pipeline()
        pipe.hincrby(key, f"channel|{channel}", 1)
        pipe.hincrby(key, f"intent|{intent}", 1)
        pipe.hincrby(key, "turns", 1)
        if fallback:
            pipe.hincrby(key, "fallbacks", 1)
        pipe.hincrbyfloat(key, "seconds", seconds)
        pipe.expire(key, KEEP_DAYS * 86400)
        pipe.execute()

    def days(self, n: int = 14) -> list[dict]:
        """The last n days, oldest first: {day, turns, fallbacks, fallback_rate, avg_ms, channels, intents}."""
        today = CLOCK.today()
        pipe = self.hub.text.pipeline()
        days = [today - dt.timedelta(days=i) for i in range(n - 1, -1, -1)]
        for d in days:
            pipe.hgetall(self._key(d))
        out = []
        for d, raw in zip(days, pipe.execute()):
            turns = int(raw.get("turns", 0))
            fallbacks = int(raw.get("fallbacks", 0))
            out.append({
                "day": d, "turns": turns, "fallbacks": fallbacks,
                "fallback_rate": fallbacks / turns if turns else 0.0,
                "avg_ms": float(raw.get("seconds", 0)) * 1000 / turns if turns else 0.0,
                "channels": {k.split("|", 1)[1]: int(v) for k, v in raw.items() if k.startswith("channel|")},
                "intents": {k.split("|", 1)[1]: int(v) for k, v in raw.items() if k.startswith("intent|")},
            })
        return out
