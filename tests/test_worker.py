"""`python -m bot.worker`: the process that serves the job stream."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fixtures.wechat import ChannelApp

ROOT = Path(__file__).resolve().parent.parent


def test_worker_process_delivers_and_stops_on_sigterm(redis_hub, sim):
    """`python -m bot.worker` as a real process delivers a late answer through the simulator."""
    wapp = ChannelApp(redis_hub)
    wapp.late.customer_service.note_user_action("oWorker_1", "message")
    env = {**os.environ, "APP__redis__key_prefix": json.dumps(redis_hub.prefix),   # APP__ values are YAML
           "WECHAT_API_BASE_URL": sim.url, "REDIS_URL": redis_hub.url,
           "APP__crosscheck__interval_s": "0"}   # no scheduled cross-check against whatever backends answer
    proc = subprocess.Popen([sys.executable, "-m", "bot.worker", "--block-ms", "200"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wapp.late.hand_late_answer("oWorker_1", "由工作进程送达")
        deadline = time.monotonic() + 20
        while not sim.received("custom"):
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError("worker did not deliver:\n" + proc.stdout.read().decode()[-3000:])
            time.sleep(0.1)
        assert sim.received("custom")[0]["body"]["text"]["content"] == "由工作进程送达"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0



def test_the_worker_runs_the_cross_checks_on_its_staff_stream(fake_runtime):
    """The periodic cross-check is queued on the staff stream when due and run there, over the sandbox."""
    from bot.crosscheck import CrosscheckSettings
    from bot.worker import CROSSCHECK, staff_jobs
    fake_runtime.__dict__["crosscheck_settings"] = CrosscheckSettings(interval_s=3600, lookback_months=3)
    staff = staff_jobs(fake_runtime)
    assert CROSSCHECK in staff.handlers and staff.queue.stream.endswith("jobs:staff")
    assert staff.run_once(block_ms=100) == 1
    runs = fake_runtime.records.findings.runs()
    assert len(runs) == 1 and runs[0]["trigger"] == "schedule" and not runs[0]["report"]["unchecked"]
    assert fake_runtime.records.findings.count() > 0
    assert staff.run_once(block_ms=100) == 0          # not due again within the interval
