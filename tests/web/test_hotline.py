"""POST /api/hotline/transcripts over the real stack."""
from __future__ import annotations

import io
import json
import logging

import pytest

from bot.channels.hotline import RESULT_KEYS
from tests.fixtures.hotline import NOISE, RAW_SECRETS, call, sample_calls, to_jsonl, unique_tag

PATH = "/api/hotline/transcripts"


@pytest.fixture
def client(hotline_app):
    return hotline_app.test_client()


@pytest.fixture
def key(stack_runtime):
    return {"X-Api-Key": stack_runtime.settings.security.hotline_api_key}


def test_json_lines_with_a_bad_line(client, key):
    calls = sample_calls(unique_tag())
    body = to_jsonl([calls[0], "{oops", calls[1]])
    r = client.post(PATH, data=body.encode(), headers={**key, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) == {"results", "errors", "queries", "summary"}
    assert [x["call_id"] for x in data["results"]] == [calls[0]["call_id"], calls[1]["call_id"]]
    assert all(set(x) == set(RESULT_KEYS) for x in data["results"])
    assert data["results"][0]["topic"] == "noise" and data["results"][0]["work_order"]["order_no"].startswith("GD")
    assert data["errors"] == [{"line": 2, "reason": data["errors"][0]["reason"]}]
    assert data["errors"][0]["reason"].startswith("malformed JSON")
    assert data["summary"]["calls_read"] == 3 and data["summary"]["ingested"] == 2
    for secret in RAW_SECRETS:
        assert secret not in r.get_data(as_text=True)


def test_text_plain_and_a_json_array(client, key):
    tag = unique_tag()
    r = client.post(PATH, data=to_jsonl(sample_calls(tag)[:2]).encode("utf-8"),
                    headers={**key, "Content-Type": "text/plain; charset=utf-8"})
    assert r.status_code == 200 and len(r.get_json()["results"]) == 2

    array = [call("ARR-" + tag, "请问护照怎么办理"), {"call_id": "ARR2-" + tag}]
    r = client.post(PATH, json=array, headers=key)
    assert r.status_code == 200
    data = r.get_json()
    assert [x["intent"] for x in data["results"]] == ["ask_service_guide"]
    assert data["errors"] == [{"line": 2, "reason": "missing field started_at"}]


def test_one_pretty_printed_call(client, key):
    body = json.dumps(call("PRETTY-" + unique_tag(), "请问护照怎么办理"), ensure_ascii=False, indent=2)
    r = client.post(PATH, data=body.encode(), headers={**key, "Content-Type": "application/json"})
    assert r.status_code == 200 and [x["intent"] for x in r.get_json()["results"]] == ["ask_service_guide"]


def test_the_same_calls_twice_file_one_work_order(client, key, sandbox):
    body = to_jsonl(sample_calls(unique_tag())[:1]).encode()
    before = sandbox.stats("workorders").get("created", 0)
    first = client.post(PATH, data=body, headers=key).get_json()
    second = client.post(PATH, data=body, headers=key).get_json()
    assert sandbox.stats("workorders").get("created", 0) == before + 1
    assert first["results"][0]["work_order"]["order_no"] == second["results"][0]["work_order"]["order_no"]
    assert second["summary"]["work_orders_existing"] == 1


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "wrong"}, {"X-Api-Key": ""},
                                     {"X-Api-Key": "sandbox-admin-key"}])   # the agents' key is not the hotline's
def test_without_a_valid_key(client, headers):
    r = client.post(PATH, data=to_jsonl(sample_calls()[:1]).encode(), headers=headers)
    assert r.status_code == 401 and "error" in r.get_json()


