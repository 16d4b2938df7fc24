"""The sandbox's bulk listings on the wire: each backend's own format, paging,
caps and limits, and the named citizens' facts in them (over real HTTP)."""
from __future__ import annotations

import base64
import csv
import io
import xml.etree.ElementTree as ET

import pytest
import requests

from tests.fixtures.clock import DATES

SI_AUTH = ("si-sandbox", "sandbox-si-password")
MARKET = {"X-Api-Key": "sandbox-scjg-key"}
ZHANG_GUILAN, ZHOU_DEMING, SUN_XIAOMEI = "510121195203150026", "510122194807120030", "510108198009090042"
ZHAO = "510122197811250069"


def si(sandbox, path: str, body: str) -> requests.Response:
    return requests.post(sandbox.urls["social_insurance"] + path, data=body.encode(), auth=SI_AUTH,
                         headers={"Content-Type": "application/xml"}, timeout=10)


def payments(sandbox, month: str, pagesize: int = 500, cursor: str = "") -> ET.Element:
    body = f"<request><ffny>{month}</ffny><pagesize>{pagesize}</pagesize><cursor>{cursor}</cursor></request>"
    return ET.fromstring(si(sandbox, "/si/ws/bulk/pension/payments", body).content)


def all_payments(sandbox, month: str) -> list[dict]:
    rows, cursor = [], ""
    while True:
        root = payments(sandbox, month, cursor=cursor)
        assert root.findtext("retcode") == "0"
        rows += [{c.tag: c.text for c in item} for item in root.find("list")]
        cursor = root.findtext("nextcursor") or ""
        if not cursor:
            return rows


@pytest.fixture
def roomy(sandbox_clean):
    """The bureau's 20 requests a second lifted, for tests that page through whole months fast."""
    sandbox_clean.set_limit("social_insurance", "1000/second")
    return sandbox_clean


def civil_session(sandbox) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    login = session.post(sandbox.urls["civil_affairs"] + "/mz/api/auth/login",
                         json={"account": "mz-exchange-sandbox", "password": "sandbox-mz-password"}, timeout=5)
    assert login.status_code == 200 and login.json()["data"]["expiresIn"] > 0
    assert "MZSESSIONID" in session.cookies
    return session


# --- social insurance: pension payments by month (XML, cursor, silent cap, 20/second) -------------
@pytest.mark.parametrize("when", DATES)
def test_the_payroll_runs_to_the_month_before_today_and_never_ends_before_the_snapshot(sandbox_clean, travel,
                                                                                      when):
    travel(when)
    root = ET.fromstring(si(sandbox_clean, "/si/ws/bulk/payroll/period", "<request/>").content)
    month_before = f"{when.year - (when.month == 1)}{(when.month - 2) % 12 + 1:02d}"
    assert (root.findtext("qsny"), root.findtext("zzny")) == ("201001", max(month_before, "202610"))
    travel("2026-10-20T10:00:00+08:00")  # before the snapshot's month is over: still listed
    root = ET.fromstring(si(sandbox_clean, "/si/ws/bulk/payroll/period", "<request/>").content)
    assert root.findtext("zzny") == "202610"


def test_the_named_pensions(sandbox_clean, roomy, travel):
    travel("2027-01-10T10:00:00+08:00")
    october = all_payments(sandbox_clean, "202610")
    zhang = sorted((r["aae140"], r["ffje"]) for r in october if r["aac002"] == ZHANG_GUILAN)
    assert zhang == [("110", "2650.00"), ("170", "210.00")]          # both basic pensions at once
    assert [(r["aae140"], r["ffje"]) for r in october if r["aac002"] == ZHAO] == [("110", "3860.00")]
    for month in ("202609", "202610"):                                 # after his death on 2026-08-15
        assert [r["ffje"] for r in all_payments(sandbox_clean, month) if r["aac002"] == ZHOU_DEMING] == ["230.00"]
    assert not [r for r in all_payments(sandbox_clean, "202611") if r["aac002"] == ZHOU_DEMING]  # stopped
    assert [r["aae140"] for r in all_payments(sandbox_clean, "202612") if r["aac002"] == ZHANG_GUILAN] == ["170", "110"]


