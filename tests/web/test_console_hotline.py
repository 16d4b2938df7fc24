"""The 12345 office's hotline reports in the console: calls ingested (over HTTP or by the file
command) are kept as durable records, and the office sees any period's picture — counts, hot
spots, repeat callers as keyed hashes, the work orders as CSV — with no raw number anywhere."""
from __future__ import annotations

import csv
import io
import json

import pytest

from bot.channels.hotline import read_jsonl
from bot.channels.hotline.picture import CityPicture
from tests.fixtures.console import signed_in
from tests.fixtures.hotline import run, unique_tag

CALLER = "13982107788"


def _call(call_id: str, day: str, text: str, caller: str | None = None) -> dict:
    out = {"call_id": call_id, "started_at": f"{day}T10:00:00+08:00", "duration_s": 90, "district": "金牛区",
           "turns": [{"speaker": "agent", "text": "您好，12345热线，请讲。"},
                     {"speaker": "caller", "text": text}]}
    if caller:
        out["caller"] = caller
    return out


@pytest.fixture
def person(stack_app, stack_runtime):
    """A logged-in console account over the real NLU (the console's own fixture has a stand-in)."""
    return lambda role, department=None: signed_in(stack_app, stack_runtime, role, department)


def _march_calls(tag: str) -> list[dict]:
    noise = "我要投诉，金牛区蜀汉路的工地晚上一直施工，噪音太大了，麻烦处理一下"
    return [_call(f"R1-{tag}", "2025-03-03", noise, CALLER),
            _call(f"R2-{tag}", "2025-03-05", noise, "139-8210-7788"),      # the same caller, another format
            _call(f"R3-{tag}", "2025-03-07", noise),
            _call(f"R4-{tag}", "2025-03-20", "请问护照怎么办理")]


def test_the_office_sees_a_periods_picture_of_what_was_ingested(person, stack_runtime):
    outcomes, _ = run(stack_runtime.hotline(workers=1), _parsed(_march_calls(unique_tag())))
    expected = CityPicture()
    for o in outcomes:
        expected.add(o.heard)
    want = expected.as_dict()
    office = person("office")
    page = office.get("/console/hotline?since=2025-03-01&until=2025-03-31").get_data(as_text=True)
    assert "已分析来电 <strong>4</strong> 通" in page
    assert want["repeat_callers"] and 'id="repeat-callers"' in page
    assert want["repeat_callers"][0]["caller"][:12] in page
    assert want["hot_spots"]
    for spot in want["hot_spots"]:
        assert spot["place"] in page
    assert CALLER not in page and "13982107788" not in page.replace("-", "")
    assert "data:image/png;base64," in page                         # the charts are drawn
    # Another period does not count them; a district filter does.
    assert "已分析来电 <strong>0</strong> 通" in office.get("/console/hotline?since=2025-04-01&until=2025-04-30") \
        .get_data(as_text=True)
    assert "已分析来电 <strong>0</strong> 通" in office.get(
        "/console/hotline?since=2025-03-01&until=2025-03-31&district=武侯区").get_data(as_text=True)
    # The work orders of the period as CSV, one row per order filed.
    r = office.get("/console/hotline/work_orders.csv?since=2025-03-01&until=2025-03-31")
    rows = list(csv.DictReader(io.StringIO(r.get_data().decode("utf-8-sig"))))
    filed = sorted(o.result["work_order"]["order_no"] for o in outcomes if o.result["work_order"])
    assert filed and sorted(row["order_no"] for row in rows) == filed


def test_a_call_ingested_twice_is_counted_once(person, stack_runtime):
    calls = _march_calls(unique_tag())
    for _ in range(2):
        run(stack_runtime.hotline(workers=1), _parsed(calls))
    rows = stack_runtime.records.heard.between(*_dates("2025-03-01", "2025-03-31"))
    assert sorted(r["call_id"] for r in rows) == sorted(c["call_id"] for c in calls)


def test_the_reports_are_the_offices_and_a_bad_period_gets_a_clear_answer(person):
    assert person("department", "生态环境局").get("/console/hotline").status_code == 403
    assert person("agent").get("/console/hotline").status_code == 403
    office = person("office")
    for query in ("since=yesterday", "since=2025-05-01&until=2025-03-01", "since=2020-01-01&until=2025-01-01"):
        r = office.get(f"/console/hotline?{query}")
        assert r.status_code == 200 and 'class="error"' in r.get_data(as_text=True)


def _dates(a: str, b: str):
    import datetime as dt
    return dt.date.fromisoformat(a), dt.date.fromisoformat(b)


def _parsed(calls: list[dict]) -> list:
    return list(read_jsonl([json.dumps(c, ensure_ascii=False) for c in calls]))
