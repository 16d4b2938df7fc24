"""What a watched matter's status is now: one call to the backend its number names, the same
adapters (and so the same own-records-only rule) as the chat's ledger.

The application number's prefix names the backend (docs/contracts.md): CJ exit-entry, QY
business registration, GJ housing fund, SB social insurance, GD 12345 work order, YY
appointment. An appointment also "moves" the day before it: its status then reads
已预约（明日） (and stays so until it is kept or cancelled), so that the reminder is one more
change like any other.
"""
from __future__ import annotations

import datetime as dt
import re

from adapters import Adapters
from adapters.records import Affair

WATCHABLE = {"CJ": "exit_entry", "QY": "market_regulation", "GJ": "housing_fund", "SB": "social_insurance",
             "GD": "workorders", "YY": "appointments"}
REF = re.compile(r"[A-Z]{2}\d{14}")
REMINDER = "已预约（明日）"


def backend_of(ref: str) -> str | None:
    """The backend that holds `ref`, or None when it is not a number we can watch."""
    return WATCHABLE.get(ref[:2]) if REF.fullmatch(ref) else None


def current(adapters: Adapters, id_number: str, ref: str) -> Affair | None:
    """The citizen's matter `ref` as its backend has it now (None: not theirs, or gone).
    Raises the adapters' errors (RateLimited when the backend is busy)."""
    backend = backend_of(ref)
    if backend is None:
        return None
    for affair in adapters.get(backend).affairs(id_number):
        if affair.ref_no == ref:
            return affair
    return None


def observed_status(affair: Affair, today: dt.date) -> str:
    """The status the watcher compares: the backend's, and for a booking on the next day, the
    reminder."""
    if affair.backend == "appointments" and affair.status == "已预约":
        try:
            day = dt.date.fromisoformat(affair.stage[:10])
        except ValueError:
            return affair.status
        if day - today <= dt.timedelta(days=1):   # from the day before on: told once, then it stays
            return REMINDER
    return affair.status


def in_progress(affair: Affair) -> bool:
    return not affair.done
