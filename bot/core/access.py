"""Who is reading a citizen's records, and why: the context every backend read is audited under.

    with reading_as(Reader("account:li", "agent", "agent_view")):
        adapters.housing_fund.account(id_number)     # → one audit record, actor account:li

The dispatcher reads as the bot for the citizen's own query; the console reads as the person
logged in. The adapters call note_read() once per read of a citizen's records (adapters/base.py
`personal_read`), and so does any cache that answers in a backend's place (cached=True). Where the
records go is set once by the composition root (set_sink: bot.records.AuditLog.record); a process
that set none (a unit test of one adapter) audits nothing.
"""
from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reader:
    actor: str                    # "bot" or "account:<name>"
    role: str                     # bot | agent | department | office | admin | system
    purpose: str                  # citizen_query | agent_view | department_order | office_review | …
    department: str | None = None


# A read nobody claimed is still recorded, under a name that makes the gap visible.
UNATTRIBUTED = Reader("system", "system", "unattributed")

_reader: contextvars.ContextVar[Reader] = contextvars.ContextVar("reader", default=UNATTRIBUTED)
_inside: contextvars.ContextVar[bool] = contextvars.ContextVar("inside_personal_read", default=False)
_sink: Callable[..., None] | None = None


def set_sink(sink: Callable[..., None] | None) -> None:
    """sink(backend=, operation=, citizen_id=, actor=, actor_role=, purpose=, department=, cached=, outcome=)."""
    global _sink
    _sink = sink


def current_reader() -> Reader:
    return _reader.get()


@contextmanager
def reading_as(reader: Reader) -> Iterator[Reader]:
    token = _reader.set(reader)
    try:
        yield reader
    finally:
        _reader.reset(token)


@contextmanager
def one_read() -> Iterator[bool]:
    """Marks a read in progress; yields False when already inside one (a read made of reads is one)."""
    if _inside.get():
        yield False
        return
    token = _inside.set(True)
    try:
        yield True
    finally:
        _inside.reset(token)


def note_read(*, backend: str, operation: str, citizen_id: str = "", cached: bool = False, outcome: str = "ok",
              citizen_key: str | None = None) -> None:
    """Record one read of a citizen's records. A failing audit store fails the read: personal data
    is not handed out unrecorded. Records that hold the citizen only as pseudonym("id_number", …)
    (a cross-check's finding) pass that as `citizen_key`; a count over many citizens passes
    AGGREGATE."""
    if _sink is None or not (citizen_id or citizen_key):
        return
    r = _reader.get()
    extra = {"citizen_key": citizen_key} if citizen_key else {}
    _sink(backend=backend, operation=operation, citizen_id=citizen_id, actor=r.actor, actor_role=r.role,
          purpose=r.purpose, department=r.department, cached=cached, outcome=outcome, **extra)


# The citizen of an audited read that is a count over many (a staff query over the ledger).
AGGREGATE = "aggregate"
