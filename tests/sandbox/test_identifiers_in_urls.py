"""Identifiers never travel in URLs (they end up in the access logs of the
backend and of every proxy on the way): every sandbox backend refuses an ID
number or phone number in its path or query string with 400 and counts it, so
that an adapter that regresses fails loudly. The identifiers themselves travel
in bodies or headers (each backend's own style)."""
from __future__ import annotations

import pytest
import requests

WANG = "510104198506122310"
PHONE = "13880000001"

KEYS = {
    "identity": {"X-Api-Key": "sandbox-identity-key"},
    "social_insurance": {"Authorization": "Basic c2ktc2FuZGJveDpzYW5kYm94LXNpLXBhc3N3b3Jk"},
    "exit_entry": {"Authorization": "ApiKey sandbox-crj-key"},
    "market_regulation": {"X-Api-Key": "sandbox-scjg-key"},
    "utilities": {"X-Api-Key": "sandbox-utility-key"},
    "appointments": {"X-Api-Key": "sandbox-appt-key"},
    "workorders": {"X-Auth-Token": "sandbox-12345-key"},
}

# The old wire of each backend: the ID (or phone) in the query string or the path.
OLD_STYLE = [
    ("exit_entry", "GET", "/crj/api/v1/endorsements/CJ20261101000123", {"sfzh": WANG}),
    ("exit_entry", "GET", "/crj/api/v1/endorsements", {"sfzh": WANG}),
    ("exit_entry", "GET", f"/crj/api/v1/endorsements/{WANG}", None),
    ("market_regulation", "GET", "/scjg/v1/registrations/QY20261105000789", {"applicant_id": WANG}),
    ("market_regulation", "GET", "/scjg/v1/registrations", {"applicant_id": WANG}),
    ("social_insurance", "GET", "/si/ws/person/query", {"aac002": WANG}),
    ("social_insurance", "POST", "/si/ws/business/query", {"aac002": WANG}),
    ("utilities", "GET", "/utility/api/bills", {"cert_no": WANG}),
    ("utilities", "POST", "/utility/api/bills/query", {"cert_no": WANG}),
    ("appointments", "GET", "/appt/v1/bookings", {"idNumber": WANG}),
    ("workorders", "GET", "/gd/api/orders", {"citizenId": WANG, "pageNo": 1}),
    ("workorders", "GET", "/gd/api/orders/GD20261028000988", {"citizenId": WANG}),
    # Any parameter whose value is shaped like an ID or a phone, and identifier
    # parameter names whatever the value (a mistyped ID is still someone's).
    ("appointments", "GET", "/appt/v1/halls", {"district": WANG}),
    ("workorders", "GET", "/gd/api/orders", {"q": f"电话{PHONE}"}),
    ("identity", "POST", "/api/v1/sms/send", {"phone": "1388000"}),
    ("utilities", "POST", "/utility/api/bills/query", {"cert_no": "5101041985061223"}),
]


@pytest.mark.parametrize("backend, method, path, params", OLD_STYLE)
def test_an_identifier_in_the_url_is_refused(sandbox, backend, method, path, params):
    before = sandbox.stats(backend)
    r = requests.request(method, sandbox.urls[backend] + path, params=params, headers=KEYS[backend], timeout=5)
    assert r.status_code == 400
    assert WANG not in r.text and PHONE not in r.text
    after = sandbox.stats(backend)
    assert after["identifier_in_url"] == before["identifier_in_url"] + 1
    endpoints = lambda stats: {k: v for k, v in stats.items() if k.startswith("endpoint:")}  # noqa: E731
    assert endpoints(after) == endpoints(before)  # refused before any endpoint ran


def test_each_backend_answers_a_refusal_in_its_own_format(sandbox):
    xml = requests.get(sandbox.urls["social_insurance"] + "/si/ws/person/query", params={"aac002": WANG},
                       headers=KEYS["social_insurance"], timeout=5)
    assert xml.status_code == 400 and "<retcode>-400</retcode>" in xml.text
    crj = requests.get(sandbox.urls["exit_entry"] + "/crj/api/v1/endorsements", params={"sfzh": WANG},
                       headers=KEYS["exit_entry"], timeout=5)
    assert crj.json()["errcode"] == 40001
    gd = requests.get(sandbox.urls["workorders"] + "/gd/api/orders", params={"citizenId": WANG},
                      headers=KEYS["workorders"], timeout=5)
    assert gd.json()["result"] == "error"


def test_the_new_wire_carries_the_id_in_headers_and_bodies(sandbox):
    crj = requests.get(sandbox.urls["exit_entry"] + "/crj/api/v1/endorsements/CJ20261101000123",
                       headers={**KEYS["exit_entry"], "X-Sfzh": WANG}, timeout=5)
    assert crj.status_code == 200 and crj.json()["data"]["blzt"] == "02"
    other = requests.get(sandbox.urls["exit_entry"] + "/crj/api/v1/endorsements/CJ20261101000123",
                         headers={**KEYS["exit_entry"], "X-Sfzh": "510107199203084525"}, timeout=5)
    assert other.status_code == 404
    si = requests.post(sandbox.urls["social_insurance"] + "/si/ws/person/query",
                       data=f"<request><aac002>{WANG}</aac002></request>".encode(),
                       headers={**KEYS["social_insurance"], "Content-Type": "application/xml"}, timeout=5)
    assert si.status_code == 200 and "<yljfys>156</yljfys>" in si.text
    bills = requests.post(sandbox.urls["utilities"] + "/utility/api/bills/query",
                          json={"cert_no": "510122197811250069", "limit": 2}, headers=KEYS["utilities"], timeout=5)
    assert bills.status_code == 200 and len(bills.json()["bills"]) == 2 and bills.json()["next_cursor"]
    regs = requests.get(sandbox.urls["market_regulation"] + "/scjg/v1/registrations",
                        headers={**KEYS["market_regulation"], "X-Applicant-Id": "440306199507151287"}, timeout=5)
    assert len(regs.json()["registrations"]) == 2
    orders = requests.get(sandbox.urls["workorders"] + "/gd/api/orders", params={"pageNo": 1},
                          headers={**KEYS["workorders"], "X-Citizen-Id": "510107199203084525"}, timeout=5)
    assert orders.status_code == 200 and orders.json()["total"] >= 1
