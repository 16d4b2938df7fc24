"""The bulk listings the rules read, each read once per run, page by page (never one citizen per
request), whatever rules share it. A listing that stops part-way (ListingIncomplete, or a backend
down before its first page) makes the source *unread*: no rule that needs it is applied, so a
half-read listing can never produce a finding (or miss one silently).

The window of a run: the payroll months from `lookback_months` before the latest closed one
through it; deaths registered from a year before the window's first month (a death before the
window with pensions paid inside it is still seen) through today.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from adapters.errors import BackendError, ListingIncomplete, failure_kind


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


@dataclass(frozen=True)
class Window:
    today: dt.date
    last_month: str | None             # the latest closed payroll month (None: payroll unknown)
    months: tuple[str, ...]            # payroll months whose payments are read
    deaths_since: dt.date

    @property
    def this_month(self) -> str:
        return f"{self.today:%Y-%m}"


@dataclass(frozen=True)
class Source:
    name: str
    backend: str
    what: str                                       # in words, for the report and the docs
    listings: Callable[[Any, Window], Iterable]     # (adapters, window) -> the Listings to read


@dataclass
class SourceRead:
    """A source as read in one run: its records (when complete) and what reading it cost."""
    name: str
    backend: str
    records: list = field(default_factory=list)
    complete: bool = False
    error: str | None = None          # why it is unread: "unavailable: pension_payments 2026-05, page 3"
    calls: int = 0                    # page requests (429s included)
    pages: int = 0
    seconds: float = 0.0

    def summary(self) -> dict:
        return {"backend": self.backend, "complete": self.complete, "error": self.error, "calls": self.calls,
                "pages": self.pages, "records": len(self.records), "seconds": round(self.seconds, 3)}


def _payments(adapters, window: Window):
    for month in window.months:
        yield adapters.social_insurance.pension_payments(month)


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("pension_payments", "social_insurance", "每月养老金发放（两种基本养老保险，窗口内每个发放月）", _payments),
    Source("death_registrations", "civil_affairs", "死亡登记（按登记日期，每次至多 92 天）",
           lambda a, w: [a.civil_affairs.death_registrations(w.deaths_since, w.today)]),
    Source("dibao_households", "civil_affairs", "低保家庭及成员",
           lambda a, w: [a.civil_affairs.dibao_households()]),
    Source("company_officers", "market_regulation", "企业法定代表人及董事、监事、经理",
           lambda a, w: [a.market_regulation.officers()]),
)}


def window_for(adapters, today: dt.date, lookback_months: int) -> tuple[Window, str | None]:
    """The run's window, and why the payroll months are unknown (None when known)."""
    first_death_month = add_months(f"{today:%Y-%m}", -lookback_months - 12)
    deaths_since = dt.date.fromisoformat(first_death_month + "-01")
    try:
        period = adapters.social_insurance.payroll_period()
    except BackendError as e:
        return Window(today, None, (), deaths_since), f"{failure_kind(e)}: payroll_period"
    months = tuple(period.months(max(period.first_month, add_months(period.last_month, 1 - lookback_months))))
    deaths_since = dt.date.fromisoformat(add_months(months[0], -12) + "-01")
    return Window(today, period.last_month, months, deaths_since), None


def read_source(source: Source, adapters, window: Window) -> SourceRead:
    """Every record of the source, or the reason it could not be read in full."""
    read = SourceRead(source.name, source.backend)
    started = time.perf_counter()
    listing = None
    try:
        for listing in source.listings(adapters, window):
            read.records.extend(listing)
            read.calls += listing.calls
            read.pages += listing.pages
        read.complete = True
    except ListingIncomplete as e:
        read.calls += listing.calls if listing is not None else 0
        read.pages += e.pages
        read.error = f"{failure_kind(e)}: {e.listing}, {e.where or 'the first page'}"
        read.records = []
    except BackendError as e:          # refused before any page (a login, a breaker)
        read.error = f"{failure_kind(e)}: {source.name}"
        read.records = []
    read.seconds = time.perf_counter() - started
    return read
