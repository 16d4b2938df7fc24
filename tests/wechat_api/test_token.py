"""access_token: one refresh at a time across processes, bounded retry, TTL under its life (§2.4)."""
from __future__ import annotations

import multiprocessing

import pytest

from bot.core.redis_hub import RedisHub
from bot.wechat_api import WeChatApi, WeChatApiError, WeChatUnavailable
from bot.wechat_api.token import EARLY_S
from tests.fixtures.redis import TEST_REDIS_URL
from tests.fixtures.wx import APP_ID

SECRET = "sandbox-secret"


def _api(url: str, prefix: str, timeout=(1.0, 2.0)) -> WeChatApi:
    return WeChatApi(url, APP_ID, SECRET, RedisHub(TEST_REDIS_URL, prefix), timeout=timeout)


def _get_token(url: str, prefix: str, barrier, out) -> None:
    api = _api(url, prefix)
    barrier.wait()
    out.put(api.tokens.get())


def test_ten_processes_with_an_empty_cache_fetch_once(redis_hub, sim):
    sim.faults(delay_s=0.3, delay_kinds=["stable_token"])      # a slow WeChat widens the race
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(10), ctx.Queue()
    procs = [ctx.Process(target=_get_token, args=(sim.url, redis_hub.prefix, barrier, out)) for _ in range(10)]
    for p in procs:
        p.start()
    tokens = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert len(set(tokens)) == 1
    stats = sim.stats()
    assert stats["token_fetches"] == 1
    assert stats["counts"].get("stable_token") == 1 and "token" not in stats["counts"]


def test_cached_token_lives_300_s_less_than_wechat_says(redis_hub, sim):
    api = _api(sim.url, redis_hub.prefix)
    api.tokens.get()
    ttl = redis_hub.text.ttl(api.tokens.key)
    assert 0 < ttl <= 7200 - EARLY_S


def test_persistent_40001_makes_two_calls_and_one_fetch_then_fails(redis_hub, sim):
    api = _api(sim.url, redis_hub.prefix)
    api.tokens.get()                                 # a cached token, as in a running system
    sim.faults(invalid_token=True)
    requests_before = sim.stats()["counts"]
    with pytest.raises(WeChatApiError) as e:
        api.call("POST", "cgi-bin/message/custom/send",
                 body={"touser": "o1", "msgtype": "text", "text": {"content": "x"}})
    assert e.value.errcode == 40001
    after = sim.stats()["counts"]
    assert after.get("custom", 0) - requests_before.get("custom", 0) == 2
    assert after.get("stable_token", 0) - requests_before.get("stable_token", 0) == 1
    fetch = sim.received("stable_token")[-1]["body"]
    assert fetch["force_refresh"] is True and fetch["secret"] == "***"


def test_a_token_refreshed_elsewhere_is_picked_up_without_fetching(redis_hub, sim):
    a, b = _api(sim.url, redis_hub.prefix), _api(sim.url, redis_hub.prefix)
    old = a.tokens.get()
    new = a.tokens.refresh_after_rejection(old)
    assert new != old
    fetches = sim.stats()["token_fetches"]
    assert b.tokens.refresh_after_rejection(old) == new       # b also saw `old` rejected
    assert sim.stats()["token_fetches"] == fetches


def test_every_call_has_a_timeout(redis_hub, sim):
    api = _api(sim.url, redis_hub.prefix, timeout=(0.5, 0.5))
    api.tokens.get()
    sim.faults(delay_s=2.0, delay_kinds=["template"])
    with pytest.raises(WeChatUnavailable) as e:
        api.call("POST", "cgi-bin/message/template/send", body={"touser": "o", "template_id": "t", "data": {}})
    assert e.value.maybe_delivered                      # a read timeout: WeChat may have done it


def test_unreachable_wechat_is_unavailable_not_a_crash(redis_hub):
    api = _api("http://127.0.0.1:1", redis_hub.prefix)
    with pytest.raises(WeChatUnavailable) as e:
        api.tokens.get()
    assert "secret" not in str(e.value) and not e.value.maybe_delivered
