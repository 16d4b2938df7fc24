"""What the hotline heard, one row per ingested call (no raw personal data: the caller only as a
keyed hash), so that the 12345 office can look at any period's picture in the console — whichever
host ingested the calls, over HTTP or with `make ingest`.

Rows come in as the hotline's `Heard.as_dict()` and go out as the same dicts; the picture itself
(counts, hot spots, repeat callers) is built by bot.channels.hotline.picture from them.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core.clock import CLOCK
from bot.records.db import Database
from bot.records.models import HeardCall


class HeardCalls:
    def __init__(self, db: Database):
        self.db = db

    def keep(self, heard: dict) -> bool:
        """Keep one call; False when its call_id is already kept (a resumed or repeated file)."""
        order = heard.get("work_order") or {}
        row = HeardCall(call_id=heard["call_id"], day=dt.date.fromisoformat(str(heard["day"])),
                        district=heard.get("district"), intent=heard["intent"], topic=heard.get("topic"),
                        place=heard.get("place"), caller_key=heard.get("caller_key"),
                        department=heard.get("department"), order_no=order.get("order_no"),
                        order_status=order.get("status"), kept_at=CLOCK.time())
        try:
            with self.db.session() as s:
                s.add(row)
            return True
        except IntegrityError:
            return False

    def between(self, since: dt.date, until: dt.date, *, district: str | None = None) -> list[dict]:
        """The calls of days since..until (both included), oldest first, as Heard dicts."""
        q = select(HeardCall).where(HeardCall.day >= since, HeardCall.day <= until) \
            .order_by(HeardCall.day, HeardCall.call_id)
        if district:
            q = q.where(HeardCall.district == district)
        with self.db.session() as s:
            return [{"call_id": r.call_id, "day": r.day.isoformat(), "district": r.district, "intent": r.intent,
                     "topic": r.topic, "place": r.place, "caller_key": r.caller_key, "department": r.department,
                     "work_order": ({"order_no": r.order_no, "status": r.order_status} if r.order_no else None)}
                    for r in s.scalars(q)]
