"""The notification tests' stack: real Redis, the sandbox backends and the WeChat simulator as
processes, the web app (the mini-program's endpoints) and the watcher, in this process
(`watcher`) or as a real `python -m bot.watcher` process (`watcher_process`)."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.core.settings import load_settings
from bot.runtime import build_runtime
from tests.fixtures.chat import WANG

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "sandbox-progress-template"
FAST = {"notifications.tick_s": 0.05, "notifications.poll_every_s": 0.05, "notifications.retry_s": 0.05}


def wait_until(condition, what: str, timeout_s: float = 30.0, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout_s
    while not condition():
        if proc is not None and proc.poll() is not None:
            output = proc.stdout.read().decode()[-3000:]
            raise AssertionError(f"the watcher stopped while waiting for {what}:\n{output}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


class NotifyStack:
    def __init__(self, overrides: dict, sandbox, sim):
        self.overrides, self.sandbox, self.sim = overrides, sandbox, sim
        self.runtime = build_runtime(load_settings(env={}, overrides=overrides))
        from app import create_app
        app = create_app(runtime=self.runtime)
        app.config["TESTING"] = True
        self.client = app.test_client()
        self.store = self.runtime.services.subscriptions
        self._procs: list[subprocess.Popen] = []

    # -- the citizen ---------------------------------------------------------------------------
    def mp_login(self, openid: str, bind: tuple[str, str] | None = WANG) -> str:
        r = self.client.post("/api/mp/login", json={"code": f"sandbox:{openid}"})
        assert r.status_code == 200, r.get_json()
        if bind:
            self.runtime.identity.bind(f"miniprogram:{openid}", bind[1], bind[0], "138****0001")
        return r.get_json()["token"]

    def subscribe(self, token: str, ref: str, accept: bool = True):
        grants = {TEMPLATE: "accept" if accept else "reject"}
        return self.client.post("/api/mp/subscriptions", json={"ref": ref, "grants": grants},
                                headers={"Authorization": f"Bearer {token}"})

    def cid(self, who=WANG) -> str:
        return self.runtime.identity.id_hash(who[1])

    # -- the department ------------------------------------------------------------------------
    def advance(self, ref: str) -> dict:
        r = requests.post(self.sandbox.control + "/__data/advance", json={"ref": ref}, timeout=5)
        r.raise_for_status()
        return r.json()

    # -- what WeChat got -----------------------------------------------------------------------
    def delivered(self, kind: str = "subscribe") -> list[dict]:
        return [m for m in self.sim.received(kind) if "failed" not in m]

    # -- the watcher as a process --------------------------------------------------------------
    def env(self, **extra) -> dict:
        env = {**os.environ, "REDIS_URL": self.overrides["redis.url"]}
        for key, value in {**self.overrides, **extra}.items():
            env["APP__" + key.replace(".", "__")] = json.dumps(value)   # APP__ values are YAML
        return env

    def start_watcher(self, **extra) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "bot.watcher"], cwd=ROOT, env=self.env(**extra),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._procs.append(proc)
        return proc

    def run_watcher_once(self) -> dict:
        out = subprocess.run([sys.executable, "-m", "bot.watcher", "--once"], cwd=ROOT, env=self.env(),
                             capture_output=True, timeout=60)
        assert out.returncode == 0, out.stderr.decode()[-3000:]
        return json.loads(out.stdout.decode().strip().splitlines()[-1])

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)

    def close(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def notify_stack(redis_hub, sandbox, sandbox_clean, sim, records_url):
    overrides = {"redis.key_prefix": redis_hub.prefix, "redis.url": redis_hub.url, "records.url": records_url,
                 "wechat.api_base_url": sim.url, **FAST}
    for name, url in sandbox.urls.items():
        if name != "control":
            overrides[f"backends.{name}.base_url"] = url
    stack = NotifyStack(overrides, sandbox, sim)
    yield stack
    stack.close()


@pytest.fixture
def watcher(notify_stack):
    """The watcher in this process, each run_once() a full cycle: every matter due at once, every
    waiting change tried, no budget in the way (the process tests keep the settings' schedule)."""
    w = notify_stack.runtime.watcher()
    w.settings = dataclasses.replace(w.settings, poll_every_s=0, retry_s=0, backend_share=1)
    return w
