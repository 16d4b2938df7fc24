"""The NLU client against the real Rasa server: normalisation, cache, outage."""
import socket

import pytest

from bot.core import metrics
from bot.nlu.client import NluClient, NluUnavailable
from bot.core.settings import NluSettings


def _hits() -> float:
    return metrics.NLU_CACHE.labels("hit")._value.get()


@pytest.fixture
def nlu(redis_hub, rasa_server):
    return NluClient(NluSettings(url=rasa_server.url, timeout_s=5, cache_ttl_s=600, clarify_below=0.5), redis_hub)


def test_parses_with_the_real_model(nlu):
    p = nlu.parse("我的公积金还有多少钱")
    assert p.intent == "query_housing_fund"
    assert 0 < p.confidence <= 1
    assert p.ranking and p.ranking[0][0] == p.intent


def test_full_width_application_number_is_normalised_before_rasa(nlu):
    p = nlu.parse("ＣＪ２０２６１１０１０００１２３ 这个签注办到哪了")
    assert p.text.startswith("CJ20261101000123")
    assert p.entity("application_no") == "CJ20261101000123"


def test_second_parse_of_the_same_text_comes_from_the_cache(nlu, redis_hub):
    before = _hits()
    first = nlu.parse("社保交了多少个月")
    # Same normalised text, different spelling: one cache entry.
    second = nlu.parse("  社保交了多少个月 ")
    assert second.intent == first.intent and second.confidence == first.confidence
    assert _hits() == before + 1
    keys = list(redis_hub.text.scan_iter(match=redis_hub.prefix + "nlu:*"))
    assert len(keys) == 1 and nlu.fingerprint() in keys[0]


def test_cache_is_keyed_by_model_fingerprint(nlu, redis_hub):
    nlu.parse("你好")
    nlu._fingerprint, nlu._fp_checked = "another-model", float("inf")  # as if a new model were loaded
    before = _hits()
    nlu.parse("你好")
    assert _hits() == before  # a miss: the old model's parse is not reused
    assert len(list(redis_hub.text.scan_iter(match=redis_hub.prefix + "nlu:*"))) == 2


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_server_raises_nlu_unavailable(redis_hub):
    client = NluClient(NluSettings(url=f"http://127.0.0.1:{_closed_port()}", timeout_s=0.5, cache_ttl_s=60,
                                   clarify_below=0.5), redis_hub)
    with pytest.raises(NluUnavailable):
        client.parse("公积金")
    assert not client.ready()


def test_rasa_never_sees_identifiers_and_numbers_share_a_cache_entry(nlu, redis_hub):
    first = nlu.parse("帮我查下CJ20261101000123这个签注的进度，电话13880000001")
    second = nlu.parse("帮我查下CJ20261020000456这个签注的进度，电话13880000002")
    assert first.entity("application_no") == "CJ20261101000123"
    assert second.entity("application_no") == "CJ20261020000456"
    assert first.intent == second.intent
    [key] = list(redis_hub.text.scan_iter(match=redis_hub.prefix + "nlu:*"))
    cached = redis_hub.text.get(key)
    for secret in ("CJ20261101000123", "CJ20261020000456", "13880000001", "13880000002"):
        assert secret not in cached


def test_several_servers_rotate_and_a_dead_one_is_skipped(nlu, redis_hub, rasa_server):
    dead = f"http://127.0.0.1:{_closed_port()}"
    client = NluClient(NluSettings(url=f"{dead},{rasa_server.url}", timeout_s=5, cache_ttl_s=0,
                                   clarify_below=0.5), redis_hub)
    # Every call succeeds although every other one starts with the dead server.
    for text in ("公积金余额", "社保缴费记录", "你好", "我要投诉"):
        assert client.parse(text).intent == nlu.parse(text).intent


def test_a_text_with_nothing_the_model_knows_is_not_understood(rasa_server):
    """An empty or blank text has no feature columns at all: the linear classifier must not fail
    on it (Rasa answered 500). Symbols or characters never seen in training have only the features
    every text has: their scores would be the intercepts, read as a sure `affirm` (a "yes" to a
    confirmation card). Both are simply not understood."""
    import requests
    for text in ("", "   ", "\u3000", "!!!", "@#", "龘", "🤬"):
        r = requests.post(f"{rasa_server.url}/model/parse", json={"text": text}, timeout=10)
        assert r.status_code == 200, (text, r.text[:200])
        assert r.json()["intent"]["name"] == "nlu_fallback"
