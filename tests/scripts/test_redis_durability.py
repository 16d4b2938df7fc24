"""`make run`'s own Redis is durable (scripts/devstack.py): a Redis started with devstack's very
flags, on a port and in a data folder of this test's own, keeps a citizen's binding, an open form
and queued jobs across a graceful stop and across kill -9 (appendfsync everysec: writes older
than a second survive a crash)."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bot.core.jobs import JobQueue
from bot.core.redis_hub import RedisHub
from bot.stores.identity import IdentityStore
from bot.stores.sessions import Form, Session, SessionStore
from scripts import devstack
from tests.fixtures.ports import free_ports

PORT = int(os.environ.get("TEST_DURABLE_REDIS_PORT") or free_ports(1)[0])
URL = f"redis://127.0.0.1:{PORT}/0"
USER = "wx:oDurableCitizen"
ID_NUMBER = "11010519491231002X"


def _start(data_dir: Path) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    proc = subprocess.Popen([binary, *devstack.redis_server_args(PORT, data_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not devstack.redis_answers(URL):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server on {PORT} did not start (exit {proc.poll()})")
        time.sleep(0.05)
    return proc


@pytest.fixture
def durable_redis(tmp_path):
    procs = []

    def start():
        procs.append(_start(tmp_path))
        return procs[-1]

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


class Conversation:
    """The state a citizen in the middle of a conversation has in Redis."""

    def __init__(self):
        self.data_key, self.pepper = secrets.token_bytes(32), secrets.token_bytes(16)

    def stores(self):
        hub = RedisHub(URL, "durable:")
        return (IdentityStore(hub, self.data_key, self.pepper), SessionStore(hub, 1800, self.data_key),
                JobQueue(hub, "wechat"))

    def write(self):
        identity, sessions, jobs = self.stores()
        identity.bind(USER, ID_NUMBER, "张三", "138****0000")
        session = Session(form=Form(intent="file_complaint", slots={"topic": "noise"}, asking="address"))
        session.remember("user", "我要投诉施工噪音")
        sessions.save(USER, session)
        for i in range(3):
            jobs.enqueue("late_reply", {"user": USER, "n": i})
        jobs.enqueue("callback", {"user": USER}, delay_s=3600)

    def check(self):
        identity, sessions, jobs = self.stores()
        citizen = identity.get(USER)
        assert citizen is not None and citizen.id_number == ID_NUMBER, "the binding is gone"
        assert identity.users_of(ID_NUMBER) == {USER}
        form = sessions.load(USER).form
        assert form is not None and form.intent == "file_complaint" and form.slots == {"topic": "noise"}
        assert form.asking == "address"
        waiting = jobs.waiting()
        assert waiting["stream"] == 3 and waiting["delayed"] == 1, waiting
        fetched = jobs.fetch("durability-test", count=10, block_ms=100)
        assert sorted(j.payload["n"] for j in fetched) == [0, 1, 2]


def test_the_flags_are_make_runs(tmp_path, monkeypatch):
    """devstack starts its Redis with these flags, appendonly on, when nothing answers."""
    monkeypatch.setattr(devstack, "REDIS_DATA", tmp_path)
    if devstack.redis_answers(URL):
        pytest.skip(f"something answers on {PORT}")
    part = devstack.redis_part(URL)
    assert part.cmd[1:] == devstack.redis_server_args(PORT, tmp_path / str(PORT))
    args = " ".join(part.cmd)
    assert "--appendonly yes" in args and "--appendfsync everysec" in args


def test_a_graceful_stop_keeps_the_conversation(durable_redis, tmp_path):
    conv = Conversation()
    proc = durable_redis()
    conv.write()
    proc.send_signal(signal.SIGTERM)  # what make run's Ctrl-C sends
    assert proc.wait(10) == 0
    durable_redis()
    conv.check()


def test_kill_9_keeps_what_is_older_than_a_second(durable_redis, tmp_path):
    conv = Conversation()
    proc = durable_redis()
    conv.write()
    time.sleep(1.5)  # appendfsync everysec: the last second may go, no more
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert any((tmp_path / "appendonlydir").iterdir()), "no append-only file was written"
    durable_redis()
    conv.check()


def test_without_the_append_only_file_kill_9_loses_it(tmp_path):
    """The control: Redis as make run started it before (no AOF, no snapshots) forgets everything."""
    binary = shutil.which("redis-server") or pytest.skip("redis-server is not installed")
    args = [binary, "--port", str(PORT), "--bind", "127.0.0.1", "--dir", str(tmp_path), "--save", "",
            "--appendonly", "no"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not devstack.redis_answers(URL) and time.monotonic() < deadline:
            time.sleep(0.05)
        conv = Conversation()
        conv.write()
        proc.kill()
        proc.wait(10)
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        while not devstack.redis_answers(URL) and time.monotonic() < deadline + 10:
            time.sleep(0.05)
        identity, _, _ = conv.stores()
        assert identity.get(USER) is None
    finally:
        proc.kill()
        proc.wait()
