"""The production entry point (scripts/serve.py) really started with APP_PROFILE=staging: supervisord
with gunicorn, a job worker and a Rasa server of its own, beside the sandbox backends and the WeChat
simulator. It serves /healthz and a signed, encrypted /wechat message; a killed worker and a killed
web app come back; with its Rasa stopped the citizen still gets what needs no NLU. And deploy/
(Dockerfile, compose file, systemd units) names the very commands the entry point runs."""
from __future__ import annotations

import configparser
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from bot.core.redis_hub import RedisHub
from scripts import nlu_model, serve
from tests.fixtures.redis import TEST_REDIS_URL
from tests.fixtures.wechat import SIM_PORT
from tests.fixtures.wx import FakeWeChat, event_fields, text_fields

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PORT_BASE = int(os.environ.get("TEST_SANDBOX_PORT_BASE", "19100"))
WEB_PORT = PORT_BASE + 60
RASA_PORT = PORT_BASE + 61


# -- deploy/ names the entry point's commands -------------------------------------------------------

def _normalised(argv: list[str]) -> tuple[str, str]:
    """(program, command without the interpreter), an instance number written as {i}."""
    assert argv[0].endswith("/python") or argv[0] == "python", argv
    args = argv[1:]
    assert args[:2] == ["scripts/serve.py", "run"], argv
    if len(args) == 4:
        args = [*args[:3], "{i}"]
    return args[2], " ".join(args)


def _expected() -> set[tuple[str, str]]:
    env = {"NLU_URL": "http://127.0.0.1:5005", "JOB_WORKERS": "2"}
    return {_normalised(["python", *p.command("{i}")]) for p in serve.programs(env)}


def test_the_supervisor_runs_every_program_restarting_with_backoff():
    conf = configparser.RawConfigParser()
    conf.read_string(serve.supervisord_conf({"NLU_URL": "http://127.0.0.1:5005,http://127.0.0.1:5006",
                                             "JOB_WORKERS": "3"}))
    found = {}
    for section in conf.sections():
        if section.startswith("program:"):
            p = conf[section]
            found[_normalised(p["command"].replace("%(process_num)d", "{i}").split())] = int(p["numprocs"])
            assert p["autorestart"] == "true" and int(p["startretries"]) >= 1000   # never given up on
            assert int(p["startsecs"]) > 0            # a process dying sooner is retried with backoff
    assert found == {("rasa", "scripts/serve.py run rasa {i}"): 2, ("worker", "scripts/serve.py run worker {i}"): 3,
                     ("web", "scripts/serve.py run web"): 1}


def test_a_host_may_run_some_programs_only():
    env = {"NLU_URL": "http://127.0.0.1:5005", "JOB_WORKERS": "2"}
    assert [p.name for p in serve.programs({**env, "SERVE_PROGRAMS": "web,worker"})] == ["worker", "web"]
    with pytest.raises(SystemExit, match="SERVE_PROGRAMS"):
        serve.programs({**env, "SERVE_PROGRAMS": "web,nginx"})


def test_systemd_units_run_the_same_commands_and_restart():
    found = set()
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        service = {}
        for line in unit.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                service[key] = value
        found.add(_normalised(service["ExecStart"].replace("%i", "{i}").split()))
        assert service["Restart"] == "always" and service["StartLimitIntervalSec"] == "0", unit.name
        assert float(service["RestartSec"]) > 0 and service["User"] != "root", unit.name
    assert found == _expected()


def test_compose_runs_the_same_commands_and_restarts():
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    found = set()
    for name, service in doc["services"].items():
        assert service.get("restart") == "unless-stopped", name
        if service.get("image", "").startswith("citizen-assistant"):
            found.add(_normalised(service["command"]))
    assert found == _expected()
    redis = doc["services"]["redis"]["command"]
    assert redis[redis.index("--appendonly") + 1] == "yes"      # durable, as make run's own


def test_the_image_runs_the_entry_point():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert cmd == [".venv/bin/python", "scripts/serve.py"]
    assert "/healthz" in re.search(r"^HEALTHCHECK .*(?:\n .*)*", dockerfile, re.M).group(0)
    assert "scripts/nlu_model.py ensure" in dockerfile      # the model is in the image, not trained at start


