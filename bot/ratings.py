"""好差评: the five rating levels, reading a level from plain words, and the
counts per intent and department (Redis, shared by every worker, plus the
Prometheus counter bot.core.metrics.RATINGS)."""
from __future__ import annotations

from bot.core import metrics
from bot.core.redis_hub import RedisHub

LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")

# Checked in this order: "非常不满意" contains "不满意" and "满意".
_WORDS = (
    ("非常不满意", "非常不满意"), ("很不满意", "非常不满意"), ("特别不满意", "非常不满意"),
    ("不满意", "不满意"), ("差评", "不满意"), ("不太满意", "不满意"),
    ("非常满意", "非常满意"), ("很满意", "非常满意"), ("特别满意", "非常满意"),
    ("基本满意", "基本满意"), ("还行", "基本满意"), ("一般", "基本满意"),
    ("满意", "满意"), ("好评", "满意"),
)


def level_from_text(text: str | None) -> str | None:
    text = (text or "").strip()
    for word, level in _WORDS:
        if word in text:
            return level
    return None


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
