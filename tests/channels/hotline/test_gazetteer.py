"""Where a call is: the district from the places callers name (gazetteer.yaml)."""
from __future__ import annotations

import pytest

from bot.channels.hotline.gazetteer import gazetteer
from bot.channels.hotline.transcripts import read_array
from bot.channels.hotline.understanding import TurnParse, call_district, call_place
from bot.nlu.client import Parse


@pytest.mark.parametrize("said, district", [
    ("就在春熙路那个商场门口", "锦江区"), ("我们是簇锦街道的", "武侯区"), ("龙泉驿那边的汽车城", "龙泉驿区"),
    ("在簇锦那边住", "武侯区"), ("华西医院门口天天堵", "武侯区"), ("郫县犀浦那边", "郫都区"),
    ("高新区天府三街", "高新区"), ("温江的天府街道", "温江区"),
])
def test_streets_landmarks_and_short_street_names_give_the_district(said, district):
    assert gazetteer().first_place(said).district == district


@pytest.mark.parametrize("said", ["我们单位的人都很团结", "大家合作得很好", "太平无事", "天府之国"])
def test_a_short_street_name_alone_is_an_ordinary_word(said):
    assert gazetteer().first_place(said) is None


def test_a_place_outside_the_city_has_no_district_and_the_record_comes_first():
    def a_call(*caller, district=None):
        obj = {"call_id": "G1", "started_at": "2026-11-02T10:00:00+08:00", "duration_s": 60,
               "turns": [{"speaker": "caller", "text": t} for t in caller]}
        if district:
            obj["district"] = district
        [c] = read_array([obj])
        return c

    def parsed(c):
        return [TurnParse(i, t, Parse(t, "inform", 0.9)) for i, t in enumerate(c.caller_texts())]
    outside = a_call("我要反映个事", "我在都江堰那边")
    assert call_place(outside, parsed(outside)).name == "都江堰"
    assert call_district(outside, parsed(outside)) is None
    recorded = a_call("春熙路", district="武侯")
    assert call_district(recorded, parsed(recorded)) == "武侯区"
    words = a_call("我要投诉", "就在龙泉驿那边的汽车城")
    assert call_district(words, parsed(words)) == "龙泉驿区"
    nowhere = a_call("我要投诉楼下太吵")
    assert call_district(nowhere, parsed(nowhere)) is None


def test_the_gazetteer_is_loaded_once_when_the_ingestion_threads_ask_at_once():
    from concurrent.futures import ThreadPoolExecutor

    from bot.channels.hotline import gazetteer as module

    module._load.cache_clear()
    with ThreadPoolExecutor(8) as pool:
        loaded = list(pool.map(lambda _: gazetteer(), range(8)))
    assert all(g is loaded[0] for g in loaded)
    assert loaded[0].first_place("龙泉驿那边的汽车城").district == "龙泉驿区"
