"""Runs of the checks over the sandbox's bulk listings (real HTTP): the named citizens each found
for their reason, the synthetic population's planted anomalies exactly (precision and recall 1.0),
everything read in bulk, a re-run adding nothing, and a backend down saying what it could not check
and finding nothing false."""
from __future__ import annotations

import csv
import logging
import re

import pytest

from bot.core.clock import CLOCK
from bot.core.privacy import pseudonym
from bot.crosscheck import run_checks
from scripts.crosscheck import expected_anomalies

ZHANG, ZHOU, SUN, ZHAO = "510121195203150026", "510122194807120030", "510108198009090042", "510122197811250069"
RAW_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture
def rt(fake_runtime):
    return fake_runtime


def _found(rt, report, rule):
    return {f["citizen_key"]: f for f in rt.records.findings.search(ids=report.finding_ids[rule], limit=10000)}


def test_a_full_run_finds_exactly_what_was_planted_and_the_named_cases(rt, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    report = run_checks(rt.adapters, rt.records.findings, today=CLOCK.today(), lookback_months=24, out=tmp_path / "out",
                        trigger="test")
    assert report.complete and not report.unchecked
    want = expected_anomalies()
    for rule, expected in want.items():
        got = set(_found(rt, report, rule))
        assert got == expected, rule            # precision and recall 1.0
    zhou = _found(rt, report, "pension_after_death")[pseudonym("id_number", ZHOU)]
    assert zhou["evidence"]["人力资源和社会保障局"]["months"] == ["2026-09", "2026-10"]
    assert zhou["evidence"]["人力资源和社会保障局"]["amount"] == "460.00" and zhou["masked_id"] == "510***********0030"
    assert "double_pension" in {r for r, ids in report.finding_ids.items()
                                if pseudonym("id_number", ZHANG) in _found(rt, report, r)}
    assert pseudonym("id_number", SUN) in _found(rt, report, "dibao_company_officer")
    zhao = pseudonym("id_number", ZHAO)
    assert not any(zhao in _found(rt, report, r) for r in report.finding_ids)
    # in bulk: pages of hundreds, not one request per citizen
    s = report.sources["pension_payments"]
    assert s["records"] > 50_000 and s["calls"] < s["records"] / 400
    assert report.sources["company_officers"]["calls"] <= 3
    # a CSV per reviewing department, and no raw ID number in them or the logs
    tmp_path = tmp_path / "out"
    files = {p.name for p in tmp_path.iterdir()}
    assert {"人力资源和社会保障局.csv", "民政局.csv", "run.json"} <= files
    with (tmp_path / "人力资源和社会保障局.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["name"] == "周德明" and "460.00" in r["summary"] for r in rows)
    for p in tmp_path.iterdir():
        if p.suffix in (".csv", ".json"):
            assert not RAW_ID.search(p.read_text(encoding="utf-8-sig")), p.name
    assert not RAW_ID.search(caplog.text)


def test_a_re_run_adds_no_finding_twice(rt):
    first = run_checks(rt.adapters, rt.records.findings, today=CLOCK.today(), lookback_months=3, trigger="test")
    total = rt.records.findings.count()
    again = run_checks(rt.adapters, rt.records.findings, today=CLOCK.today(), lookback_months=3, trigger="test")
    assert total > 0 and rt.records.findings.count() == total
    assert all(c["new"] == 0 for c in again.checked.values())
    assert {k: c["found"] for k, c in again.checked.items()} == {k: c["found"] for k, c in first.checked.items()}
    assert {f["times_seen"] for f in rt.records.findings.search(limit=10000)} == {2}


def test_a_backend_down_says_what_it_could_not_check_and_finds_nothing_from_it(rt, sandbox):
    sandbox.fault("civil_affairs", "down")
    report = run_checks(rt.adapters, rt.records.findings, today=CLOCK.today(), lookback_months=3, trigger="test")
    assert set(report.unchecked) == {"pension_after_death", "dibao_company_officer"}
    assert "civil_affairs" in report.unchecked["pension_after_death"]
    assert not report.sources["death_registrations"]["complete"]
    assert set(report.checked) == {"double_pension"}
    assert rt.records.findings.count(rule="pension_after_death") == 0
    assert rt.records.findings.count(rule="dibao_company_officer") == 0
    assert rt.records.findings.runs(1)[0]["report"]["unchecked"].keys() == report.unchecked.keys()


def test_market_regulation_failing_midway_leaves_its_rule_unchecked(rt, sandbox):
    sandbox.fault("market_regulation", "error_500", times=20)
    report = run_checks(rt.adapters, rt.records.findings, today=CLOCK.today(), lookback_months=3, trigger="test")
    assert set(report.unchecked) == {"dibao_company_officer"}
    assert "market_regulation" in report.unchecked["dibao_company_officer"]
    assert rt.records.findings.count(rule="dibao_company_officer") == 0
