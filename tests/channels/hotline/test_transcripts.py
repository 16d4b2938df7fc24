"""Reading and checking transcripts: every bad line is named with its line and reason."""
from __future__ import annotations

import json

import pytest

from bot.channels.hotline.transcripts import BadLine, Call, read_array, read_jsonl
from tests.fixtures.hotline import SAMPLE, call


def lines(*objs) -> list[str]:
    return [o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs]


def reasons(items) -> dict[int, str]:
    return {i.line: i.reason for i in items if isinstance(i, BadLine)}


def test_the_sample_file_is_all_good():
    with SAMPLE.open("rb") as f:
        items = list(read_jsonl(f))
    assert len(items) == 5 and all(isinstance(i, Call) for i in items)
    assert [i.line for i in items] == [1, 2, 3, 4, 5]
    assert items[4].district is None and items[0].district == "青羊区"


def test_short_district_names_are_normalised():
    (c,) = read_jsonl(lines(call("A", "我要投诉", district="武侯")))
    assert c.district == "武侯区"
    (c,) = read_jsonl(lines(call("B", "我要投诉", district="天府新区")))
    assert c.district == "天府新区"


def test_each_kind_of_bad_line_is_reported_and_the_rest_read():
    good = call("OK1", "我想问一下护照怎么办")
    no_turns = {k: v for k, v in call("X2", "hi").items() if k != "turns"}
    items = list(read_jsonl(lines(
        good,                                                   # 1
        '{"call_id": "X1", "started_at": ',                     # 2 malformed JSON
        no_turns,                                               # 3 missing turns
        {**call("X3", "a"), "duration_s": "long"},              # 4 wrong type
        {**call("X4", "a"), "turns": []},                       # 5 empty turns
        call("OK1", "again"),                                   # 6 duplicate call_id
        "",                                                     # 7 blank: skipped
        {**call("X5", "a"), "started_at": "yesterday"},         # 8 not ISO-8601
        {**call("X6", "a"), "duration_s": -3},                  # 9 negative
        {**call("X7", "a"), "turns": [{"speaker": "robot", "text": "x"}]},   # 10 bad speaker
        {**call("X8", "a"), "district": "朝阳区"},               # 11 not a district of the city
        "[1, 2]",                                               # 12 not an object
        {**call("X9", "a"), "call_id": 42},                     # 13 call_id not a string
        {**call("X10", "a"), "duration_s": True},               # 14 a boolean is not a number
        {**call("X11", "a"), "turns": [{"speaker": "agent", "text": "请讲"}]},  # 15 caller said nothing
        call("OK2", "我要投诉噪音", district="武侯区"),          # 16
    )))
    assert [i.call_id for i in items if isinstance(i, Call)] == ["OK1", "OK2"]
    r = reasons(items)
    assert sorted(r) == [2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15]
    assert r[2].startswith("malformed JSON")
    assert r[3] == "missing field turns"
    assert "duration_s" in r[4] and "number" in r[4]
    assert r[5] == "turns is empty"
    assert r[6] == "duplicate call_id (first seen on line 1)"
    assert "ISO-8601" in r[8]
    assert "negative" in r[9]
    assert "speaker" in r[10]
    assert "district" in r[11]
    assert "object" in r[12]
    assert "call_id" in r[13]
    assert "duration_s" in r[14]
    assert "caller" in r[15]


def test_bad_utf8_and_byte_order_mark():
    raw = [("\ufeff" + json.dumps(call("A", "投诉"), ensure_ascii=False) + "\n").encode(), b"\xff\xfe{}\n"]
    items = list(read_jsonl(raw))
    assert isinstance(items[0], Call)
    assert reasons(items) == {2: "line is not valid UTF-8"}


def test_deeply_nested_json_is_a_bad_line_not_a_crash():
    items = list(read_jsonl(["[" * 5000 + "]" * 5000, json.dumps(call("A", "投诉"))]))
    assert reasons(items) == {1: "JSON nested too deeply"} and isinstance(items[1], Call)


def test_reasons_never_quote_the_line():
    # A line may carry ID and phone numbers: the reason names the problem, not the content.
    items = list(read_jsonl(['{"call_id": "13982104576", "started_at": 510105197911032628}']))
    assert "13982104576" not in items[0].reason and "510105197911032628" not in items[0].reason


def test_array_positions_are_the_line_numbers():
    items = list(read_array([call("A", "投诉"), "nope", call("A", "投诉")]))
    assert isinstance(items[0], Call)
    assert reasons(items) == {2: "expected a JSON object, got a string", 3: "duplicate call_id (first seen on line 1)"}


@pytest.mark.parametrize("call_id", ["A\nB", "A\rB", "A\x1b[31mB", "A\u202eB", "A\u2028B", "A\x00"])
def test_a_call_id_with_control_characters_is_a_bad_line(call_id):
    line = json.dumps({"call_id": call_id, "started_at": "2026-11-02T10:00:00+08:00", "duration_s": 1,
                       "turns": [{"speaker": "caller", "text": "你好"}]})
    [bad] = list(read_jsonl([line]))
    assert bad == BadLine(1, "call_id contains control characters")


def test_the_fingerprint_is_the_content_not_the_place_in_the_file():
    one = {"call_id": "X", "started_at": "2026-11-02T10:00:00+08:00", "duration_s": 1,
           "turns": [{"speaker": "caller", "text": "你好"}]}
    a, b = read_array([one, dict(one, call_id="Y")])
    c = next(read_array([dict(one, turns=[{"speaker": "caller", "text": "您好"}])]))
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
