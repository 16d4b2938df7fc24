"""POST /api/hotline/transcripts over the real stack."""
from __future__ import annotations

import json

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
    assert set(data) == {"results", "errors", "summary"}
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


@pytest.mark.parametrize("body", [b"", b"  \n\n ", b"\xff\xfe\x00bad", b"[{\"call_id\": ", b"[]",
                                  b"[" * 20000 + b"]" * 20000])
def test_empty_or_undecodable_bodies(client, key, body):
    r = client.post(PATH, data=body, headers={**key, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 400 and r.get_json()["error"]


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
