"""好差评 as records: each evaluation with its time, intent, department, level and the citizen's
comment (masked), and the call-back a bad one opened."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.core.clock import CLOCK
from bot.core.privacy import mask_text
from bot.records.db import Database
from bot.records.models import RatingRecord

FIELDS = ("id", "at", "intent", "department", "level", "comment", "channel", "callback_id")


class RatingRecords:
    def __init__(self, db: Database):
        self.db = db

    def add(self, *, intent: str, department: str, level: str, comment: str = "", channel: str = "",
            callback_id: str | None = None) -> int:
        """Keep one evaluation; answers its id (the comment and call-back often come a turn later)."""
        with self.db.session() as s:
            r = RatingRecord(at=CLOCK.time(), intent=intent, department=department, level=level,
                             comment=mask_text(comment or "")[:1000], channel=channel, callback_id=callback_id)
            s.add(r)
            s.flush()
            return r.id

    def attach(self, rating_id: int, *, comment: str | None = None, callback_id: str | None = None) -> None:
        """Add the citizen's comment (appended, masked) or the call-back it opened."""
        with self.db.session() as s:
            r = s.get(RatingRecord, rating_id)
            if r is None:
                return
            if comment:
                r.comment = "\n".join(x for x in (r.comment, mask_text(comment.strip())) if x)[:1000]
            if callback_id:
                r.callback_id = callback_id

    def change_level(self, rating_id: int, level: str) -> None:
        """The citizen corrected the rating (刚才点错了 应该是五星): one evaluation, its last level."""
        with self.db.session() as s:
            r = s.get(RatingRecord, rating_id)
            if r is not None:
                r.level = level

    def search(self, *, department: str | None = None, level: str | None = None, limit: int = 500) -> list[dict]:
        q = select(RatingRecord).order_by(RatingRecord.id.desc()).limit(limit)
        if department:
            q = q.where(RatingRecord.department == department)
        if level:
            q = q.where(RatingRecord.level == level)
        with self.db.session() as s:
            return [{f: getattr(r, f) for f in FIELDS} for r in s.scalars(q)]

    def counts(self, *, department: str | None = None, since: float | None = None) -> list[dict]:
        """[{intent, department, level, count}] of the records (a department's own with `department`)."""
        q = (select(RatingRecord.intent, RatingRecord.department, RatingRecord.level, func.count(RatingRecord.id))
             .group_by(RatingRecord.intent, RatingRecord.department, RatingRecord.level))
        if department:
            q = q.where(RatingRecord.department == department)
        if since is not None:
            q = q.where(RatingRecord.at >= since)
        with self.db.session() as s:
            return [{"intent": i, "department": d, "level": lv, "count": n} for i, d, lv, n in s.execute(q)]
