"""The application's one clock (bot.core.clock): moved to a date, time runs on; children agree;
production refuses it; start-up says when next year's holidays are unknown."""
from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core import metrics
from bot.core.clock import CITY_TZ, CLOCK, ENV_VAR, Clock, clock_from
from bot.core.errors import ConfigError
from bot.core.workdays import PACKAGE_YEARS
from bot.runtime import build_runtime
from bot.core.settings import load_settings
from tests.fixtures.production import production_env

SPRING = dt.datetime(2027, 2, 8, 10, 0, tzinfo=CITY_TZ)
ROOT = Path(__file__).resolve().parents[2]


def test_a_moved_clock_keeps_running():
    clock = Clock()
    clock.move_to(SPRING)
    first = clock.time()
    time.sleep(0.05)
    assert clock.today() == dt.date(2027, 2, 8)
    assert 0.04 < clock.time() - first < 1        # not frozen: delayed work still comes due
    clock.move_to(None)
    assert abs(clock.time() - time.time()) < 0.01 and not clock.moved


def test_a_child_process_gets_the_same_moment_however_late_it_starts():
    parent = Clock()
    parent.move_to(SPRING)
    spec = parent.spec()
    assert "@" in spec
    time.sleep(0.2)                                 # the child starts later ...
    child = clock_from(spec)
    assert abs(child.time() - parent.time()) < 0.01  # ... and still agrees to the millisecond


