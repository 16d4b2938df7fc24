"""Medical insurance: short-lived client-credentials tokens, cached in Redis."""
from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.errors import BackendAuthError, NotFound
from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import LI, UNKNOWN, WANG, ZHAO


def test_li_fang_personal_account_is_exact(adapters):
    account = adapters.medical_insurance.account(LI)
    assert account.balance == Decimal("3120.45")  # sent as a JSON number, read without float rounding
    [claim] = account.reimbursements
    assert (claim.claim_no, claim.status, claim.reimbursed) == ("YB20261026000145", "审核中", Decimal("6120.00"))


def test_zhao_li(adapters):
    assert adapters.medical_insurance.account(ZHAO).balance == Decimal("6540.00")


def test_unknown_person(adapters):
    with pytest.raises(NotFound) as e:
        adapters.medical_insurance.account(UNKNOWN)
    assert e.value.code == "INSURED_NOT_FOUND"


def test_the_token_is_fetched_once_and_shared_through_redis(adapters, make_adapter, sandbox, redis_hub):
    with StatsDelta(sandbox, "medical_insurance") as d:
        adapters.medical_insurance.account(WANG)
        adapters.medical_insurance.account(LI)
        make_adapter("medical_insurance").account(ZHAO)  # another worker: same Redis, no new token
    assert d["tokens_issued"] == 1
    ttl = redis_hub.text.pttl(redis_hub.key("token", "medical_insurance"))
    assert 0 < ttl <= (120 - 30) * 1000  # shorter than the token's life


def test_a_revoked_token_is_renewed_once_and_the_call_retried(adapters, sandbox):
    adapters.medical_insurance.account(WANG)
    sandbox.revoke_tokens("medical_insurance")
    with StatsDelta(sandbox, "medical_insurance") as d:
        assert adapters.medical_insurance.account(WANG).balance == Decimal("4380.20")
    assert d["tokens_issued"] == 1
    assert d["endpoint:account"] == 2  # the refused call and its one retry


def test_refused_even_with_a_fresh_token_is_an_auth_error(adapters, sandbox):
    adapters.medical_insurance.account(WANG)
    sandbox.fault("medical_insurance", "auth_reject", times=2)
    with StatsDelta(sandbox, "medical_insurance") as d, pytest.raises(BackendAuthError):
        adapters.medical_insurance.account(WANG)
    # refused call, token fetch (refused too), and no endless loop
    assert d["requests"] == 2


def test_wrong_client_secret(make_adapter):
    with pytest.raises(BackendAuthError):
        make_adapter("medical_insurance", client_secret="nope").account(WANG)
