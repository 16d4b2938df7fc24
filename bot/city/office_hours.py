"""When people answer: the agents' office hours (weekdays, opening and closing time) and the
holiday calendar (bot.core.workdays: public holidays and 调休 days), in the city's time zone.
Used by the handoff (agents or a call-back) and by the halls' appointment days."""
from __future__ import annotations

import datetime as dt

from bot.city.service_settings import OfficeHoursSettings
from bot.core.clock import CLOCK

WEEKDAY_NAMES = "一二三四五六日"


class OfficeHours:
    def __init__(self, settings: OfficeHoursSettings):
        self.s = settings

    def now(self) -> dt.datetime:
        return CLOCK.now().astimezone(self.s.timezone)

    def is_workday(self, day: dt.date) -> bool:
        return self.s.calendar.is_workday(day, self.s.weekdays)

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = (at or self.now()).astimezone(self.s.timezone)
        return self.is_workday(at.date()) and self.s.open <= at.time() < self.s.close

    def next_open(self, at: dt.datetime | None = None) -> dt.datetime:
        at = (at or self.now()).astimezone(self.s.timezone)
        day = at.date()
        for _ in range(60):
            start = dt.datetime.combine(day, self.s.open, self.s.timezone)
            if self.is_workday(day) and (start > at or self.is_open(at)):
                return max(start, at)
            day += dt.timedelta(days=1)
        return at  # unreachable with a sane configuration

    def describe(self) -> str:
        days = sorted(self.s.weekdays)
        if days == list(range(days[0], days[-1] + 1)) and len(days) > 1:
            span = f"周{WEEKDAY_NAMES[days[0] - 1]}至周{WEEKDAY_NAMES[days[-1] - 1]}"
        else:
            span = "、".join(f"周{WEEKDAY_NAMES[d - 1]}" for d in days)
        return f"{span} {self.s.open:%H:%M}-{self.s.close:%H:%M}（法定节假日除外）"
