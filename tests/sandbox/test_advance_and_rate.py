"""POST /__data/advance (an application moves on, as the department's staff would move it) and
every backend's stated request rate limit (429 past it), over real HTTP."""
from __future__ import annotations

import pytest
import requests

from adapters.errors import RateLimited
from tests.fixtures.chat import WANG, Chat

EXIT_ENTRY = {"Authorization": "ApiKey sandbox-crj-key"}


def advance(sandbox, ref):
    return requests.post(sandbox.control + "/__data/advance", json={"ref": ref}, timeout=5)


def endorsement_status(sandbox, ref="CJ20261101000123", id_number=WANG[1]):
    r = requests.get(f"{sandbox.urls['exit_entry']}/crj/api/v1/endorsements/{ref}",
                     headers={**EXIT_ENTRY, "X-Sfzh": id_number}, timeout=5)
    return r.json()["data"]["blzt"]


def test_an_endorsement_moves_along_its_sequence_to_the_last_step(sandbox_clean):
    steps = [advance(sandbox_clean, "CJ20261101000123") for _ in range(3)]
    assert [s.status_code for s in steps] == [200, 200, 409]
    assert [s.json()["status"] for s in steps[:2]] == ["已制证待领取", "已领取"]
    assert steps[0].json() == {"ref": "CJ20261101000123", "backend": "exit_entry", "before": "审批中",
                               "status": "已制证待领取", "last_step": False}
    assert steps[1].json()["last_step"] is True
    assert steps[2].json()["error"] == "AT_LAST_STEP" and steps[2].json()["status"] == "已领取"
    assert endorsement_status(sandbox_clean) == "05"          # what the adapters read: 已领取


def test_restore_puts_advanced_records_back(sandbox_clean):
    advance(sandbox_clean, "CJ20261101000123")
    assert endorsement_status(sandbox_clean) == "04"
    sandbox_clean.restore_data()
    assert endorsement_status(sandbox_clean) == "02"


@pytest.mark.parametrize("ref, sequence", [
    ("GD20261118000610", ["处理中", "已办结", "已回访"]),        # 12345 work order
    ("GD20261110000123", ["处理中", "已办结", "已回访"]),        # sent on (已派单): taken up next
    ("QY20261120000901", ["已核准", "已发照"]),                  # business licence
    ("GJ20261102000520", ["已审批", "已放款"]),                  # housing-fund loan
    ("SB20261103000210", ["待领取", "已领取"]),                  # social-insurance card
    ("SB20261022000066", ["已办结"]),                            # maternity allowance
    ("YY20261126000215", ["已完成"]),                            # appointment
    ("YB20261026000145", ["已结算"]),                            # medical reimbursement
])
def test_each_backends_sequence_ends_with_a_clear_answer(sandbox_clean, ref, sequence):
    seen = [advance(sandbox_clean, ref).json()["status"] for _ in sequence]
    assert seen == sequence
    last = advance(sandbox_clean, ref)
    assert last.status_code == 409 and last.json()["error"] == "AT_LAST_STEP"


def test_a_work_order_records_each_step_in_its_flow(sandbox_clean):
    advance(sandbox_clean, "GD20261118000610")
    r = requests.get(f"{sandbox_clean.urls['workorders']}/gd/api/orders/GD20261118000610",
                     headers={"X-Auth-Token": "sandbox-12345-key"}, timeout=5).json()["order"]
    assert r["state"] == "处理中" and [f["node"] for f in r["flow"]][-1] == "处理中"


def test_unknown_and_malformed_refs(sandbox_clean):
    missing = advance(sandbox_clean, "CJ20991231000000")
    assert missing.status_code == 404 and missing.json()["error"] == "NOT_FOUND"
    bad = requests.post(sandbox_clean.control + "/__data/advance", data="ref", timeout=5)
    assert bad.status_code == 400 and "ref" in bad.json()["message"]


def test_a_refused_application_moves_no_further(sandbox_clean):
    r = advance(sandbox_clean, "YB20260920000410")      # 审核不通过
    assert r.status_code == 409 and r.json()["status"] == "审核不通过"


def test_every_backend_states_its_rate_limit_and_answers_429_past_it(sandbox_clean):
    rates = requests.get(sandbox_clean.control + "/__rate", timeout=5).json()
    assert set(rates) >= {"exit_entry", "workorders", "housing_fund"} and rates["exit_entry"]["limit"]
    url = f"{sandbox_clean.urls['exit_entry']}/crj/api/v1/endorsements"
    first = requests.get(url, headers=EXIT_ENTRY, timeout=5)
    assert first.headers["X-RateLimit-Policy"] == rates["exit_entry"]["limit"]
    rate = sandbox_clean.control + "/__rate/exit_entry"
    requests.post(rate, json={"limit": "2/minute"}, timeout=5).raise_for_status()
    answers = [requests.get(url, headers=EXIT_ENTRY, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["error"] == "RATE_LIMITED" and int(answers[2].headers["Retry-After"]) >= 1
    assert answers[1].headers["X-RateLimit-Remaining"] == "0"
    # the ping (health checks) is not counted
    assert requests.get(f"{sandbox_clean.urls['exit_entry']}/crj/api/v1/ping", timeout=5).status_code == 200
    sandbox_clean.restore_data()
    assert requests.get(url, headers=EXIT_ENTRY, timeout=5).status_code == 200


def test_the_adapter_reads_429_as_busy_and_the_citizen_is_told_to_wait(fake_runtime, sandbox_clean):
    chat = Chat(fake_runtime)
    chat.bind(WANG)
    rate = sandbox_clean.control + "/__rate/exit_entry"
    requests.post(rate, json={"limit": "1/minute"}, timeout=5).raise_for_status()
    requests.get(f"{sandbox_clean.urls['exit_entry']}/crj/api/v1/endorsements", headers=EXIT_ENTRY, timeout=5)
    with pytest.raises(RateLimited) as e:
        fake_runtime.adapters.exit_entry.affairs(WANG[1])
    assert e.value.retry_after_s and e.value.retry_after_s >= 1
    assert "较多" in chat.say("CJ20261101000123 这个签注办到哪了")
