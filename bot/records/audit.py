"""The audit of personal data: one record per read of a citizen's records in a backend.

Who reads is said by bot.core.access (the bot for the citizen's own query, an agent's view, a
department's order); the citizen is kept only as pseudonym("id_number", …), never the number.
Records are added, never changed or deleted: there is no method for it here, and the database
refuses it too (triggers on SQLite and PostgreSQL, and on PostgreSQL a role without the right).
"""
from __future__ import annotations

from sqlalchemy import select

from bot.core.clock import CLOCK
from bot.core.privacy import pseudonym
from bot.records.db import Database
from bot.records.models import AuditRecord

FIELDS = ("id", "at", "backend", "operation", "citizen", "actor", "actor_role", "department", "purpose",
          "cached", "outcome")


def _row(r: AuditRecord) -> dict:
    return {f: getattr(r, f) for f in FIELDS}


class AuditLog:
    def __init__(self, db: Database):
        self.db = db

    def record(self, *, backend: str, operation: str, citizen_id: str, actor: str, actor_role: str,
               purpose: str, department: str | None = None, cached: bool = False, outcome: str = "ok",
               citizen_key: str | None = None) -> None:
        """`citizen_key`: the citizen already as pseudonym("id_number", …) (or access.AGGREGATE)."""
        with self.db.session() as s:
            s.add(AuditRecord(at=CLOCK.time(), backend=backend, operation=operation[:64],
                              citizen=citizen_key or pseudonym("id_number", citizen_id), actor=actor,
                              actor_role=actor_role,
                              department=department, purpose=purpose, cached=cached, outcome=outcome))

    def search(self, *, citizen_id: str | None = None, actor: str | None = None, department: str | None = None,
               limit: int = 200) -> list[dict]:
        """Newest first. `citizen_id` is the citizen's ID number (hashed here to look it up);
        `department` keeps a department's view to its own records."""
        q = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
        if citizen_id:
            q = q.where(AuditRecord.citizen == pseudonym("id_number", citizen_id))
        if actor:
            q = q.where(AuditRecord.actor == actor)
        if department:
            q = q.where(AuditRecord.department == department)
        with self.db.session() as s:
            return [_row(r) for r in s.scalars(q)]

    def count(self) -> int:
        from sqlalchemy import func
        with self.db.session() as s:
            return s.scalar(select(func.count(AuditRecord.id)))
