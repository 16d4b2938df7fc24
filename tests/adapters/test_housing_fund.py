"""Housing fund: HMAC-signed POSTs, envelope codes, pinyin fields."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from adapters.errors import BackendAuthError, BackendTimeout, BackendUnavailable, BadResponse, NotFound
from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import CHEN, LI, WANG, ZHAO


def test_account_of_wang_jianguo(adapters):
    account = adapters.housing_fund.account(WANG)
    assert account.balance == Decimal("52340.56")
    assert account.monthly_deposit == Decimal("2400.00")
    assert account.status == "正常缴存"
    assert account.last_deposit_month == "2026-10"
    assert account.opened_on == dt.date(2013, 7, 1)


def test_account_of_li_fang_and_a_closed_one(adapters):
    assert adapters.housing_fund.account(LI).balance == Decimal("18905.20")
    assert adapters.housing_fund.account(ZHAO).status == "销户"


def test_a_student_has_no_account(adapters):
    with pytest.raises(NotFound) as e:
        adapters.housing_fund.account(CHEN)
    assert e.value.code == "1004"
    assert adapters.housing_fund.affairs(CHEN) == []


def test_a_wrong_secret_fails_the_signature(make_adapter):
    with pytest.raises(BackendAuthError):
        make_adapter("housing_fund", app_secret="not-the-secret").account(WANG)


def test_503_then_the_retry_succeeds(adapters, sandbox):
    sandbox.fault("housing_fund", "error_503", times=1)
    with StatsDelta(sandbox, "housing_fund") as d:
        assert adapters.housing_fund.account(WANG).balance == Decimal("52340.56")
    assert d["requests"] == 2 and d["faulted"] == 1


def test_503_every_time_is_unavailable_after_the_retries(adapters, sandbox):
    sandbox.fault("housing_fund", "error_503")
    with StatsDelta(sandbox, "housing_fund") as d, pytest.raises(BackendUnavailable):
        adapters.housing_fund.account(WANG)
    assert d["requests"] == 3  # first try + retries: 2


def test_timeout(adapters, sandbox):
    sandbox.fault("housing_fund", "timeout", delay_s=5)
    with StatsDelta(sandbox, "housing_fund") as d, pytest.raises(BackendTimeout):
        adapters.housing_fund.account(WANG)
    assert d["requests"] == 1  # a read timeout is never retried


def test_an_html_error_page_is_a_bad_response(adapters, sandbox):
    sandbox.fault("housing_fund", "garbage", times=1)
    with pytest.raises(BadResponse):
        adapters.housing_fund.account(WANG)


def test_affairs(adapters):
    [withdrawal] = adapters.housing_fund.affairs(WANG)
    assert (withdrawal.ref_no, withdrawal.domain, withdrawal.district, withdrawal.done) == (
        "GJ20261015000311", "公积金", "武侯区", True)
    assert withdrawal.updated_at.utcoffset() == dt.timedelta(hours=8)
