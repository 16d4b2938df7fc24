"""Ingestion through the real stack: Redis, the Rasa server, the sandbox work-order system."""
from __future__ import annotations

import json
import logging

import pytest

from bot.channels.hotline import RESULT_KEYS, BadLine, read_array, read_jsonl
from bot.channels.hotline.ingest import HotlineIngestor
from bot.core.settings import load_settings
from bot.runtime import build_runtime
from tests.fixtures.stack import stack_overrides
from tests.fixtures.hotline import (ENDORSEMENT, FUND, NOISE, PASSPORT, RAW_SECRETS, SAMPLE, STREET_LIGHT, by_id,
                                    call, run, sample_calls, to_jsonl, unique_tag)


def test_sample_calls_are_understood_and_complaints_routed(ingestor):
    with SAMPLE.open("rb") as f:
        outcomes, summary = run(ingestor, read_jsonl(f))
    results = [o.result for o in outcomes]
    assert [r["call_id"] for r in results] == [NOISE, FUND, ENDORSEMENT, STREET_LIGHT, PASSPORT]  # input order
    assert all(tuple(r) == RESULT_KEYS for r in results)
    r = by_id(outcomes)

    noise = r[NOISE]
    assert (noise["intent"], noise["topic"], noise["department"], noise["district"]) == \
        ("file_complaint", "noise", "生态环境局", "青羊区")
    assert noise["work_order"]["order_no"].startswith("GD")

    fund = r[FUND]
    assert (fund["intent"], fund["topic"], fund["department"], fund["work_order"]) == \
        ("query_housing_fund", None, None, None)

    light = r[STREET_LIGHT]
    assert (light["intent"], light["topic"], light["department"], light["district"]) == \
        ("file_complaint", "property", "住房和城乡建设局", "温江区")
    assert light["work_order"]["order_no"].startswith("GD")
    assert light["work_order"]["order_no"] != noise["work_order"]["order_no"]

    assert r[ENDORSEMENT]["intent"] == "query_endorsement_status" and r[ENDORSEMENT]["work_order"] is None
    passport = r[PASSPORT]
    assert (passport["intent"], passport["topic"], passport["work_order"], passport["district"]) == \
        ("ask_service_guide", None, None, None)
    assert {"entity": "service_item", "value": "护照"} in passport["entities"]

    assert summary["calls_read"] == summary["ingested"] == 5
    assert summary["by_intent"]["file_complaint"] == 2
    assert summary["by_topic"] == {"noise": 1, "property": 1}
    assert summary["by_department"] == {"生态环境局": 1, "住房和城乡建设局": 1}


def test_entities_are_masked_and_no_raw_number_is_logged(ingestor, caplog):
    caplog.set_level(logging.DEBUG)
    outcomes, _ = run(ingestor, read_array(sample_calls(unique_tag())))
    r = {o.result["call_id"].split("-")[0]: o.result for o in outcomes}
    assert {"entity": "phone", "value": "139****4576"} in r[NOISE]["entities"]
    assert {"entity": "phone", "value": "151****6079"} in r[STREET_LIGHT]["entities"]
    assert {"entity": "id_number", "value": "510***********2628", "valid": True} in r[FUND]["entities"]
    dumped = json.dumps([o.result for o in outcomes], ensure_ascii=False)
    for secret in RAW_SECRETS:
        assert secret not in dumped
        assert secret not in caplog.text


def test_work_order_carries_the_masked_caller_text(ingestor, stack_runtime):
    calls = sample_calls(unique_tag())
    outcomes, _ = run(ingestor, read_array(calls))
    noise = next(o.result for o in outcomes if o.result["call_id"].startswith(NOISE))
    order = stack_runtime.adapters.workorders.get(noise["work_order"]["order_no"], None)
    assert order.topic == "noise" and order.department == "生态环境局" and order.district == "青羊区"
    assert "茶楼每天晚上打麻将" in order.summary and "139****4576" in order.summary
    assert "13982104576" not in order.summary
    assert order.contact_phone_masked == "139****4576"   # the backend has the number to call back


