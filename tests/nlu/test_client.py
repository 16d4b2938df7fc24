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


def test_parse_many_reads_as_parse_does_asks_rasa_once_per_text_and_fills_the_cache(nlu, redis_hub, monkeypatch):
    texts = ["我的公积金还有多少钱", "身份证 5101 0419 5808 0314 61", "我的公积金还有多少钱", "  社保交了多少个月 "]
    posted = []
    post = nlu._post_parse
    monkeypatch.setattr(nlu, "_post_parse", lambda text: posted.append(text) or post(text))
    many = nlu.parse_many(texts)
    assert len(posted) == 3                         # the repeated text is asked once
    one_by_one = [nlu.parse(t) for t in texts]      # now all from the cache
    assert len(posted) == 3
    for a, b in zip(many, one_by_one):
        assert (a.intent, a.confidence, a.said, a.entities) == (b.intent, b.confidence, b.said, b.entities)
    ids = [e for e in many[1].entities if e.entity == "id_number"]
    assert [(e.value, texts[1][e.start:e.end]) for e in ids] == [("510104195808031461", "5101 0419 5808 0314 61")]
    assert nlu.parse_many([]) == []


def test_parse_many_goes_on_without_redis_and_fails_as_a_whole_without_rasa(redis_hub, rasa_server):
    from bot.core.redis_hub import RedisHub
    dead_redis = RedisHub("redis://127.0.0.1:1/0", prefix=redis_hub.prefix)
    settings = NluSettings(url=rasa_server.url, timeout_s=5, cache_ttl_s=600, clarify_below=0.5)
    assert [p.intent for p in NluClient(settings, dead_redis).parse_many(["我的公积金还有多少钱"])] == \
        ["query_housing_fund"]
    with pytest.raises(NluUnavailable):
        NluClient(NluSettings(url=f"http://127.0.0.1:{_closed_port()}", timeout_s=1, cache_ttl_s=600,
                              clarify_below=0.5), redis_hub).parse_many(["一句没人解析过的话 7f3a"])
