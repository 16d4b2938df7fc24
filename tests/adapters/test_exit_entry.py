from __future__ import annotations

import datetime as dt

import pytest

from adapters.errors import BackendUnavailable, NotFound
from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import LI, WANG


def test_wang_jianguo_endorsement_is_under_approval(adapters):
    app = adapters.exit_entry.application("CJ20261101000123", WANG)
    assert (app.region, app.endorsement_type, app.status) == ("港澳", "个人旅游签注", "审批中")
    assert app.submitted_on == dt.date(2026, 11, 1)
    assert not app.done


def test_li_fang_can_collect_hers(adapters):
    app = adapters.exit_entry.application("cj20261020000456", LI)
    assert (app.region, app.status, app.collect_place) == ("台湾", "已制证待领取", "武侯区出入境接待大厅")


def test_someone_elses_application_is_not_found(adapters):
    with pytest.raises(NotFound) as e:
        adapters.exit_entry.application("CJ20261101000123", LI)
    with pytest.raises(NotFound) as missing:
        adapters.exit_entry.application("CJ20990101000000", LI)
    assert e.value.code == missing.value.code  # indistinguishable


def test_demo_path_without_an_id(adapters):
    assert adapters.exit_entry.application("CJ20261101000123", None).status == "审批中"


def test_applications_of_a_citizen(adapters):
    assert [a.application_no for a in adapters.exit_entry.applications(LI)] == [
        "CJ20261020000456", "CJ20260612000789"]
    assert adapters.exit_entry.applications("11010520000229003X") == []


def test_a_backend_that_stays_down_is_unavailable(adapters, sandbox):
    sandbox.fault("exit_entry", "down")
    with pytest.raises(BackendUnavailable):
        adapters.exit_entry.application("CJ20261101000123", WANG)
    sandbox.reset()
    with StatsDelta(sandbox, "exit_entry") as d:
        assert adapters.exit_entry.application("CJ20261101000123", WANG).status == "审批中"
    assert d["requests"] == 1


# --- the staff listing (every application, no applicant) -----------------------------------
def test_the_staff_listing_holds_every_application_page_by_page_without_the_applicant(make_adapter, sandbox,
                                                                                      exchange):
    from bot.core.clock import CITY_TZ
    from sandbox.data import load_world
    crj = make_adapter("exit_entry", staff_page_size=200, bulk_rate="")
    with StatsDelta(sandbox, "exit_entry") as d:
        listing = crj.staff_endorsements()
        matters = listing.all()
    noon = dt.datetime.combine(sandbox.today(), dt.time(12), CITY_TZ)
    expected = len(exchange.endorsements.listed(noon)) + len(list(load_world().every("exit_entry", "applications")))
    assert len(matters) == expected > 1000 and listing.pages == -(-expected // 200) <= d["requests"]
    numbers = [m.application_no for m in matters]
    assert numbers == sorted(set(numbers))                       # each once, in order across pages
    by_no = {m.application_no: m for m in matters}
    assert (by_no["CJ20261101000123"].status, by_no["CJ20261101000123"].district) == ("审批中", "锦江区")
    assert not hasattr(matters[0], "id_number") and {m.status for m in matters} >= {"已受理", "审批中", "已领取"}


def test_the_staff_listing_runs_up_to_the_sandboxs_today_when_its_clock_moves(adapters, sandbox):
    later = sandbox.today() + dt.timedelta(days=40)
    sandbox.move_clock(f"{later}T15:00:00+08:00")
    try:
        matters = adapters.exit_entry.staff_endorsements().all()
    finally:
        sandbox.reset_clock()
    synthetic = [m for m in matters if m.application_no[10:12] == "90"]
    assert max(m.submitted_on for m in synthetic) == later
    assert {m.status for m in synthetic if m.submitted_on == later} == {"已受理"}
    # the clock runs on from 15:00: nothing is stamped later than a few minutes after it
    assert all(m.updated_at <= dt.datetime.fromisoformat(f"{later}T15:10:00+08:00") for m in matters)


def test_the_staff_listing_follows_what_staff_did(adapters, sandbox):
    import requests
    before = {m.application_no: m.status for m in adapters.exit_entry.staff_endorsements()}
    moved = requests.post(f"{sandbox.control}/__data/advance", json={"ref": "CJ20261101000123"}, timeout=5).json()
    after = {m.application_no: m.status for m in adapters.exit_entry.staff_endorsements()}
    assert before["CJ20261101000123"] == "审批中" != after["CJ20261101000123"] == moved["status"]


def test_the_staff_listing_waits_out_the_administrations_limit(make_adapter, sandbox):
    sandbox.set_limit("exit_entry", "2/second", name="staff")
    crj = make_adapter("exit_entry", staff_page_size=100, bulk_rate="", bulk_max_wait_s=5)
    listing = crj.staff_endorsements()
    assert len(listing.all()) > 500 and listing.rate_limited >= 1 and crj.breaker.state() == "closed"


def test_a_bad_page_size_is_refused_by_the_backend_with_its_reason(sandbox_clean):
    sandbox = sandbox_clean
    import requests
    from sandbox import credentials
    r = requests.get(f"{sandbox.urls['exit_entry']}/crj/api/v1/staff/endorsements", params={"limit": 501},
                     headers={"Authorization": f"ApiKey {credentials.EXIT_ENTRY_API_KEY}"}, timeout=5)
    assert r.status_code == 400 and r.json()["errcode"] == 40002
