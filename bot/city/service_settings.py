"""Settings of the citizen-facing services (complaint routing, office hours,
handoff, ratings, ledger, identity binding), checked once at start-up.

They live in config.yaml as top-level blocks under `defaults:`; bot.core.settings
keeps them in `Settings.extra`. A missing or wrong one raises ConfigError naming
it, so `create_app` refuses to start instead of the first citizen finding out.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.city.complaint_topics import TOPICS
from bot.city.departments import department_name
from bot.city.ratings import LEVELS
from bot.core.config import Section
from bot.core.errors import ConfigError
from bot.core.workdays import WorkCalendar


@dataclass(frozen=True)
class OfficeHoursSettings:
    timezone: dt.tzinfo
    weekdays: frozenset[int]          # ISO: Monday = 1
    open: dt.time
    close: dt.time
    calendar: WorkCalendar            # holidays and 调休 days: the package's, with the settings' corrections


@dataclass(frozen=True)
class HandoffSettings:
    wait_timeout_s: int
    idle_timeout_s: int


@dataclass(frozen=True)
class RatingSettings:
    callback_levels: frozenset[str]


@dataclass(frozen=True)
class LedgerSettings:
    deadline_s: float
    page_size: int


@dataclass(frozen=True)
class BindingSettings:
    max_failures: int
    lock_s: int
    resend_after_s: int
    daily_codes_per_id: int = 5      # verification SMS a day for one ID number (any account)
    daily_codes_per_phone: int = 5   # ... and to one phone on file (any ID number, any account)


@dataclass(frozen=True)
class ServiceSettings:
    complaint_routing: dict[str, str]
    office_hours: OfficeHoursSettings
    handoff: HandoffSettings
    ratings: RatingSettings
    ledger: LedgerSettings
    binding: BindingSettings


def _clock(sec: Section, key: str) -> dt.time:
    v = sec.str(key, pattern=r"([01]\d|2[0-3]):[0-5]\d")
    return dt.time(int(v[:2]), int(v[3:]))


def _dates(sec: Section, key: str) -> frozenset[dt.date]:
    raw = sec.raw().get(key) or []
    if not isinstance(raw, list):
        raise ConfigError(f"office_hours.{key}", "must be a list of dates (YYYY-MM-DD)")
    out = set()
    for v in raw:
        if isinstance(v, dt.date):
            out.add(v)
        elif isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            try:
                out.add(dt.date.fromisoformat(v))
            except ValueError:
                raise ConfigError(f"office_hours.{key}", f"{v!r} is not a real date") from None
        else:
            raise ConfigError(f"office_hours.{key}", f"{v!r} is not a date (YYYY-MM-DD)")
    return frozenset(out)


def _routing(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ConfigError("complaint_routing", "must be a mapping of topic -> department")
    missing = [t for t in TOPICS if t not in raw]
    unknown = [t for t in raw if t not in TOPICS]
    if missing:
        raise ConfigError("complaint_routing", f"no department for topic(s) {', '.join(missing)}")
    if unknown:
        raise ConfigError("complaint_routing", f"unknown topic(s) {', '.join(map(str, unknown))}")
    for topic, dept in raw.items():
        if not isinstance(dept, str) or not dept.strip():
            raise ConfigError(f"complaint_routing.{topic}", "must name a department")
    routing = {}
    for topic in TOPICS:
        try:   # a code or a full name of bot/city/departments.py: the name operators' accounts hold
            routing[topic] = department_name(raw[topic])
        except ValueError as e:
            raise ConfigError(f"complaint_routing.{topic}", str(e)) from None
    return routing


def load_service_settings(extra: dict) -> ServiceSettings:
    root = Section("", extra)
    oh = root.section("office_hours")
    tz_name = oh.str("timezone")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("office_hours.timezone", f"unknown time zone {tz_name!r}") from None
    weekdays = oh.raw().get("weekdays")
    if not isinstance(weekdays, list) or not weekdays or not all(isinstance(d, int) and 1 <= d <= 7 for d in weekdays):
        raise ConfigError("office_hours.weekdays", "must be a non-empty list of ISO weekdays 1..7")
    opens, closes = _clock(oh, "open"), _clock(oh, "close")
    if opens >= closes:
        raise ConfigError("office_hours.close", "must be later than office_hours.open")
    years = oh.raw().get("calendar_years") or []
    if not isinstance(years, list) or not all(isinstance(y, int) and 2000 <= y <= 2100 for y in years):
        raise ConfigError("office_hours.calendar_years", "must be a list of years (e.g. [2027])")
    try:
        calendar = WorkCalendar(_dates(oh, "holidays"), _dates(oh, "extra_workdays"), years)
    except ValueError as e:
        raise ConfigError("office_hours.extra_workdays", str(e)) from None

    ho = root.section("handoff")
    ra = root.section("ratings")
    levels = ra.raw().get("callback_levels")
    if not isinstance(levels, list) or any(v not in LEVELS for v in levels):
        raise ConfigError("ratings.callback_levels", f"must be a list of levels among {', '.join(LEVELS)}")
    le = root.section("ledger")
    bi = root.section("identity_binding")
    return ServiceSettings(
        complaint_routing=_routing(root.raw().get("complaint_routing")),
        office_hours=OfficeHoursSettings(tz, frozenset(weekdays), opens, closes, calendar),
        handoff=HandoffSettings(ho.int("wait_timeout_s", lo=30), ho.int("idle_timeout_s", lo=60)),
        ratings=RatingSettings(frozenset(levels)),
        ledger=LedgerSettings(le.num("deadline_s", lo=0.2, hi=30), le.int("page_size", lo=3, hi=30)),
        binding=BindingSettings(bi.int("max_failures", lo=1, hi=20), bi.int("lock_s", lo=60),
                                bi.int("resend_after_s", lo=0), bi.int("daily_codes_per_id", 5, lo=1, hi=100),
                                bi.int("daily_codes_per_phone", 5, lo=1, hi=100)),
    )