@pytest.mark.parametrize("body", [b"", b"  \n\n ", b"\xef\xbb\xbf\n", b"[]"])
def test_empty_bodies(client, key, body):
    r = client.post(PATH, data=body, headers={**key, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 400 and r.get_json()["error"]


@pytest.mark.parametrize("body, reason", [(b"\xff\xfe\x00bad", "line is not valid UTF-8"),
                                          (b"[{\"call_id\": ", "malformed JSON"),
                                          (b"[" * 20000 + b"]" * 20000, "JSON nested too deeply")])
def test_an_unreadable_body_is_a_bad_line_as_in_a_file(client, key, body, reason):
    r = client.post(PATH, data=body, headers={**key, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200
    errors = r.get_json()["errors"]
    assert len(errors) == 1 and errors[0]["line"] == 1 and errors[0]["reason"].startswith(reason)


def test_a_non_utf8_line_and_a_first_line_starting_with_a_bracket_cost_only_themselves(client, key):
    calls = sample_calls(unique_tag())[:2]
    body = b"[not a call\n" + to_jsonl(calls[:1]).encode() + b"\xff\xfeoops\n" + to_jsonl(calls[1:]).encode()
    r = client.post(PATH, data=body, headers={**key, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200
    data = r.get_json()
    assert [x["call_id"] for x in data["results"]] == [c["call_id"] for c in calls]
    assert [(e["line"], e["reason"].split(" (")[0]) for e in data["errors"]] == \
        [(1, "malformed JSON"), (3, "line is not valid UTF-8")]


def test_bad_lines_are_reported_exactly_as_the_file_command_reports_them(client, key):
    from bot.channels.hotline import read_jsonl
    lines = [json.dumps(sample_calls(unique_tag())[0], ensure_ascii=False).encode(), b"{oops", b"\xc3\x28",
             b"[1, 2]", b'{"call_id": "X\\nY", "started_at": "2026-11-02T10:00:00", "duration_s": 1, "turns": []}',
             b'"a string"', b"{}"]
    body = b"\n".join(lines) + b"\n"
    r = client.post(PATH, data=body, headers={**key, "Content-Type": "application/x-ndjson"})
    from_file = [o.as_dict() for o in read_jsonl(body.split(b"\n")) if not hasattr(o, "call_id")]
    assert r.status_code == 200 and r.get_json()["errors"] == from_file
    assert len(from_file) == 6


def _chunked(client, key, body: bytes):
    return client.post(PATH, input_stream=io.BytesIO(body),
                       headers={**key, "Transfer-Encoding": "chunked", "Content-Type": "application/x-ndjson"},
                       environ_overrides={"wsgi.input_terminated": True})   # as gunicorn sets it


def test_a_chunked_body_over_the_limit_is_refused_whole_never_cut(client, key, stack_runtime, sandbox):
    limit = stack_runtime.settings.app.max_body_bytes
    calls = sample_calls(unique_tag())
    one = to_jsonl(calls[:1]).encode()
    body = one * (limit // len(one) + 2)        # crosses the limit part-way through a line
    assert len(body) > limit
    before = sandbox.stats("workorders").get("created", 0)
    r = _chunked(client, key, body)
    assert r.status_code == 413 and "nothing was ingested" in r.get_json()["error"]
    assert sandbox.stats("workorders").get("created", 0) == before


def test_a_chunked_body_under_the_limit_is_read_whole(client, key, stack_runtime):
    limit = stack_runtime.settings.app.max_body_bytes
    calls = sample_calls(unique_tag())
    body = to_jsonl(calls).encode()
    pad = b" " * (limit - len(body) - 200) + b"\n"    # blank padding: the last call sits past 64 KiB - 200
    body = to_jsonl(calls[:-1]).encode() + pad + to_jsonl(calls[-1:]).encode()
    assert limit - 400 < len(body) <= limit
    r = _chunked(client, key, body)
    assert r.status_code == 200
    assert [x["call_id"] for x in r.get_json()["results"]] == [c["call_id"] for c in calls]


def test_a_reused_call_id_with_other_content_is_refused_not_attached(client, key, sandbox):
    first = sample_calls(unique_tag())[0]
    r1 = client.post(PATH, data=to_jsonl([first]).encode(), headers=key).get_json()
    order = r1["results"][0]["work_order"]["order_no"]
    other = call(first["call_id"], "我要投诉，楼下烧烤店油烟太大了，天天晚上熏得窗子都打不开。")
    before = sandbox.stats("workorders").get("created", 0)
    r2 = client.post(PATH, data=to_jsonl([other]).encode(), headers=key).get_json()
    assert r2["results"] == []
    assert r2["errors"][0]["call_id"] == first["call_id"]
    assert r2["errors"][0]["reason"].startswith("call_id already used by a different call")
    assert r2["summary"]["reused_call_ids"] == 1
    assert order not in json.dumps(r2)
    assert sandbox.stats("workorders").get("created", 0) == before
    # The same call sent again is still recognised as itself.
    r3 = client.post(PATH, data=to_jsonl([first]).encode(), headers=key).get_json()
    assert r3["results"][0]["work_order"]["order_no"] == order


def test_a_call_id_with_control_characters_never_reaches_a_log(client, key, caplog):
    caplog.set_level(logging.DEBUG)
    forged = call("HL1\n2026-11-02 WARNING forged line\u202e", "我要投诉，楼下装修太吵了")
    r = client.post(PATH, data=to_jsonl([forged]).encode(), headers=key)
    data = r.get_json()
    assert data["errors"] == [{"line": 1, "reason": "call_id contains control characters"}]
    assert "forged line" not in caplog.text and "forged line" not in r.get_data(as_text=True)


def test_over_the_size_limit(client, key, stack_runtime):
    line = json.dumps(call(f"BIG-{unique_tag()}", "很长的话" * 50), ensure_ascii=False) + "\n"
    body = (line * (stack_runtime.settings.app.max_body_bytes // len(line.encode()) + 2)).encode()
    r = client.post(PATH, data=body, headers={**key, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 413


def test_nothing_breaks_into_a_500(client, key, sandbox_clean):
    sandbox_clean.fault("workorders", "garbage")
    r = client.post(PATH, data=to_jsonl(sample_calls(unique_tag())).encode(), headers=key)
    assert r.status_code == 200
    data = r.get_json()
    failed = {e["call_id"].split("-")[0] for e in data["errors"]}
    assert NOISE in failed and len(data["results"]) == 3