@pytest.mark.parametrize("spec, today, moved", [
    (None, None, False),                                         # the wall clock
    (SPRING.isoformat(), "2027-02-08", True),
    ("next tuesday", None, False),                               # refused by the settings, not here
])
def test_a_process_starts_on_the_date_its_parent_gave(spec, today, moved):
    """One clock per process, read from APP_CLOCK as the process starts: the sandbox, a worker or
    a script that never builds a runtime is already on the shared date."""
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    if spec:
        env[ENV_VAR] = spec
    walls = {dt.datetime.now(CITY_TZ).date().isoformat()}
    out = subprocess.run([sys.executable, "-c", "from bot.core.clock import CLOCK, today; print(today(), CLOCK.moved)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=True).stdout.split()
    walls.add(dt.datetime.now(CITY_TZ).date().isoformat())      # in case midnight passed meanwhile
    assert out[1] == str(moved) and (out[0] == today if today else out[0] in walls)


def test_a_date_without_a_zone_is_beijing_time():
    assert clock_from("2027-02-08T10:00:00").now().hour == 10


@pytest.mark.parametrize("bad", ["next tuesday", "2027-02-30T10:00", "2027-02-08T10:00@soon"])
def test_a_wrong_override_names_the_setting(bad):
    with pytest.raises(ConfigError, match=r"clock\.at"):
        load_settings(env={"APP_CLOCK": bad})


# Everything production needs from the environment, so that only the clock is wrong.
FULL_PROD_ENV = production_env()


def test_production_refuses_a_moved_clock():
    with pytest.raises(ConfigError, match=r"clock\.at: the clock cannot be moved in production"):
        load_settings(env={**FULL_PROD_ENV, "APP_CLOCK": "2027-02-08T10:00:00+08:00"})
    assert load_settings(env=FULL_PROD_ENV).clock_at is None


def test_the_runtime_moves_the_process_clock_from_the_settings(redis_hub):
    settings = load_settings(env={"APP_CLOCK": "2027-02-08T10:00:00+08:00"},
                             overrides={"redis.url": redis_hub.url, "redis.key_prefix": redis_hub.prefix})
    try:
        runtime = build_runtime(settings)
        assert CLOCK.today() == dt.date(2027, 2, 8)
        assert runtime.services.office_hours.now().date() == dt.date(2027, 2, 8)
        assert not runtime.services.office_hours.is_open()     # 初三 of the Spring Festival
    finally:
        CLOCK.move_to(None)


# The runtime's calendar is the installed package's: the dates below follow the last year it knows
# (2026 for chinese-calendar 1.11.0), so that an upgrade moves them instead of breaking the tests.
LAST = max(PACKAGE_YEARS)


@pytest.mark.parametrize("when, warned, days_ahead", [
    (dt.datetime(LAST, 12, 3, 10, 0, tzinfo=CITY_TZ), True, 29),    # next year is within 30 days
    (dt.datetime(LAST, 11, 1, 10, 0, tzinfo=CITY_TZ), False, 61),
])
def test_start_up_warns_when_next_years_holidays_are_unknown(redis_hub, travel, caplog, when, warned, days_ahead):
    travel(when)
    settings = load_settings(env={}, overrides={"redis.url": redis_hub.url, "redis.key_prefix": redis_hub.prefix})
    with caplog.at_level(logging.WARNING, logger="bot.runtime"):
        build_runtime(settings)
    assert any(str(LAST + 1) in r.getMessage() and "calendar_years" in r.getMessage()
               for r in caplog.records) is warned
    assert f"workday_calendar_days_ahead {days_ahead}.0" in metrics.render_latest().decode()


def test_the_settings_that_give_next_year_silence_the_warning(redis_hub, travel, caplog):
    travel(dt.datetime(LAST, 12, 3, 10, 0, tzinfo=CITY_TZ))
    settings = load_settings(env={}, overrides={"redis.url": redis_hub.url, "redis.key_prefix": redis_hub.prefix,
                                                "office_hours.calendar_years": [LAST + 1]})
    with caplog.at_level(logging.WARNING, logger="bot.runtime"):
        build_runtime(settings)
    assert not [r for r in caplog.records if "calendar_years" in r.getMessage()]
    through = (dt.date(LAST + 1, 12, 31) - dt.date(LAST, 12, 3)).days + 1     # 394 from 2026-12-03
    assert f"workday_calendar_days_ahead {through}.0" in metrics.render_latest().decode()


def test_the_calendar_metric_is_computed_when_read_under_multiprocess_mode(redis_hub, travel, tmp_path, monkeypatch):
    """/metrics as gunicorn's workers serve it: the figure follows the clock moved after start-up."""
    from app import create_app
    travel(dt.datetime(LAST, 11, 1, 10, 0, tzinfo=CITY_TZ))
    settings = load_settings(env={}, overrides={"redis.url": redis_hub.url, "redis.key_prefix": redis_hub.prefix})
    client = create_app(runtime=build_runtime(settings)).test_client()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert "workday_calendar_days_ahead 61.0" in client.get("/metrics").get_data(as_text=True)
    travel(dt.datetime(LAST, 12, 3, 10, 0, tzinfo=CITY_TZ))
    assert "workday_calendar_days_ahead 29.0" in client.get("/metrics").get_data(as_text=True)
    travel(dt.datetime(LAST + 1, 1, 2, 10, 0, tzinfo=CITY_TZ))
    assert "workday_calendar_days_ahead 0.0" in client.get("/metrics").get_data(as_text=True)


def test_a_process_that_has_gone_leaves_no_calendar_figure_behind(tmp_path):
    """Under multiprocess mode a Gauge keeps a file per process after the process is gone; the
    computed figure is never stored."""
    script = ("from bot.core.workdays import WorkCalendar; from bot.runtime import watch_calendar; "
              "from bot.core import metrics; watch_calendar(WorkCalendar()); "
              "assert b'workday_calendar_days_ahead' in metrics.render_latest()")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60,
                   env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    assert not [f.name for f in tmp_path.iterdir() if f.name.startswith("gauge")]


def test_a_figure_that_cannot_be_computed_is_logged_and_costs_no_other(caplog):
    metrics.computed_gauge("test_broken_figure", "a figure that fails", lambda: 1 / 0)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.core.metrics"):
            text = metrics.render_latest().decode()
        assert "test_broken_figure" not in text and "dispatcher_turns_total" in text
        assert any("test_broken_figure" in r.getMessage() and "ZeroDivisionError" in r.getMessage()
                   for r in caplog.records)
    finally:
        metrics.COMPUTED._gauges.pop("test_broken_figure", None)
