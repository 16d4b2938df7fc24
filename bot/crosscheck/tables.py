"""Staff counts over the fused ledger: how many matters, by two of event, status, month, district
and domain, for a period, with small counts suppressed (bot.core.disclosure: no shown value under
5, and none that the totals would give away).

The rows are the ledger's matters as the departments list them in bulk for staff: the 12345 work
orders (every order, every page: adapters.workorders.staff_orders) and the exit-entry
administration's endorsement applications (adapters.exit_entry.staff_endorsements); a backend
that gains a staff listing of its matters adds a reader to READERS and its matters count here too.
A department account counts its own matters only: the work orders sent to it, and a backend's
matters when it is that backend's department.
A row holds no person: only what it is, where, when and in which state.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from bot.city.departments import DEPARTMENTS
from bot.core.disclosure import CountTable, suppress

DIMENSIONS = {"event": "事项", "status": "状态", "month": "月份", "district": "区县", "domain": "领域"}


@dataclass(frozen=True)
class LedgerRow:
    domain: str
    event: str
    status: str
    district: str
    day: dt.date

    @property
    def month(self) -> str:
        return f"{self.day:%Y-%m}"

    def value(self, dimension: str) -> str:
        return getattr(self, dimension) or "（未知）"


def _work_orders(adapters, department: str | None, topic_names: dict[str, str]) -> list[LedgerRow]:
    return [LedgerRow("12345", topic_names.get(o.topic, o.topic), o.status, o.district, o.created_at.date())
            for o in adapters.workorders.staff_orders(department=department)]


def _endorsements(adapters, department: str | None, topic_names: dict[str, str]) -> list[LedgerRow]:
    if department not in (None, DEPARTMENTS["crj"]):
        return []
    return [LedgerRow("出入境", f"{a.region}{a.endorsement_type}", a.status, a.district, a.submitted_on)
            for a in adapters.exit_entry.staff_endorsements()]


# domain -> reader(adapters, department or None, topic names) of its staff listing
READERS: dict[str, Callable] = {"12345": _work_orders, "出入境": _endorsements}


@dataclass(frozen=True)
class CountQuery:
    rows: str
    cols: str
    since: dt.date
    until: dt.date
    filters: dict                  # dimension -> value

    def describe(self) -> str:
        """For the audit (64 characters at most): what was counted, over what."""
        where = ",".join(f"{k}={v}" for k, v in sorted(self.filters.items()))
        return f"{self.rows}x{self.cols} {self.since:%Y%m%d}-{self.until:%Y%m%d} {where}"[:64]


@dataclass(frozen=True)
class CountResult:
    query: CountQuery
    table: CountTable
    shown: list[list[int | None]]  # the grid as published: None where withheld
    withheld: int
    missing: dict[str, str]        # domain -> why it could not be read


def count(rows: list[LedgerRow], query: CountQuery) -> tuple[CountTable, list[list[int | None]]]:
    picked = [r for r in rows if query.since <= r.day <= query.until
              and all(r.value(k) == v for k, v in query.filters.items())]
    table = CountTable.build(picked, lambda r: r.value(query.rows), lambda r: r.value(query.cols))
    return table, suppress(table)
