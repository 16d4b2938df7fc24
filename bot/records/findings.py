"""The findings of the cross-department checks and their runs, for the reviewing departments.

A finding is kept once per (rule, citizen, period): the citizen as pseudonym("id_number", …), shown
as the masked ID number and name (what the department needs to find the person in its own
system, with its own record numbers in the evidence). A later run that finds it again only
updates when it was last seen (and its evidence while still open); a department marks it
confirmed or dismissed with a note, once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.core.clock import CLOCK
from bot.core.privacy import mask_id_number, mask_text, pseudonym
from bot.records.db import Database
from bot.records.models import CrosscheckFinding, CrosscheckRun

STATUSES = ("open", "confirmed", "dismissed")
DECISIONS = ("confirmed", "dismissed")
MAX_NOTE = 500


class ReviewRefused(Exception):
    """Why a review was refused; the message is safe to show."""


@dataclass(frozen=True)
class NewFinding:
    """What a rule found about one person (the raw ID number only to key and mask it here)."""
    rule: str
    reviewer: str
    id_number: str
    name: str
    district: str
    period: str
    summary: str
    evidence: dict

    def __repr__(self) -> str:     # never the ID number in a log or a traceback
        return f"NewFinding({self.rule}, {mask_id_number(self.id_number)}, {self.period})"


FIELDS = ("id", "rule", "citizen_key", "period", "reviewer", "masked_id", "name", "district", "summary",
          "first_run", "found_at", "last_seen_at", "times_seen", "status", "note", "reviewed_by", "reviewed_at")


def _row(f: CrosscheckFinding) -> dict:
    row = {k: getattr(f, k) for k in FIELDS}
    row["evidence"] = json.loads(f.evidence)
    return row


class Findings:
    def __init__(self, db: Database):
        self.db = db

    # --- runs ----------------------------------------------------------------------------
    def start_run(self, trigger: str) -> int:
        with self.db.session() as s:
            run = CrosscheckRun(started_at=CLOCK.time(), trigger=trigger, report="{}")
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, report: dict) -> None:
        with self.db.session() as s:
            run = s.get(CrosscheckRun, run_id)
            run.finished_at = CLOCK.time()
            run.report = json.dumps(report, ensure_ascii=False)

    def runs(self, limit: int = 20) -> list[dict]:
        with self.db.session() as s:
            return [{"id": r.id, "started_at": r.started_at, "finished_at": r.finished_at, "trigger": r.trigger,
                     "report": json.loads(r.report)}
                    for r in s.scalars(select(CrosscheckRun).order_by(CrosscheckRun.id.desc()).limit(limit))]

    # --- findings ------------------------------------------------------------------------
    def keep(self, found: NewFinding, run_id: int) -> tuple[int, bool]:
        """(finding id, True when new). Seen before: its last sighting (and, while open, its
        evidence) is updated; never a second row, even when two runs keep it at once."""
        key = pseudonym("id_number", found.id_number)
        evidence = json.dumps(found.evidence, ensure_ascii=False, default=str)
        summary = mask_text(found.summary)
        now = CLOCK.time()
        for _ in range(2):
            with self.db.session() as s:
                row = s.scalar(select(CrosscheckFinding).where(
                    CrosscheckFinding.rule == found.rule, CrosscheckFinding.citizen_key == key,
                    CrosscheckFinding.period == found.period))
                if row is not None:
                    row.last_seen_at, row.times_seen = now, row.times_seen + 1
                    if row.status == "open":
                        row.evidence, row.summary = evidence, summary
                    return row.id, False
            try:
                with self.db.session() as s:
                    row = CrosscheckFinding(
                        rule=found.rule, citizen_key=key, period=found.period, reviewer=found.reviewer,
                        masked_id=mask_id_number(found.id_number), name=found.name, district=found.district,
                        summary=summary, evidence=evidence, first_run=run_id, found_at=now, last_seen_at=now,
                        times_seen=1, status="open", note="")
                    s.add(row)
                    s.flush()
                    return row.id, True
            except IntegrityError:
                continue          # another run kept it a moment ago: count this as a sighting
        raise RuntimeError("a finding could be neither added nor found")

    def search(self, *, reviewer: str | None = None, status: str | None = None, rule: str | None = None,
               run_id: int | None = None, ids: list[int] | None = None, limit: int = 500) -> list[dict]:
        """Newest first. `reviewer` keeps a department to its own findings."""
        q = select(CrosscheckFinding).order_by(CrosscheckFinding.id.desc()).limit(limit)
        if reviewer is not None:
            q = q.where(CrosscheckFinding.reviewer == reviewer)
        if status:
            q = q.where(CrosscheckFinding.status == status)
        if rule:
            q = q.where(CrosscheckFinding.rule == rule)
        if ids is not None:
            q = q.where(CrosscheckFinding.id.in_(ids or [-1]))
        with self.db.session() as s:
            return [_row(f) for f in s.scalars(q)]

    def get(self, finding_id: int) -> dict | None:
        with self.db.session() as s:
            f = s.get(CrosscheckFinding, finding_id)
            return _row(f) if f is not None else None

    def count(self, **where) -> int:
        q = select(func.count(CrosscheckFinding.id))
        for k, v in where.items():
            q = q.where(getattr(CrosscheckFinding, k) == v)
        with self.db.session() as s:
            return s.scalar(q)

    def review(self, finding_id: int, decision: str, note: str, *, by: str, department: str | None) -> dict:
        """Mark an open finding confirmed or dismissed, with a note. `department` (a department
        account's) may review only its own findings; None is the office or an admin."""
        if decision not in DECISIONS:
            raise ReviewRefused("请选择“确认”或“排除”")
        note = mask_text((note or "").strip())
        if not note:
            raise ReviewRefused("请填写核查说明")
        if len(note) > MAX_NOTE:
            raise ReviewRefused(f"核查说明不超过 {MAX_NOTE} 字")
        with self.db.session() as s:
            f = s.get(CrosscheckFinding, finding_id)
            if f is None or (department is not None and f.reviewer != department):
                raise LookupError(finding_id)
            if f.status != "open":
                raise ReviewRefused("该线索已核查，不能再次更改")
            f.status, f.note, f.reviewed_by, f.reviewed_at = decision, note, by, CLOCK.time()
            return _row(f)
