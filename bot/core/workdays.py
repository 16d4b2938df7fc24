"""Working days in China: public holidays and make-up working days (调休).

The State Council publishes each year's schedule in the autumn before; the
chinese-calendar package carries it (upgrade the package when a new year is out).
The settings can add or correct days, and name the years they give in full while
the package lags (`office_hours.holidays`, `extra_workdays`, `calendar_years`).

For a year the package does not know, the statutory holidays that the law fixes
(元旦, 春节 from 除夕 to 初三, 清明, 劳动节, 端午, 中秋, 国庆) still count, computed by
the holidays package from the lunar calendar, and the settings add that year's extra
days and 调休 swaps (a working day they name overrides a statutory one). Naming the
year in `calendar_years` says only that the settings give it in full: it silences the
warning, never the law's days. `uncovered_from()` tells start-up (a warning) and the
metrics (`workday_calendar_days_ahead`) that a year nobody has given is near.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Iterable

import chinese_calendar
import holidays

# What the package knows, read once: its tables are plain dicts of date -> name. A calendar
# takes them as parameters, so that a test can say which year the known notices end with.
PACKAGE_HOLIDAYS = frozenset(chinese_calendar.holidays)
PACKAGE_WORKDAYS = frozenset(chinese_calendar.workdays)
PACKAGE_YEARS = frozenset(d.year for d in PACKAGE_HOLIDAYS)


# The law's holidays, by the names the holidays package gives them in Chinese. Its other entries
# are a year's 调休 days off ("休息日（由 2026-01-04 调休）"), copied from notices it knows: those
# belong to the notice, which a calendar takes from chinese-calendar or the settings, never here.
STATUTORY_NAMES = frozenset({"元旦", "农历除夕", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"})


@lru_cache(maxsize=16)
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The days off the law fixes for a year, without that year's swaps."""
    days = holidays.China(years=year, observed=False, language="zh_CN")
    return frozenset(d for d in days if STATUTORY_NAMES.intersection(days.get_list(d)))


class WorkCalendar:
    """The package's notices (`package_holidays`, `package_workdays`: by default what the installed
    chinese-calendar knows), with the settings' corrections (`holidays`, `workdays`) and the years
    the settings give in full (`years`)."""

    def __init__(self, holidays: Iterable[dt.date] = (), workdays: Iterable[dt.date] = (),
                 years: Iterable[int] = (), *, package_holidays: Iterable[dt.date] = PACKAGE_HOLIDAYS,
                 package_workdays: Iterable[dt.date] = PACKAGE_WORKDAYS):
        self.extra_holidays = frozenset(holidays)
        self.extra_workdays = frozenset(workdays)
        both = self.extra_holidays & self.extra_workdays
        if both:
            raise ValueError(f"{min(both)} is both a holiday and a working day")
        self.package_holidays = frozenset(package_holidays)
        self.package_workdays = frozenset(package_workdays)
        self.package_years = frozenset(d.year for d in self.package_holidays)
        # A few corrected days do not make a year known: only `years` says the settings give it whole.
        self.given_years = frozenset(years)
        self.years = self.package_years | self.given_years

    def is_holiday(self, day: dt.date) -> bool:
        """A day off by the schedule (not an ordinary weekend)."""
        if day in self.extra_workdays:
            return False
        if day in self.extra_holidays:
            return True
        if day.year in self.package_years:
            return day in self.package_holidays
        # A year the package lacks, whether or not the settings name it in calendar_years.
        return day in statutory_holidays(day.year)

    def is_makeup_workday(self, day: dt.date) -> bool:
        """A weekend day worked in exchange for a holiday (调休)."""
        if day in self.extra_holidays:
            return False
        return day in self.extra_workdays or day in self.package_workdays

    def is_workday(self, day: dt.date, weekdays: Iterable[int] = (1, 2, 3, 4, 5)) -> bool:
        """A working day, for a place open on the given ISO weekdays (Monday = 1)."""
        if self.is_makeup_workday(day):
            return True
        return day.isoweekday() in set(weekdays) and not self.is_holiday(day)

    def covers(self, day: dt.date) -> bool:
        return day.year in self.years

    def uncovered_from(self, today: dt.date, days_ahead: int = 30) -> dt.date | None:
        """The first day within `days_ahead` days whose year's schedule is unknown, or None."""
        for n in range(days_ahead + 1):
            day = today + dt.timedelta(days=n)
            if not self.covers(day):
                return day
        return None

    def days_covered_ahead(self, today: dt.date) -> int:
        """How many days from today are covered (0: not even today)."""
        year = today.year
        if year not in self.years:
            return 0
        while year + 1 in self.years:
            year += 1
        return (dt.date(year, 12, 31) - today).days + 1
