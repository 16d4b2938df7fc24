"""The application's one clock: what day and time it is for the city.

Everything that asks "what day is it" (ledger filters, office hours, appointments,
dates in replies, the sandbox's "today") asks the process's one `CLOCK` here, never
a clock handed in as a parameter. Normally it is the wall clock in Beijing time. A
demo moves it to another date with `APP_CLOCK` (read when this module is imported,
and again by the settings as `clock.at`); tests move it with the `travel` fixture.
The date moves, and time keeps running from there, so delayed jobs still come due.
The production profile refuses an override (the settings stop the start).

Why not patch time process-wide (time-machine)? Protocol time must stay real: WeChat
signs pushes with the real time and the webhook checks that window, and Redis
stamps stream entries with its own clock. Only the calendar moves.

Processes of their own (sandbox, worker, ingest) share one moved date: the parent
(scripts/devstack.py, what `make run` runs) hands them `APP_CLOCK` anchored to the
real instant it was read, `2027-02-08T10:00:00+08:00@1796000000.0`, so that each child
computes the same offset however late it starts.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")
ENV_VAR = "APP_CLOCK"


class Clock:
    """Wall time shifted by a fixed offset (zero unless moved), read in the city's time zone."""

    def __init__(self, offset_s: float = 0.0, tz: dt.tzinfo = CITY_TZ):
        self.offset_s = offset_s
        self.tz = tz

    # -- reading ------------------------------------------------------------------------------
    def time(self) -> float:
        """Seconds since the epoch, as the moved calendar has it."""
        return time.time() + self.offset_s

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.time(), self.tz)

    def today(self) -> dt.date:
        return self.now().date()

    @property
    def moved(self) -> bool:
        return self.offset_s != 0.0

    # -- moving (tests, demos) ----------------------------------------------------------------
    def move_to(self, at: dt.datetime | str | None, anchor: float | None = None) -> None:
        """Make it `at` now (or at the real instant `anchor`); None goes back to the wall clock."""
        if at is None:
            self.offset_s = 0.0
            return
        if isinstance(at, str):
            at, anchor = parse_spec(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.tz)
        self.offset_s = at.timestamp() - (time.time() if anchor is None else anchor)

    def spec(self) -> str | None:
        """This clock as an APP_CLOCK value for a child process (None when not moved)."""
        if not self.moved:
            return None
        real = time.time()
        return f"{dt.datetime.fromtimestamp(real + self.offset_s, self.tz).isoformat()}@{real:.6f}"


def parse_spec(spec: str) -> tuple[dt.datetime, float | None]:
    """'2027-02-08T10:00:00+08:00' or '…@<real epoch seconds>' -> (moment, anchor).

    Raises ValueError with a reason a person can act on."""
    text, _, anchor_text = str(spec).strip().partition("@")
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date-time such as 2027-02-08T10:00:00+08:00") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=CITY_TZ)
    anchor = None
    if anchor_text:
        try:
            anchor = float(anchor_text)
        except ValueError:
            raise ValueError(f"the anchor {anchor_text!r} after '@' must be epoch seconds") from None
    return at, anchor


def clock_from(spec: str | None) -> Clock:
    clock = Clock()
    if spec:
        clock.move_to(spec)
    return clock


def _process_clock() -> Clock:
    try:
        return clock_from(os.environ.get(ENV_VAR))
    except ValueError:
        # Refused by name where it is read: the settings (clock.at) and the sandbox's start.
        return Clock()


# The process's clock, where its parent process (make run) put it. The runtime moves it
# when the settings say so (clock.at, also from a config file); tests move it with
# tests/fixtures/clock.py and put it back afterwards.
CLOCK = _process_clock()


def today() -> dt.date:
    return CLOCK.today()


def now() -> dt.datetime:
    return CLOCK.now()
