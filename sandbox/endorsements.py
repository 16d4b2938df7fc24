"""The exit-entry administration's matters as its staff list them: travel-endorsement
applications of the synthetic population, beside the named citizens' own.

What is listed holds no person (number, region, kind, state, district, dates): it is the
listing behind staff counts such as "endorsements in review by district this month".

Unlike the population's pensions and deaths (fixed at population.AS_OF so that the planted
anomalies hold on any date), applications run up to the sandbox's "now": each day's applications
follow from (seed, day) alone, so a day keeps its numbers whenever the sandbox started, and the
listing always ends today, also after the clock is moved. An application's state follows from its
age on the day it is listed, as the office works: under 3 days 已受理, under 10 审批中 (some
制证中), under 20 已制证待领取, else 已领取; about 3 in 100 end 不予批准 after review.
"""
from __future__ import annotations

import datetime as dt
import random
import threading
from dataclasses import dataclass

from bot.core.clock import CITY_TZ
from sandbox import population as pop

RATE = 0.6             # applications a year per person (about 16 a day for 10,000 people)
WINDOW_DAYS = 365      # the listing holds the year up to today
REFUSED = 0.03
KINDS = (("港澳", "个人旅游签注", 60), ("港澳", "团队旅游签注", 15), ("港澳", "商务签注", 10),
         ("港澳", "探亲签注", 5), ("台湾", "个人旅游签注", 7), ("台湾", "团队旅游签注", 3))
# the day after submission on which an application last changed, by the state it is in
_LAST_MOVED = {"已受理": 0, "审批中": 2, "制证中": 6, "不予批准": 3, "已制证待领取": 10, "已领取": 20}


@dataclass(frozen=True)
class Submitted:
    """An application as it was made: what state it is in depends on the day it is looked at."""
    ref: str                 # CJ + submission date + 9xxxxx (never a named citizen's number)
    region: str              # 港澳 / 台湾
    kind: str                # 个人旅游签注 ...
    district: str
    submitted: dt.date
    refused: bool
    minute_of_day: int       # when its last change was made, on that day


@dataclass(frozen=True)
class Endorsement:
    ref: str
    region: str
    kind: str
    status: str
    district: str
    submitted: dt.date
    updated: dt.datetime     # Beijing time, never after the listing's "now"


def status_after(days: int, refused: bool) -> str:
    if days < 3:
        return "已受理"
    if refused:
        return "不予批准"
    if days < 10:
        return "审批中" if days % 4 else "制证中"
    if days < 20:
        return "已制证待领取"
    return "已领取"


def submitted_on(day: dt.date, people: list[pop.Person], seed: int = pop.SEED) -> list[Submitted]:
    """The applications made on `day` (the same for the same seed, day and people)."""
    rng = random.Random(seed * 100_003 + day.toordinal())
    mean = len(people) * RATE / 365
    count = min(len(people), max(0, round(rng.uniform(0.6, 1.4) * mean)))
    out = []
    for sequence, person in enumerate(rng.sample(people, count), start=1):
        region, kind, _ = rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
        out.append(Submitted(f"CJ{day:%Y%m%d}{900000 + sequence:06d}", region, kind, person.district, day,
                             rng.random() < REFUSED, (9 + rng.randrange(8)) * 60 + rng.randrange(60)))
    return out


def as_of(app: Submitted, now: dt.datetime) -> Endorsement:
    """The application as its staff see it at `now` (aware)."""
    days = (now.date() - app.submitted).days
    status = status_after(days, app.refused)
    moved = app.submitted + dt.timedelta(days=min(days, _LAST_MOVED[status]))
    updated = dt.datetime.combine(moved, dt.time(app.minute_of_day // 60, app.minute_of_day % 60), CITY_TZ)
    return Endorsement(app.ref, app.region, app.kind, status, app.district, app.submitted,
                       min(updated, now.astimezone(CITY_TZ).replace(microsecond=0)))


class Endorsements:
    """The listing's applications for any "now": each day's made once and kept, and the days
    before today kept as of today (their state changes only when the date does)."""

    def __init__(self, people: list[pop.Person], seed: int = pop.SEED):
        self.people, self.seed = people, seed
        self._days: dict[dt.date, list[Submitted]] = {}
        self._before: tuple[dt.date, list[tuple[Submitted, Endorsement]]] | None = None
        self._lock = threading.Lock()

    def _made(self, day: dt.date) -> list[Submitted]:
        made = self._days.get(day)
        if made is None:
            made = self._days[day] = submitted_on(day, self.people, self.seed)
        return made

    def listed(self, now: dt.datetime) -> list[Endorsement]:
        """Every application of the WINDOW_DAYS up to `now`, by number."""
        today = now.astimezone(CITY_TZ).date()
        with self._lock:
            if self._before is None or self._before[0] != today:
                start = dt.datetime.combine(today, dt.time(0), CITY_TZ)   # any time of today: same states
                self._before = (today, [(a, as_of(a, start)) for back in range(WINDOW_DAYS - 1, 0, -1)
                                        for a in self._made(today - dt.timedelta(days=back))])
            before = self._before[1]
            todays = self._made(today)
        # those that moved today were stamped at midnight: their time of day is now's to give
        return ([e if e.updated.date() < today else as_of(a, now) for a, e in before]
                + [as_of(a, now) for a in todays])