def test_reingesting_creates_no_second_work_order(ingestor, stack_settings, redis_hub, rasa_server, sandbox):
    lines = to_jsonl(sample_calls(unique_tag())).splitlines()
    created_before = sandbox.stats("workorders").get("created", 0)
    first, s1 = run(ingestor, read_jsonl(lines))
    assert sandbox.stats("workorders").get("created", 0) == created_before + 2
    assert s1["work_orders_created"] == 2

    # Same file again: the orders are found, none is filed.
    again, s2 = run(build_runtime(stack_settings).hotline(), read_jsonl(lines))
    assert (s2["work_orders_created"], s2["work_orders_existing"]) == (0, 2)
    # Even where this deployment's memory is gone (another Redis prefix), the
    # idempotency key derived from call_id stops a second order at the backend.
    other = load_settings(env={}, overrides=stack_overrides(
        redis_hub, rasa_server, sandbox, {"redis.key_prefix": redis_hub.prefix + "other:"}))
    third, _ = run(build_runtime(other).hotline(), read_jsonl(lines))

    assert sandbox.stats("workorders").get("created", 0) == created_before + 2
    orders = [[o.result["work_order"] and o.result["work_order"]["order_no"] for o in run_]
              for run_ in (first, again, third)]
    assert orders[0] == orders[1] == orders[2]


def test_bad_lines_are_reported_and_the_rest_processed(ingestor):
    tag = unique_tag()
    good = sample_calls(tag)
    text = to_jsonl([good[0], '{"call_id": broken', {"call_id": "no-turns-" + tag, "started_at": "2026-11-01T09:00:00",
                                                    "duration_s": 3}, good[1], good[0],
                     {**good[2], "call_id": "empty-" + tag, "turns": []}, good[3], good[4]])
    outcomes, summary = run(ingestor, read_jsonl(text.splitlines()))
    assert [o.line for o in outcomes] == [1, 2, 3, 4, 5, 6, 7, 8]
    bad = {o.line: o.reason for o in outcomes if isinstance(o, BadLine)}
    assert set(bad) == {2, 3, 5, 6}
    assert bad[2].startswith("malformed JSON") and bad[3] == "missing field turns"
    assert bad[5] == "duplicate call_id (first seen on line 1)" and bad[6] == "turns is empty"
    assert summary["calls_read"] == 8 and summary["ingested"] == 4
    assert summary["bad_lines"] == [{"line": n, "reason": bad[n]} for n in (2, 3, 5, 6)]


def test_a_call_that_queries_then_complains(ingestor):
    tag = unique_tag()
    outcomes, _ = run(ingestor, read_array([call(
        "MIX-" + tag, "我想查一下我的公积金余额还有多少", "还有，我要投诉楼下的烧烤店油烟太大了，熏得没法开窗",
        district="成华")]))
    r = outcomes[0].result
    assert r["intent"] == "file_complaint"
    assert r["secondary_intents"] == ["query_housing_fund"]
    assert (r["topic"], r["department"], r["district"]) == ("sanitation", "城市管理和综合执法局", "成华区")
    assert r["work_order"]["order_no"].startswith("GD")


def test_district_from_the_words_and_an_id_failing_its_check_is_flagged(ingestor):
    tag = unique_tag()
    outcomes, summary = run(ingestor, read_array([
        call("D-" + tag, "我要投诉，武侯区玉林路有家酒吧每天半夜很吵"),
        call("ID-" + tag, "我要查社保缴费记录，身份证号510105197911032621"),
    ]))
    complaint, query = (o.result for o in outcomes)
    assert complaint["district"] == "武侯区" and complaint["topic"] == "noise"
    assert query["intent"] == "query_social_security" and query["work_order"] is None
    assert {"entity": "id_number", "value": "510***********2621", "valid": False} in query["entities"]
    assert summary["invalid_id_numbers"] == 1


def test_nlu_unavailable_fails_each_call_with_a_reason_and_the_run_goes_on(redis_hub, rasa_server, sandbox):
    settings = load_settings(env={}, overrides=stack_overrides(
        redis_hub, rasa_server, sandbox, {"nlu.url": "http://127.0.0.1:9", "nlu.timeout_s": 0.2}))
    dead = build_runtime(settings).hotline()
    text = to_jsonl(sample_calls(unique_tag())[:3] + ["not json"])
    outcomes, summary = run(dead, read_jsonl(text.splitlines()))
    assert len(outcomes) == 4
    assert all(o.failure.startswith("NLU unavailable") for o in outcomes[:3])
    assert summary["nlu_failures"] == 3 and summary["ingested"] == 0
    assert [e["line"] for e in summary["failed_calls"]] == [1, 2, 3]
    assert summary["bad_lines"][0]["line"] == 4


