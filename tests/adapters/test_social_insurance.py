"""Social insurance: XML over GET with Basic auth."""
from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.errors import BackendAuthError, BackendUnavailable, BadResponse, NotFound
from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import CHEN, HUANG, LIU, WANG, ZHAO


def test_wang_paid_156_months_without_a_gap(adapters):
    account = adapters.social_insurance.account(WANG)
    assert (account.pension_months_paid, account.continuous, account.status) == (156, True, "正常参保")
    assert account.monthly_pension is None and not account.retired


def test_zhao_li_is_retired_with_her_pension(adapters):
    account = adapters.social_insurance.account(ZHAO)
    assert account.retired and account.status == "已退休"
    assert account.monthly_pension == Decimal("3860.00")


def test_liu_yang_paid_12_months_and_huang_lei_has_a_gap(adapters):
    assert adapters.social_insurance.account(LIU).pension_months_paid == 12
    huang = adapters.social_insurance.account(HUANG)
    assert (huang.continuous, huang.gap_months, huang.status) == (False, 5, "暂停缴费")


def test_a_student_has_no_social_insurance_yet(adapters):
    with pytest.raises(NotFound):
        adapters.social_insurance.account(CHEN)


def test_a_wrong_password(make_adapter):
    with pytest.raises(BackendAuthError):
        make_adapter("social_insurance", password="nope").account(WANG)


def test_auth_reject_fault(adapters, sandbox):
    sandbox.fault("social_insurance", "auth_reject", times=1)
    with pytest.raises(BackendAuthError):
        adapters.social_insurance.account(WANG)


def test_truncated_xml_is_a_bad_response(adapters, sandbox):
    sandbox.fault("social_insurance", "garbage", times=1)
    with pytest.raises(BadResponse):
        adapters.social_insurance.account(WANG)


def test_500_is_not_retried_but_502_is(adapters, sandbox):
    sandbox.fault("social_insurance", "error_500", times=1)
    with StatsDelta(sandbox, "social_insurance") as d, pytest.raises(BackendUnavailable):
        adapters.social_insurance.account(WANG)
    assert d["requests"] == 1
    sandbox.fault("social_insurance", "error_503", times=2)
    with StatsDelta(sandbox, "social_insurance") as d:
        assert adapters.social_insurance.account(WANG).pension_months_paid == 156
    assert d["requests"] == 3


def test_affairs_from_xml(adapters):
    [card] = adapters.social_insurance.affairs(WANG)
    assert (card.ref_no, card.item, card.status, card.done) == ("SB20261103000210", "社保卡补换", "制卡中", False)
