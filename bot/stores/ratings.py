"""好差评 counts per intent and department (Redis, shared by every worker, plus the
Prometheus counter bot.core.metrics.RATINGS). The levels are bot.city.ratings'."""
from __future__ import annotations

from bot.city.ratings import LEVELS
from bot.core import metrics
from bot.core.redis_hub import RedisHub

class RatingBook:
    """Counts of ratings, one Redis hash field per intent|department|level."""

    def __init__(self, hub: RedisHub):
        self.hub = hub
        self._key = hub.key("ratings", "counts")

    def record(self, intent: str, department: str, level: str) -> None:
        if level not in LEVELS:
            raise ValueError(f"unknown rating level {level!r}")
        self.hub.text.hincrby(self._key, f"{intent}|{department}|{level}", 1)
        metrics.RATINGS.labels(intent, department, level).inc()

    def counts(self) -> list[dict]:
        """[{intent, department, level, count}], sorted for stable output."""
        out = []
        for field, n in self.hub.text.hgetall(self._key).items():
            intent, department, level = field.split("|", 2)
            out.append({"intent": intent, "department": department, "level": level, "count": int(n)})
        return sorted(out, key=lambda r: (r["intent"], r["department"], LEVELS.index(r["level"])))

    def count(self, intent: str, department: str, level: str) -> int:
        return int(self.hub.text.hget(self._key, f"{intent}|{department}|{level}") or 0)
