"""Redis away: a push still gets a passive reply (a short apology), never a 5xx, which WeChat would
show the citizen as "this account cannot serve". A real Redis of the test's own is stopped."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from bot.channels.wechat_oa.webhook import STATE_AWAY
from bot.core.redis_hub import RedisHub
from tests.fixtures.wechat import ChannelApp, FakeDispatcher
from tests.fixtures.wx import event_fields, text_fields


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    binary = shutil.which("redis-server") or pytest.skip("redis-server is not installed")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    hub = RedisHub(f"redis://127.0.0.1:{port}/0", "test:away:", socket_timeout=0.5)
    deadline = time.monotonic() + 10
    while not hub.ping():
        assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield hub, proc
    proc.kill()
    proc.wait()


@pytest.mark.parametrize("encrypted", [False, True])
def test_a_push_while_redis_is_away_gets_an_apology_not_a_5xx(own_redis, sim, encrypted):
    hub, proc = own_redis
    wapp = ChannelApp(hub, FakeDispatcher())
    assert wapp.wx.reply_fields(wapp.send(text_fields("在吗"), encrypted=encrypted))["Content"] == "echo:在吗"
    proc.kill()
    proc.wait()
    away = wapp.send(text_fields("还在吗"), encrypted=encrypted)
    assert away.status_code == 200
    assert wapp.wx.reply_fields(away)["Content"] == STATE_AWAY
    # an event that needs no answer is acknowledged as usual
    assert wapp.send(event_fields("VIEW", EventKey="https://example.org"), encrypted=encrypted).status_code == 200