def test_payments_are_cut_to_500_a_page_and_follow_the_cursor(sandbox_clean, roomy):
    first = payments(sandbox_clean, "202610", pagesize=2000)
    total = int(first.findtext("zs"))
    assert len(first.find("list")) == 500 < total
    rows = all_payments(sandbox_clean, "202610")
    assert len(rows) == total and len({(r["aac002"], r["aae140"]) for r in rows}) == total
    assert ZHOU_DEMING in {r["aac002"] for r in all_payments(sandbox_clean, "202608")}  # his month of death: due
    assert all(r["ffny"] == "202610" and r["ffrq"] == "20261015" for r in rows)


def test_payment_errors_in_the_bureaus_codes(sandbox_clean):
    assert payments(sandbox_clean, "200001").findtext("retcode") == "-2"       # before the payroll
    assert payments(sandbox_clean, "2026-10").findtext("retcode") == "-3"      # not YYYYMM
    cursor = payments(sandbox_clean, "202610", pagesize=10).findtext("nextcursor")
    assert payments(sandbox_clean, "202609", cursor=cursor).findtext("retcode") == "-3"   # another month's
    expired = base64.urlsafe_b64encode(b"2026-10|10|1").decode()                         # issued long ago
    assert payments(sandbox_clean, "202610", cursor=expired).findtext("retcode") == "-410"


