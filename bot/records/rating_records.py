"""好差评 as records: each evaluation with its time, intent, department, level and the citizen's
comment (masked), and the call-back a bad one opened."""
from __future__ import annotations

from sqlalchemy import select

from bot.core.clock import CLOCK
from bot.core.privacy import mask_text
from bot.records.db import Database
from bot.records.models import RatingRecord

FIELDS = ("id", "at", "intent", "department", "level", "comment", "channel", "callback_id")


class RatingRecords:
    def __init__(self, db: Database):
        self.db = db

    def add(self, *, intent: str, department: str, level: str, comment: str = "", channel: str = "",
            callback_id: str | None = None) -> None:
        with self.db.session() as s:
            s.add(RatingRecord(at=CLOCK.time(), intent=intent, department=department, level=level,
                               comment=mask_text(comment or "")[:1000], channel=channel, callback_id=callback_id))

    def search(self, *, department: str | None = None, level: str | None = None, limit: int = 500) -> list[dict]:
        q = select(RatingRecord).order_by(RatingRecord.id.desc()).limit(limit)
        if department:
            q = q.where(RatingRecord.department == department)
        if level:
            q = q.where(RatingRecord.level == level)
        with self.db.session() as s:
            return [{f: getattr(r, f) for f in FIELDS} for r in s.scalars(q)]
