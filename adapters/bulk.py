"""Paged bulk listings: reading a whole department's records for cross-department
checks, page by page, within the limits the backend sets.

    listing = adapters.social_insurance.pension_payments("2026-10")
    for payment in listing:          # pages are fetched as the loop needs them
        ...
    listing.pages, listing.records, listing.calls, listing.waited_s

Each page is one adapter call through BackendAdapter._request (so retries of
connection failures and 502/503/504, the circuit breaker, auth and its renewal
all apply as to any call). On top of that, a listing

    paces itself   under the backend's declared rate (`bulk_rate`, e.g. "20/second":
                   the `limits` library's moving window, per adapter and process), so
                   it rarely meets a 429 at all;
    waits on 429   for the backend's Retry-After when that is at most `bulk_max_wait_s`,
                   then asks for the same page again (`bulk_rate_limit_retries` times);
    stops clearly  on any other failure, or a 429 it will not wait out: it raises
                   ListingIncomplete naming the backend, the listing, how many pages and
                   records it had read, where it stopped, and `.resume`, the position to
                   pass back to the listing's method to go on from the failed page;
    never loops    more than `bulk_max_pages` pages, nor on a position it has seen.

    position ──pace──> fetch(position) ──> Page(records, next) ──> yield records
        ^                 │ 429: wait Retry-After, same position      │
        └─────── next ────┴──── other BackendError: ListingIncomplete ┘
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Generic, Hashable, Iterator, Sequence, TypeVar

from adapters.errors import BackendError, BadResponse, ListingIncomplete, RateLimited
from bot.core.config import Section

T = TypeVar("T")
log = logging.getLogger("adapters.bulk")

# Settings every adapter with bulk listings has (besides its page sizes).
BULK_SETTINGS = ("bulk_rate", "bulk_max_wait_s", "bulk_rate_limit_retries", "bulk_max_pages")
# What `limits` parses: "20/second", "120 per minute", "10/5 seconds"; "" for no pacing.
RATE_PATTERN = r"(\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?)?"


@dataclass(frozen=True)
class Page(Generic[T]):
    records: Sequence[T]
    next: Hashable | None          # the next page's position; None after the last page
    total: int | None = None       # records in the whole listing, when the backend says


@dataclass(frozen=True)
class BulkSettings:
    rate: str | None               # limits notation ("20/second", "120/minute"); None: no pacing
    max_wait_s: float              # the longest Retry-After a listing waits out
    rate_limit_retries: int        # 429s in a row on one page before giving up
    max_pages: int                 # a listing longer than this is a BadResponse

    @classmethod
    def read(cls, cfg: Section, rate: str | None, max_wait_s: float = 30.0, max_pages: int = 10000) -> "BulkSettings":
        spec = cfg.str("bulk_rate", rate or "", pattern=RATE_PATTERN) or None
        return cls(spec, cfg.num("bulk_max_wait_s", max_wait_s, lo=0, hi=3600),
                   cfg.int("bulk_rate_limit_retries", 5, lo=0, hi=100), cfg.int("bulk_max_pages", max_pages, lo=1))


class Pacer:
    """Keeps one adapter's bulk calls (in this process) under a rate: wait() blocks
    until one more call fits in the moving window. (`limits` is imported at the
    first wait: it brings asyncio along, which the web app need not load.)"""

    def __init__(self, spec: str | None, sleep: Callable[[float], None] = time.sleep):
        self.spec = spec
        self._limiter = None
        self._lock = threading.Lock()
        self._sleep = sleep

    def _build(self) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter
        with self._lock:
            if self._limiter is None:
                self._item = parse(self.spec)
                self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def wait(self) -> float:
        """Seconds waited (0 when the call fits now)."""
        if self.spec is None:
            return 0.0
        if self._limiter is None:
            self._build()
        waited = 0.0
        while True:
            with self._lock:
                if self._limiter.hit(self._item):
                    return waited
                pause = max(0.001, self._limiter.get_window_stats(self._item).reset_time - time.time())
            self._sleep(pause)
            waited += pause


class Listing(Iterator[T]):
    """The records of one paged listing, fetched page by page as they are iterated
    (once). Progress so far: pages, records, calls (page requests, 429s included),
    rate_limited (429s met), waited_s (pacing and Retry-After), total (if told)."""

    def __init__(self, backend: str, name: str, fetch: Callable[[Any], Page[T]], start: Hashable, *,
                 settings: BulkSettings, pacer: Pacer, where: Callable[[Any], str] = lambda position: "",
                 sleep: Callable[[float], None] = time.sleep):
        self.backend, self.name = backend, name
        self._fetch, self._position, self._where = fetch, start, where
        self._settings, self._pacer, self._sleep = settings, pacer, sleep
        self.pages = self.records = self.calls = self.rate_limited = 0
        self.waited_s = 0.0
        self.total: int | None = None
        self.done = False
        self._records = self._run()

    def __next__(self) -> T:
        return next(self._records)

    def __iter__(self) -> "Listing[T]":
        return self

    def all(self) -> list[T]:
        return list(self)

    def _incomplete(self, cause: BackendError) -> ListingIncomplete:
        error = ListingIncomplete(self.backend, self.name, cause, pages=self.pages, records=self.records,
                                  resume=self._position, where=self._where(self._position))
        log.warning("%s", error.message)
        return error

    def _page(self) -> Page[T]:
        """One page at the current position, waiting out 429s the settings allow."""
        limited = 0
        while True:
            self.waited_s += self._pacer.wait()
            self.calls += 1
            try:
                return self._fetch(self._position)
            except RateLimited as e:
                self.rate_limited += 1
                limited += 1
                wait = e.retry_after_s if e.retry_after_s is not None else 1.0
                if limited > self._settings.rate_limit_retries or wait > self._settings.max_wait_s:
                    raise self._incomplete(e) from e
                log.info("%s: %s rate-limited, waiting %.1f s", self.backend, self.name, wait)
                self._sleep(wait)
                self.waited_s += wait
            except BackendError as e:
                raise self._incomplete(e) from e

    def _run(self) -> Iterator[T]:
        seen = {self._position}
        while True:
            if self.pages >= self._settings.max_pages:
                raise self._incomplete(BadResponse(self.backend, f"{self.name}: more than "
                                                                 f"{self._settings.max_pages} pages"))
            page = self._page()
            self.pages += 1
            if page.total is not None:
                self.total = page.total
            for record in page.records:
                self.records += 1
                yield record
            if page.next is None:
                self.done = True
                return
            if page.next in seen:
                raise self._incomplete(BadResponse(self.backend, f"{self.name}: paging position repeats"))
            seen.add(page.next)
            self._position = page.next


__all__ = ["BULK_SETTINGS", "BulkSettings", "Listing", "Pacer", "Page"]
