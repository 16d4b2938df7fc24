"""`python -m sandbox` as a process: it stops cleanly on SIGTERM, and its logs
hold no ID or phone numbers even at DEBUG (every request line)."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.fixtures.sandbox import PORT_BASE, SandboxHandle

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_stops_it_cleanly_and_logs_are_redacted(tmp_path):
    port_base = PORT_BASE + 300
    log = tmp_path / "sandbox.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--port-base", str(port_base),
                                 "--log-level", "DEBUG"], cwd=ROOT, stderr=err, stdout=subprocess.DEVNULL)
    try:
        handle = SandboxHandle(port_base)
        deadline = time.monotonic() + 20
        while not handle.healthy():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        # An ID in a URL is refused, and its request line is still logged redacted.
        refused = requests.get(handle.urls["social_insurance"] + "/si/ws/person/query",
                               params={"aac002": "510104198506122310"}, auth=("si-sandbox", "sandbox-si-password"),
                               timeout=2)
        assert refused.status_code == 400
        requests.post(handle.urls["identity"] + "/api/v1/sms/send", json={"idNumber": "510104198506122310"},
                      headers={"X-Api-Key": "sandbox-identity-key"}, timeout=2)
        handle.fault("exit_entry", "down")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text(encoding="utf-8")
    assert "aac002=<ID_NUMBER>" in text and "138****0001" in text
    assert "510104198506122310" not in text and "13880000001" not in text
    assert not handle.healthy()


def test_a_moved_date_reaches_the_sandbox_process(tmp_path):
    """APP_CLOCK, as `make run` hands it to every part, is the sandbox's today; the control
    port moves it again and back. (Numbers dated by the moved day: tests/acceptance/test_handoff.py.)"""
    from bot.core.clock import CITY_TZ, Clock
    import datetime as dt
    import os

    clock = Clock()
    clock.move_to(dt.datetime(2027, 2, 8, 10, 0, tzinfo=CITY_TZ))
    port_base = PORT_BASE + 350
    with open(tmp_path / "sandbox.log", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--port-base", str(port_base)], cwd=ROOT,
                                stderr=err, stdout=subprocess.DEVNULL, env={**os.environ, "APP_CLOCK": clock.spec()})
    try:
        handle = SandboxHandle(port_base)
        deadline = time.monotonic() + 20
        while not handle.healthy():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        assert handle.today() == dt.date(2027, 2, 8)
        handle.move_clock("2027-03-01T09:00:00+08:00")
        assert handle.today() == dt.date(2027, 3, 1)
        handle.reset_clock()
        assert handle.today() == dt.datetime.now(CITY_TZ).date()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_date_it_cannot_read_stops_the_sandbox_by_name():
    import os
    done = subprocess.run([sys.executable, "-m", "sandbox", "--port-base", str(PORT_BASE + 370)], cwd=ROOT,
                          env={**os.environ, "APP_CLOCK": "next tuesday"}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "APP_CLOCK: 'next tuesday' is not an ISO date-time" in done.stderr