def test_work_order_system_down_fails_only_the_complaints(ingestor, sandbox_clean):
    sandbox_clean.fault("workorders", "down")
    outcomes, summary = run(ingestor, read_array(sample_calls(unique_tag())))
    failed = {o.call_id.split("-")[0]: o.failure for o in outcomes if o.result is None}
    assert set(failed) == {NOISE, STREET_LIGHT}
    assert all(f.startswith("work order not filed") for f in failed.values())
    assert summary["ingested"] == 3 and summary["nlu_failures"] == 0


@pytest.mark.parametrize("workers", [1, 8])
def test_output_follows_input_order_whatever_the_pool(stack_runtime, workers):
    tag = unique_tag()
    calls = [call(f"ORD{i:02d}-{tag}", text) for i, text in
             enumerate(["请问护照怎么办理", "我想知道公积金余额", "你好", "结婚登记要带什么材料"] * 4)]
    outcomes, _ = run(stack_runtime.hotline(workers=workers), read_array(calls))
    assert [o.result["call_id"] for o in outcomes] == [c["call_id"] for c in calls]


@pytest.mark.parametrize("said", ["186-2830-5147", "186 2830 5147", "+86 186-2830-5147", "１８６２８３０５１４７"])
def test_a_phone_in_any_written_format_never_stops_the_filing(ingestor, stack_runtime, said):
    c = call(f"PHONE-{unique_tag()}", "我要投诉，我们院子这个月停了四次电了，供电那边也没个说法。",
             "就在龙泉驿那边，汽车城旁边的小区。", f"我的电话是{said}。")
    [outcome] = list(ingestor.outcomes(read_array([c])))
    assert outcome.failure is None and outcome.note is None
    order = stack_runtime.adapters.workorders.get(outcome.result["work_order"]["order_no"], None)
    assert order.contact_phone_masked == "186****5147"


def test_a_work_order_system_unavailable_for_a_moment_is_tried_again(ingestor, sandbox_clean):
    sandbox_clean.fault("workorders", "error_503", times=3)      # more than the adapter's own retries
    c = call(f"RETRY-{unique_tag()}", "我要投诉，楼下的烧烤店油烟太大了，天天晚上熏得窗子都打不开。")
    [outcome] = list(ingestor.outcomes(read_array([c])))
    assert outcome.failure is None and outcome.result["work_order"]["order_no"].startswith("GD")
    assert sandbox_clean.stats("workorders").get("created", 0) >= 1


def test_queries_are_acted_on_and_personal_ones_left_for_an_identity_checked_call_back(ingestor, stack_runtime):
    tag = unique_tag()
    [complaint] = list(ingestor.outcomes(read_array([call(f"Q0-{tag}", "我要投诉，楼下的烧烤店油烟太大了，熏得窗子都打不开。")])))
    order_no = complaint.result["work_order"]["order_no"]
    calls = [call(f"Q1-{tag}", "你好，我想问一下护照怎么办理，要带什么材料？"),
             call(f"Q2-{tag}", f"我前几天反映的那个事情，工单号是{order_no}，现在处理得怎么样了？"),
             call(f"Q3-{tag}", "我想查一下我的公积金余额还有好多"),
             call(f"Q4-{tag}", "我要投诉，小区门口的垃圾好几天都没人清运了")]
    q = {o.call_id.split("-")[0]: o.query for o in ingestor.outcomes(read_array(calls))}
    assert q["Q1"]["action"] == "answered" and q["Q1"]["answer"]["item"] == "护照" and q["Q1"]["answer"]["materials"]
    assert q["Q2"]["action"] == "answered"
    assert (q["Q2"]["answer"]["order_no"], q["Q2"]["answer"]["status"]) == (order_no, "已受理")
    assert q["Q3"]["intent"] == "query_housing_fund" and q["Q3"]["action"] == "call_back_identity_check"
    assert q["Q4"] is None       # a complaint: its work order is what was done


