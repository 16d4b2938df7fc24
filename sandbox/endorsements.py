"""The exit-entry administration's matters as its staff list them: travel-endorsement
applications of the synthetic population, beside the named citizens' own.

What is listed holds no person (number, region, kind, state, district, dates): it is the
listing behind staff counts such as "endorsements in review by district this month".

Unlike the population's pensions and deaths (fixed at population.AS_OF so that the planted
anomalies hold on any date), applications are dated back from the sandbox's "today" when the
exchange is built: a count of "this month" then always has something to count. The same
(seed, people, today) give the same applications.

How an application's state follows from its age (days since it was submitted), as the office
works: under 3 days 已受理, under 10 审批中 (some 制证中), under 20 已制证待领取, else 已领取;
about 3 in 100 end 不予批准 after review.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from adapters.records import CST
from sandbox import population as pop

RATE = 0.12            # applications per person over the window (about 1,200 for 10,000 people)
WINDOW_DAYS = 365      # submitted within the year before today
REFUSED = 0.03
KINDS = (("港澳", "个人旅游签注", 60), ("港澳", "团队旅游签注", 15), ("港澳", "商务签注", 10),
         ("港澳", "探亲签注", 5), ("台湾", "个人旅游签注", 7), ("台湾", "团队旅游签注", 3))
# the day after submission on which an application last changed, by the state it is in
_LAST_MOVED = {"已受理": 0, "审批中": 2, "制证中": 6, "不予批准": 3, "已制证待领取": 10, "已领取": 20}


@dataclass(frozen=True)
class Endorsement:
    ref: str                 # CJ + submission date + sequence (9xxxxx: never a named citizen's)
    region: str              # 港澳 / 台湾
    kind: str                # 个人旅游签注 ...
    status: str
    district: str
    submitted: dt.date
    updated: dt.datetime     # Beijing time


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


def generate(people: list[pop.Person], today: dt.date, seed: int = pop.SEED) -> list[Endorsement]:
    """Applications of some of `people`, submitted in the WINDOW_DAYS before `today`, by number."""
    rng = random.Random(seed * 31 + today.toordinal())
    per_day: dict[dt.date, int] = {}
    out = []
    for person in rng.sample(people, min(round(len(people) * RATE), len(people))):
        region, kind, _ = rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
        days = rng.randrange(WINDOW_DAYS)
        submitted = today - dt.timedelta(days=days)
        status = status_after(days, rng.random() < REFUSED)
        moved = submitted + dt.timedelta(days=min(days, _LAST_MOVED[status]))
        updated = dt.datetime.combine(moved, dt.time(9 + rng.randrange(8), rng.randrange(60)),
                                     tzinfo=CST)
        sequence = per_day[submitted] = per_day.get(submitted, 0) + 1
        out.append(Endorsement(f"CJ{submitted:%Y%m%d}{900000 + sequence:06d}", region, kind, status,
                               person.district, submitted, updated))
    return sorted(out, key=lambda e: e.ref)
