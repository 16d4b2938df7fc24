"""`make run` (scripts/devstack.py): the app reaches the sandbox on whatever port base it was started."""
from __future__ import annotations

import datetime as dt

from bot.core.clock import CITY_TZ, clock_from
from bot.core.settings import load_settings
from sandbox.ports import BACKENDS, port_of
from scripts.devstack import anchor_clock, sandbox_backends_env


def test_the_app_is_given_the_sandboxs_ports_for_another_port_base():
    env = sandbox_backends_env(20500, {})
    settings = load_settings(env=env)
    for name in BACKENDS:
        assert settings.backends[name]["base_url"] == f"http://127.0.0.1:{port_of(name, 20500)}", name


def test_a_url_set_in_the_environment_stays_and_other_profiles_get_nothing():
    env = sandbox_backends_env(20500, {"APP__BACKENDS__IDENTITY__BASE_URL": "http://10.0.0.5:9101"})
    assert "APP__BACKENDS__IDENTITY__BASE_URL" not in env and "APP__BACKENDS__WORKORDERS__BASE_URL" in env
    assert sandbox_backends_env(20500, {"APP_PROFILE": "production"}) == {}


def test_a_moved_date_is_anchored_once_and_printed_for_the_processes_started_beside(capsys):
    env = {"APP_CLOCK": "2027-02-08T10:00:00+08:00"}
    spec = anchor_clock(env)
    printed = capsys.readouterr().out
    assert env["APP_CLOCK"] == spec and "@" in spec
    assert f"APP_CLOCK='{spec}' make ingest" in printed and "2027-02-08 10:00" in printed
    # A process given that value later (make ingest) is on the same moment as the stack's parts.
    assert abs(clock_from(spec).now() - dt.datetime(2027, 2, 8, 10, 0, tzinfo=CITY_TZ)) < dt.timedelta(seconds=5)
    assert anchor_clock({}) is None and capsys.readouterr().out == ""


def test_a_dead_part_is_named_with_how_it_died(tmp_path, monkeypatch):
    import signal
    import scripts.devstack as devstack
    monkeypatch.setattr(devstack, "LOGS", tmp_path)
    part = devstack.Part("rasa-1", ["sh", "-c", "echo loading the model; exec sleep 30"], ready=lambda: True)
    part.start()
    try:
        assert part.death() is None
        import time
        deadline = time.monotonic() + 5
        while "loading the model" not in part.log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        part.proc.send_signal(signal.SIGKILL)
        part.proc.wait(5)
        notice = part.death()
        assert notice.startswith("rasa-1 died: killed by SIGKILL") and str(tmp_path / "rasa-1.log") in notice
        assert "loading the model" in notice  # the end of its log
    finally:
        part.stop()
    exited = devstack.Part("worker-1", ["sh", "-c", "exit 3"], ready=lambda: True)
    exited.start()
    exited.proc.wait(5)
    assert exited.death().startswith("worker-1 died: exited with code 3")


def test_the_stack_stops_when_whoever_started_it_is_killed(tmp_path):
    """`pkill make` (or a terminal closed under make) must not leave make run's parts running:
    devstack asks for SIGTERM on its parent's death and its SIGTERM handler stops everything."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    child_code = ("import signal, sys, time; from scripts.devstack import sigterm_when_parent_dies; "
                  "signal.signal(signal.SIGTERM, lambda *a: (open(sys.argv[1], 'w').write('stopped'), sys.exit(0))); "
                  "sigterm_when_parent_dies(); open(sys.argv[1] + '.up', 'w').close(); time.sleep(30)")
    marker = tmp_path / "child"
    # a parent (like make) that starts the child and waits for it
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys; subprocess.run(sys.argv[1:])",
                               sys.executable, "-c", child_code, str(marker)], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)})
    deadline = time.monotonic() + 20
    while not Path(str(marker) + ".up").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    parent.send_signal(signal.SIGKILL)
    parent.wait(5)
    deadline = time.monotonic() + 10
    # the handler's open() creates the file before its write(): wait for the word, not the file
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text() == "stopped"
