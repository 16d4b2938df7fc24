"""What the hotline heard, one row per ingested call (no raw personal data: the caller only as a
keyed hash), so that the 12345 office can look at any period's picture in the console — whichever
host ingested the calls, over HTTP or with `make ingest`.

Rows come in as the hotline's `Heard.as_dict()` and go out as the same dicts; the picture itself
(counts, hot spots, repeat callers) is built by bot.channels.hotline.picture from them.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.clock import CLOCK
from bot.records.db import Database
from bot.records.models import HeardCall


class HeardCalls:
    def __init__(self, db: Database):
        self.db = db

    def keep(self, heard: dict) -> bool:
        """Keep one call; False when its call_id is already kept (a resumed or repeated file)."""
        return self.keep_many([heard]) == 1

    def keep_many(self, heard: list[dict]) -> int:
        """Keep calls in one statement (the intake keeps them in batches: one commit a call cost it
        as much CPU as the rest of its bookkeeping); a call_id already kept is left as it is.
        Returns how many were new."""
        if not heard:
            return 0
        now = CLOCK.time()
        rows = [{"call_id": h["call_id"], "day": dt.date.fromisoformat(str(h["day"])), "district": h.get("district"),
                 "intent": h["intent"], "topic": h.get("topic"), "place": h.get("place"),
                 "caller_key": h.get("caller_key"), "department": h.get("department"),
                 "order_no": (h.get("work_order") or {}).get("order_no"),
                 "order_status": (h.get("work_order") or {}).get("status"), "kept_at": now}
                for h in {h["call_id"]: h for h in heard}.values()]
        insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
        statement = insert(HeardCall).on_conflict_do_nothing(index_elements=["call_id"]).returning(HeardCall.call_id)
        with self.db.session() as s:
            # rows the database returns are the ones it inserted (rowcount is not reliable for a batch)
            return len(s.connection().execute(statement, rows).all())

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
