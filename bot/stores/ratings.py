"""好差评 counts per intent and department (Redis, shared by every worker, plus the
Prometheus counter bot.core.metrics.RATINGS), and each evaluation kept as a record (bot.records)
when the runtime gives the records. The levels are bot.city.ratings'."""
from __future__ import annotations

from bot.city.ratings import LEVELS
from bot.core import metrics
from bot.core.redis_hub import RedisHub

class RatingBook:
    """Counts of ratings, one Redis hash field per intent|department|level."""

    def __init__(self, hub: RedisHub, records=None):
        """`records`: where each evaluation is kept as a record (bot.records.RatingRecords), or None."""
        self.hub = hub
        self.records = records
        self._key = hub.key("ratings", "counts")

    def record(self, intent: str, department: str, level: str, channel: str = "") -> int | None:
        """Count the rating, and keep it as a record; answers the record's id (None without records)."""
        if level not in LEVELS:
            raise ValueError(f"unknown rating level {level!r}")
        self.hub.text.hincrby(self._key, f"{intent}|{department}|{level}", 1)
        metrics.RATINGS.labels(intent, department, level).inc()
        if self.records is None:
            return None
        return self.records.add(intent=intent, department=department, level=level, channel=channel)

    def change(self, rating_id: int | None, intent: str, department: str, old: str, new: str) -> None:
        """A rating corrected by the citizen counts once, at its new level. (The Prometheus counter
        only goes up: it counts the new level too; the Redis counts and the record are exact.)"""
        if new not in LEVELS or old == new:
            return
        pipe = self.hub.text.pipeline()
        pipe.hincrby(self._key, f"{intent}|{department}|{old}", -1)
        pipe.hincrby(self._key, f"{intent}|{department}|{new}", 1)
        pipe.execute()
        metrics.RATINGS.labels(intent, department, new).inc()
        if self.records is not None and rating_id is not None:
            self.records.change_level(rating_id, new)

    def attach(self, rating_id: int | None, *, comment: str | None = None, callback_id: str | None = None) -> None:
        """The citizen's comment, or the call-back the rating opened, added to its record."""
        if self.records is not None and rating_id is not None:
            self.records.attach(rating_id, comment=comment, callback_id=callback_id)

    def counts(self) -> list[dict]:
        """[{intent, department, level, count}], sorted for stable output."""
        out = []
        for field, n in self.hub.text.hgetall(self._key).items():
            intent, department, level = field.split("|", 2)
            out.append({"intent": intent, "department": department, "level": level, "count": int(n)})
        return sorted(out, key=lambda r: (r["intent"], r["department"], LEVELS.index(r["level"])))

    def count(self, intent: str, department: str, level: str) -> int:
        return int(self.hub.text.hget(self._key, f"{intent}|{department}|{level}") or 0)