def test_payments_rate_limit_answers_429_with_retry_after(sandbox_clean):
    sandbox_clean.set_limit("social_insurance", "3/minute")
    answers = [si(sandbox_clean, "/si/ws/bulk/payroll/period", "<request/>") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert ET.fromstring(answers[3].content).findtext("retcode") == "-429"
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    # the person queries are not part of the bulk limit
    person = si(sandbox_clean, "/si/ws/person/query", f"<request><aac002>{ZHAO}</aac002></request>")
    assert person.status_code == 200
    sandbox_clean.restore_data()
    assert si(sandbox_clean, "/si/ws/bulk/payroll/period", "<request/>").status_code == 200


# --- civil affairs: login session, CSV deaths by date range, JSON households, 120/minute ---------
def test_civil_affairs_needs_a_session(sandbox_clean):
    url = sandbox_clean.urls["civil_affairs"]
    assert requests.get(url + "/mz/api/exchange/dibao/households", timeout=5).json()["code"] == "100401"
    wrong = requests.post(url + "/mz/api/auth/login", json={"account": "mz-exchange-sandbox", "password": "x"},
                          timeout=5)
    assert wrong.status_code == 401 and "Set-Cookie" not in wrong.headers
    session = civil_session(sandbox_clean)
    assert session.get(url + "/mz/api/exchange/dibao/households", timeout=5).status_code == 200
    assert sandbox_clean.revoke_tokens("civil_affairs") >= 1
    assert session.get(url + "/mz/api/exchange/dibao/households", timeout=5).status_code == 401


def test_deaths_come_as_csv_paged_by_number(sandbox_clean):
    session, url = civil_session(sandbox_clean), sandbox_clean.urls["civil_affairs"] + "/mz/api/exchange/deaths"
    params = {"startDate": "2026-08-01", "endDate": "2026-10-31", "pageSize": 5}
    first = session.get(url, params={**params, "pageNo": 1}, timeout=5)
    assert first.headers["Content-Type"].startswith("text/csv")
    total, pages = int(first.headers["X-Total-Count"]), int(first.headers["X-Total-Pages"])
    assert pages == -(-total // 5) and total > 5
    rows = []
    for page in range(1, pages + 1):
        reader = csv.DictReader(io.StringIO(session.get(url, params={**params, "pageNo": page}, timeout=5).text))
        rows += list(reader)
    assert len(rows) == total
    assert [r["登记日期"] for r in rows] == sorted(r["登记日期"] for r in rows)
    zhou = [r for r in rows if r["公民身份号码"] == ZHOU_DEMING]
    assert [(r["姓名"], r["死亡日期"], r["行政区划"]) for r in zhou] == [("周德明", "2026-08-15", "双流区")]


@pytest.mark.parametrize("params, code", [
    ({"startDate": "2026-01-01", "endDate": "2026-04-03"}, "100413"),                  # 93 days: 92 at most
    ({"startDate": "2026-01-01", "endDate": "2026-01-31", "pageSize": 201}, "100400"),  # refused, not cut
    ({"startDate": "2026-02-01", "endDate": "2026-01-01"}, "100400"),
    ({"endDate": "2026-01-01"}, "100400"),
])
def test_deaths_limits_are_refused_not_cut(sandbox_clean, params, code):
    session = civil_session(sandbox_clean)
    r = session.get(sandbox_clean.urls["civil_affairs"] + "/mz/api/exchange/deaths", params=params, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == code


def test_households_in_json_with_members(sandbox_clean):
    session, url = civil_session(sandbox_clean), sandbox_clean.urls["civil_affairs"]
    assert session.get(url + "/mz/api/exchange/dibao/households", params={"pageSize": 101},
                       timeout=5).status_code == 400
    records, page = [], 1
    while True:
        data = session.get(url + "/mz/api/exchange/dibao/households", params={"pageNo": page},
                           timeout=5).json()["data"]
        records += data["records"]
        if page * data["pageSize"] >= data["total"]:
            break
        page += 1
    assert len(records) == data["total"] >= 200
    [sun] = [h for h in records if any(m["idNumber"] == SUN_XIAOMEI for m in h["members"])]
    assert (sun["district"], sun["status"], sun["startMonth"], sun["monthlyAmount"]) == ("成华区", "在保", "2024-05",
                                                                                        "720.00")


def test_the_exchange_limit_is_per_minute_with_retry_after(sandbox_clean):
    session, url = civil_session(sandbox_clean), sandbox_clean.urls["civil_affairs"]
    sandbox_clean.set_limit("civil_affairs", "2/minute")
    answers = [session.get(url + "/mz/api/exchange/dibao/households", timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[2].json()["code"] == "100429" and 1 <= int(answers[2].headers["Retry-After"]) <= 60


# --- market regulation: company officers (page token, silent cap, a daily record quota) ----------
def test_officers_by_page_token_with_the_named_companies(sandbox_clean):
    url = sandbox_clean.urls["market_regulation"] + "/scjg/v1/bulk/officers"
    first = requests.get(url, params={"page_size": 5000}, headers=MARKET, timeout=10)
    body = first.json()
    assert len(body["officers"]) == 1000 < body["total_size"]
    rows, token = body["officers"], body["next_page_token"]
    while token:
        body = requests.get(url, params={"page_token": token}, headers=MARKET, timeout=10).json()
        rows, token = rows + body["officers"], body["next_page_token"]
    assert len(rows) == body["total_size"]
    [sun] = [r for r in rows if r["person_id_number"] == SUN_XIAOMEI]
    assert (sun["enterprise_name"], sun["role"], sun["enterprise_status"], sun["established"],
            sun["registered_capital_wan"]) == ("成都梅好商贸有限公司", "LEGAL_REPRESENTATIVE", "EXISTING",
                                              "2026-06-18", "500.00")
    assert int(first.headers["X-Quota-Remaining"]) == int(first.headers["X-Quota-Limit"]) - 1000
    bad = requests.get(url, params={"page_token": "bm90LW91cnM="}, headers=MARKET, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "INVALID_PAGE_TOKEN"


def test_officers_daily_quota(sandbox_clean):
    url = sandbox_clean.urls["market_regulation"] + "/scjg/v1/bulk/officers"
    sandbox_clean.set_limit("market_regulation", "1500/day")
    assert requests.get(url, headers=MARKET, timeout=10).status_code == 200       # 1000 records
    over = requests.get(url, headers=MARKET, timeout=10)                           # 1000 more do not fit
    assert over.status_code == 429 and over.json()["error"] == "QUOTA_EXCEEDED"
    assert int(over.headers["Retry-After"]) > 3600 and over.headers["X-Quota-Remaining"] == "500"
    assert requests.get(url, params={"page_size": 500}, headers=MARKET, timeout=10).status_code == 200


def test_limits_are_listed_and_bad_ones_refused(sandbox):
    limits = requests.get(sandbox.control + "/__limits", timeout=5).json()
    assert set(limits) == {"social_insurance", "civil_affairs", "market_regulation", "exit_entry"}
    bad = requests.post(sandbox.control + "/__limits/social_insurance", json={"limit": "fast"}, timeout=5)
    assert bad.status_code == 400
    none = requests.post(sandbox.control + "/__limits/identity", json={"limit": "1/second"}, timeout=5)
    assert none.status_code == 400