def test_a_complaint_with_no_place_at_all_is_still_filed_for_the_office_to_triage(ingestor, stack_runtime):
    c = call(f"NOPLACE-{unique_tag()}", "我要投诉，楼上天天半夜装修，电钻打到一两点，吵得睡不着。", "地址我不想说。")
    [outcome] = list(ingestor.outcomes(read_array([c])))
    assert outcome.result["district"] is None and outcome.result["topic"] == "noise"
    order = stack_runtime.adapters.workorders.get(outcome.result["work_order"]["order_no"], None)
    assert order.district == "成都市"


def test_calls_are_kept_for_the_offices_reports_in_batches_and_every_one_by_the_end(stack_runtime, monkeypatch):
    # One statement per batch, not one commit per call (that cost the intake as much CPU as the rest of
    # its bookkeeping); whatever the batch size, the run's end leaves every call kept, once.
    monkeypatch.setattr(HotlineIngestor, "KEEP_BATCH", 4)
    ingestor = stack_runtime.hotline(workers=2)
    statements = []
    keep_many = ingestor.keep_heard
    ingestor.keep_heard = lambda rows: statements.append(len(rows)) or keep_many(rows)
    tag = unique_tag()
    calls = [call(f"KEEP{i:02d}-{tag}", text) for i, text in enumerate(["请问护照怎么办理", "我想知道公积金余额"] * 5)]

    run(ingestor, read_array(calls))
    assert sum(statements) == len(calls) and len(statements) < len(calls)
    rows = stack_runtime.records.heard.between(*_day_range(calls))
    assert sorted(r["call_id"] for r in rows) == sorted(c["call_id"] for c in calls)


def test_flush_kept_writes_what_was_processed_and_a_second_keeping_adds_nothing(stack_runtime):
    # A checkpoint (or an acknowledgement) calls flush_kept() before it counts calls as done.
    ingestor = stack_runtime.hotline(workers=1)
    tag = unique_tag()
    calls = [call(f"FLUSH{i}-{tag}", "我想知道公积金余额") for i in range(3)]
    for item in read_array(calls):
        ingestor.process(item)
    ids = {c["call_id"] for c in calls}

    def kept() -> set[str]:
        return ids & {r["call_id"] for r in stack_runtime.records.heard.between(*_day_range(calls))}

    assert kept() == set()          # fewer than a batch: waiting
    ingestor.flush_kept()
    assert kept() == ids
    assert stack_runtime.records.heard.keep_many([{"call_id": calls[0]["call_id"], "day": "2026-11-02",
                                                    "intent": "greet"}]) == 0


def _day_range(calls):
    import datetime as dt
    days = sorted(dt.date.fromisoformat(c["started_at"][:10]) for c in calls)
    return days[0], days[-1]


def test_a_row_the_records_refuse_costs_only_itself_and_flush_waits_for_a_batch_on_its_way():
    """A unit test of the keeping alone (no stack): a batch refused as a whole (a call_id too long
    for the column) is kept row by row; a flush started while a worker's batch is being written
    returns only once that batch is written (a checkpoint must not count calls not yet kept)."""
    import threading
    import time as _time
    from bot.channels.hotline.picture import Heard

    kept, writing = [], threading.Event()

    def keep_many(rows):
        if len(rows) > 1 and any(len(r["call_id"]) > 64 for r in rows):
            raise ValueError("value too long for type character varying(64)")
        if any(len(r["call_id"]) > 64 for r in rows):
            raise ValueError("value too long")
        writing.set()
        _time.sleep(0.2)                 # a slow database
        kept.extend(r["call_id"] for r in rows)

    ingestor = HotlineIngestor(parse=None, routing={}, min_confidence=0.5, purposes=frozenset(), workorders=None,
                               hub=None, keep_heard=keep_many)
    import datetime as dt
    heard = [Heard(cid, dt.date(2026, 11, 2), None, "greet", None, None, None, None, None)
             for cid in ["A1", "X" * 100, "A2"]]
    for h in heard:
        ingestor._keep(h)
    ingestor.flush_kept()
    assert kept == ["A1", "A2"]

    kept.clear()
    writing.clear()
    ingestor._keep(heard[0])
    worker = threading.Thread(target=ingestor.flush_kept)   # a worker's full batch on its way
    worker.start()
    writing.wait(2)
    ingestor.flush_kept()                                    # the checkpoint's flush
    assert kept == ["A1"]
    worker.join()
