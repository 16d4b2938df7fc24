"""Fixtures of the WeChat channel tests: the simulator as a real process, real Redis,
and an app whose dispatcher is a small fake (these tests are about the channel, not NLU)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from app import create_app
from bot.channels.wechat_oa import LateAnswers, WeChatWebhook
from bot.core.jobs import JobRunner
from bot.core.messages import Text
from bot.core.settings import load_settings
from bot.runtime import Runtime, build_services
from tests.wechat.wx import FakeWeChat

ROOT = Path(__file__).resolve().parents[2]
SIM_PORT = int(os.environ.get("TEST_WECHAT_SIM_PORT", "19200"))


class Sim:
    """Client of the simulator's control endpoints."""

    def __init__(self, url: str):
        self.url = url

    def reset(self) -> None:
        requests.post(f"{self.url}/__sim/reset", timeout=5).raise_for_status()

    def received(self, kind: str) -> list[dict]:
        return requests.get(f"{self.url}/__sim/received", params={"kind": kind}, timeout=5).json()["received"]

    def stats(self) -> dict:
        return requests.get(f"{self.url}/__sim/stats", timeout=5).json()

    def faults(self, **faults) -> None:
        requests.post(f"{self.url}/__sim/faults", json=faults, timeout=5).raise_for_status()

    def interaction(self, openid: str, action: str = "message") -> None:
        requests.post(f"{self.url}/__sim/interactions", json={"openid": openid, "action": action},
                      timeout=5).raise_for_status()


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="session")
def sim_process():
    if not _port_free(SIM_PORT):
        pytest.fail(f"port {SIM_PORT} is taken; set TEST_WECHAT_SIM_PORT")
    proc = subprocess.Popen([sys.executable, "-m", "sandbox.wechat_sim", "--port", str(SIM_PORT)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{SIM_PORT}"
    for _ in range(100):
        try:
            requests.get(f"{url}/__sim/health", timeout=0.5)
            break
        except requests.ConnectionError:
            if proc.poll() is not None:
                pytest.fail(f"simulator died: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("simulator did not start")
    yield Sim(url)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def sim(sim_process):
    sim_process.reset()
    return sim_process


class FakeDispatcher:
    """Answers `echo:<text>` (or what `answer` returns) and records what it was asked."""

    intents = frozenset()   # no intent of its own: a menu click's key is all a channel may start

    def __init__(self, answer=None, delay_s: float = 0.0):
        self.calls = []
        self.forgotten = []
        self.answer = answer
        self.delay_s = delay_s
        self._lock = threading.Lock()

    def handle(self, incoming):
        with self._lock:
            self.calls.append(incoming)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.answer is not None:
            return self.answer(incoming)
        return [Text(f"echo:{incoming.text if incoming.text is not None else incoming.intent}")]

    def forget_user(self, user_key):
        self.forgotten.append(user_key)


def settings_for(redis_hub, sim_url: str = f"http://127.0.0.1:{SIM_PORT}", **wechat):
    overrides = {"redis.key_prefix": redis_hub.prefix, "wechat.api_base_url": sim_url}
    overrides.update({f"wechat.{k}": v for k, v in wechat.items()})
    return load_settings(env={}, overrides=overrides)


def build_test_runtime(redis_hub, dispatcher, services: bool = False, **wechat) -> Runtime:
    """`services`: the real citizen services (outbox, handoff desk, ...), as the agent API needs."""
    settings = settings_for(redis_hub, **wechat)
    extras = build_services(settings, redis_hub, adapters=None, identity=None, menu=None) if services else None
    return Runtime(settings=settings, hub=redis_hub, nlu=None, adapters=None, identity=None, sessions=None,
                   dispatcher=dispatcher, services=extras)


class ChannelApp:
    """A Flask app with the channel, its fake dispatcher, and a FakeWeChat to talk to it."""

    def __init__(self, redis_hub, dispatcher=None, services: bool = False, **wechat):
        self.dispatcher = dispatcher or FakeDispatcher()
        self.runtime = build_test_runtime(redis_hub, self.dispatcher, services, **wechat)
        self.app = create_app(runtime=self.runtime)
        self.client = self.app.test_client()
        self.webhook: WeChatWebhook = self.runtime.wechat_oa.webhook
        self.late: LateAnswers = self.runtime.wechat_oa.late
        self.wx = FakeWeChat()
        self.hub = redis_hub

    def send(self, fields_or_xml, **kw):
        return self.wx.send(self.client, self.wx.push(fields_or_xml, **kw))

    @contextlib.contextmanager
    def worker_thread(self):
        """A job worker serving this app's stream in the background (turn_mode=queue needs one)."""
        stop = threading.Event()
        runner = JobRunner(self.late.jobs, self.late.job_handlers(), consumer="test-worker")
        thread = threading.Thread(target=runner.run_forever, args=(stop.is_set, 100))
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def run_jobs(self, until, timeout_s: float = 20.0) -> None:
        """Serve the job stream in this process until `until()` holds."""
        runner = JobRunner(self.late.jobs, self.late.job_handlers(), consumer="test-worker")
        deadline = time.monotonic() + timeout_s
        while not until():
            assert time.monotonic() < deadline, "jobs did not finish in time"
            runner.run_once(block_ms=100)


@pytest.fixture
def make_app(redis_hub, sim):
    return lambda dispatcher=None, services=False, **wechat: ChannelApp(redis_hub, dispatcher, services, **wechat)


@pytest.fixture
def wapp(make_app):
    return make_app()


@pytest.fixture
def wx():
    return FakeWeChat()