def test_serve_refuses_the_sandbox_profile_and_bad_settings(tmp_path):
    env = {**os.environ, "SERVE_RUN_DIR": str(tmp_path), "SERVE_LOG_DIR": str(tmp_path)}
    env.pop("APP_PROFILE", None)
    done = subprocess.run([sys.executable, "scripts/serve.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "make run" in done.stderr
    done = subprocess.run([sys.executable, "scripts/serve.py"], cwd=ROOT, capture_output=True, text=True,
                          env={**env, "APP_PROFILE": "staging", "APP_CLOCK": "2027-02-08T10:00:00+08:00"})
    assert done.returncode != 0 and "clock.at" in done.stderr
    assert not (tmp_path / "supervisord.conf").exists()          # nothing started


# -- the entry point, really started ----------------------------------------------------------------

class Stack:
    def __init__(self, tmp: Path, env: dict):
        self.tmp, self.env = tmp, env
        self.url = f"http://127.0.0.1:{WEB_PORT}"
        self.proc = subprocess.Popen([sys.executable, "scripts/serve.py"], cwd=ROOT, env=env,
                                     stdout=open(tmp / "serve.out", "wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def ctl(self, *args) -> str:
        return subprocess.run([sys.executable, "scripts/serve.py", "ctl", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True).stdout

    def pids(self) -> dict[str, int]:
        out = {}
        for line in self.ctl("status").splitlines():
            m = re.match(r"(\S+)\s+RUNNING\s+pid (\d+)", line)
            if m:
                out[m.group(1)] = int(m.group(2))
        return out

    def wait(self, what: str, check, timeout_s: float = 240) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"serve.py exited ({self.proc.returncode}):\n{self.logs()}")
            try:
                if check():
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        pytest.fail(f"{what} not within {timeout_s} s\n{self.ctl('status')}\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in sorted(self.tmp.glob("*.log"))
                         ) + (self.tmp / "serve.out").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)      # supervisord stops its programs first
            try:
                self.proc.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def staging(tmp_path, sandbox, sim_process):
    if not nlu_model.model_path().exists():
        pytest.fail("no NLU model for the current nlu_data/; run `make model`")
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    env = {**os.environ, "APP_PROFILE": "staging", "PORT": str(WEB_PORT),
           "NLU_URL": f"http://127.0.0.1:{RASA_PORT}", "REDIS_URL": TEST_REDIS_URL,
           "APP__REDIS__KEY_PREFIX": json.dumps(prefix),   # a YAML value: quoted "WECHAT_API_BASE_URL": sim_process.url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'records.sqlite3'}", "JOB_WORKERS": "1", "WEB_WORKERS": "2",
           "SERVE_RUN_DIR": str(tmp_path / "run"), "SERVE_LOG_DIR": str(tmp_path),
           **{f"APP__BACKENDS__{name.upper()}__BASE_URL": url for name, url in sandbox.urls.items()
              if name != "control"}}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("APP_CLOCK", None)
    stack = Stack(tmp_path, env)
    try:
        yield stack
    finally:
        stack.stop()
        RedisHub(TEST_REDIS_URL, prefix).delete_prefix()


def _say(stack: Stack, wx: FakeWeChat, fields: dict) -> str:
    push = wx.push(fields, encrypted=True)
    r = requests.post(f"{stack.url}/wechat?{push.query}", data=push.body, headers={"Content-Type": "text/xml"},
                      timeout=10)
    assert r.status_code == 200, r.text

    class _R:
        data = r.content
    return wx.reply_fields(_R()).get("Content", "")


def test_staging_serves_restarts_and_degrades(staging):
    wx = FakeWeChat()
    staging.wait("the web app", lambda: requests.get(f"{staging.url}/healthz", timeout=2).ok)
    staging.wait("the Rasa server", lambda: requests.get(
        f"http://127.0.0.1:{RASA_PORT}/status", timeout=2).json().get("model_file"))
    staging.wait("every program running", lambda: set(staging.pids()) == {"rasa:rasa-0", "worker:worker-0", "web"})

    # Safe mode (production's check): a plaintext push is refused, a signed encrypted one answered.
    plain = wx.push(text_fields("你好", openid="oStaging1"))
    assert requests.post(f"{staging.url}/wechat?{plain.query}", data=plain.body, timeout=10).status_code == 403
    assert "暂时不可用" not in _say(staging, wx, text_fields("公积金余额查询", openid="oStaging1"))

    # A killed job worker and a killed web app are started again by the supervisor.
    before = staging.pids()
    os.kill(before["worker:worker-0"], signal.SIGKILL)
    staging.wait("the worker restarted", lambda: staging.pids().get("worker:worker-0") not in (None, before["worker:worker-0"]))
    os.kill(before["web"], signal.SIGKILL)
    staging.wait("the web app restarted", lambda: staging.pids().get("web") not in (None, before["web"])
                 and requests.get(f"{staging.url}/healthz", timeout=2).ok, timeout_s=60)

    # Rasa away: the rest goes on serving what needs no NLU, and a short apology otherwise.
    staging.ctl("stop", "rasa:*")
    staging.wait("Rasa stopped", lambda: "rasa:rasa-0" not in staging.pids(), timeout_s=30)
    assert "暂时不可用" in _say(staging, wx, text_fields("讲讲公积金怎么提取", openid="oStaging2"))
    click = _say(staging, wx, event_fields("CLICK", openid="oStaging3", EventKey="query_housing_fund"))
    assert click and "暂时不可用" not in click                   # a menu click starts its service
    number = _say(staging, wx, text_fields("CJ20261101000123 办到哪了", openid="oStaging4"))
    assert "姓名" in number and "暂时不可用" not in number      # the endorsement's identity check
    assert "人工" in _say(staging, wx, text_fields("转人工", openid="oStaging5"))
    assert requests.get(f"{staging.url}/healthz", timeout=2).ok
