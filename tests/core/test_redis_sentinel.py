"""REDIS_URL as redis+sentinel:// (interfaces.md): the client finds the master through a Sentinel
this test starts (redis-server --sentinel, with a master and a replica of its own on its own
ports), and finds the new master after the old one is killed."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis

from bot.core.errors import ConfigError
from bot.core.redis_hub import RedisHub, parse_sentinel_url
from bot.core.settings import load_settings
from tests.fixtures.ports import free_ports

MASTER, REPLICA, SENTINEL = ([int(os.environ["TEST_SENTINEL_PORT_BASE"]) + i for i in range(3)]
                             if os.environ.get("TEST_SENTINEL_PORT_BASE") else free_ports(3))
SERVICE = "gov-test"


def _wait(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            if redis.Redis(port=port, socket_timeout=0.5).ping():
                return
        except redis.RedisError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"redis on {port} did not start")
        time.sleep(0.05)


@pytest.fixture
def sentinel_setup(tmp_path: Path):
    binary = shutil.which("redis-server") or pytest.skip("redis-server is not installed")
    procs = {}
    for name, port, extra in (("master", MASTER, []), ("replica", REPLICA, ["--replicaof", "127.0.0.1", str(MASTER)])):
        d = tmp_path / name
        d.mkdir()
        procs[name] = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(d),
                                        "--save", "", "--repl-diskless-sync-delay", "0", *extra], stdout=subprocess.DEVNULL)
        _wait(port, procs[name])
    deadline = time.monotonic() + 10
    while redis.Redis(port=REPLICA, decode_responses=True).info("replication").get("master_link_status") != "up":
        if time.monotonic() > deadline:
            pytest.fail("the replica did not sync with the master")
        time.sleep(0.1)
    conf = tmp_path / "sentinel.conf"   # Sentinel rewrites its file: it must be writable
    conf.write_text(f"port {SENTINEL}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor {SERVICE} 127.0.0.1 {MASTER} 1\n"
                    f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                    f"sentinel failover-timeout {SERVICE} 5000\n")
    procs["sentinel"] = subprocess.Popen([binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL)
    _wait(SENTINEL, procs["sentinel"])
    yield procs
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


URL = f"redis+sentinel://127.0.0.1:{SENTINEL}/{SERVICE}/0"


def test_the_url_is_parsed():
    assert parse_sentinel_url("redis+sentinel://:p%40ss@10.0.0.1:26379,[::1]:26380/gov/3") == (
        [("10.0.0.1", 26379), ("::1", 26380)], "gov", 3, "p@ss")
    assert parse_sentinel_url("redis+sentinel://10.0.0.1:26379/gov")[1:] == ("gov", 0, None)
    for bad in ("redis+sentinel://10.0.0.1/gov/0", "redis+sentinel://10.0.0.1:26379/", "redis+sentinel://h:1/gov/x"):
        with pytest.raises(ValueError):
            parse_sentinel_url(bad)


def test_the_settings_take_a_sentinel_url():
    assert load_settings(env={"REDIS_URL": URL}).redis.url == URL
    with pytest.raises(ConfigError, match=r"redis\.url"):
        load_settings(env={"REDIS_URL": "redis+sentinal://h:1/gov/0"})


def test_the_hub_writes_to_the_master_and_follows_a_failover(sentinel_setup):
    prefix = f"sentinel-test:{uuid.uuid4().hex[:8]}:"
    hub = RedisHub(URL, prefix, socket_timeout=1.0)
    assert hub.ping()
    hub.text.set(hub.key("binding"), "before")
    assert redis.Redis(port=MASTER, decode_responses=True).get(hub.key("binding")) == "before"
    assert redis.Redis(port=MASTER).wait(1, 2000) == 1  # the replica has it

    sentinel_setup["master"].kill()       # the master dies; the sentinel promotes the replica
    sentinel_setup["master"].wait()
    deadline = time.monotonic() + 30
    while True:
        try:
            hub.text.set(hub.key("after"), "1")
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                pytest.fail("no new master within 30 s")
            time.sleep(0.2)
    assert hub.text.get(hub.key("binding")) == "before"
    new_master = redis.Redis(port=REPLICA, decode_responses=True)
    assert new_master.info("replication")["role"] == "master"
    assert new_master.get(hub.key("after")) == "1"
