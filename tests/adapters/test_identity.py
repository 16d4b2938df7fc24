from __future__ import annotations

import pytest

from adapters.errors import BackendAuthError, BackendUnavailable, NotFound
from adapters.records import CodeSent, IdentityMatch
from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import LI, UNKNOWN, WANG


def test_verify_matches_name_and_id(adapters):
    assert adapters.identity.verify("王建国", WANG) == IdentityMatch(True, "138****0001")
    assert adapters.identity.verify(" 李芳 ", LI.lower()) == IdentityMatch(True, "138****0002")


def test_a_wrong_name_and_an_unknown_id_look_the_same(adapters):
    wrong_name = adapters.identity.verify("王建", WANG)
    unknown_id = adapters.identity.verify("王建国", UNKNOWN)
    assert wrong_name == unknown_id == IdentityMatch(False, None)


def test_code_goes_to_the_phone_on_file_and_sandbox_code_works(adapters):
    assert adapters.identity.send_code(WANG) == CodeSent("138****0001", 300)
    assert adapters.identity.check_code(WANG, "123456") is True
    assert adapters.identity.check_code(WANG, "654321") is False


def test_without_the_shortcut_123456_is_refused(make_adapter):
    identity = make_adapter("identity", sandbox_sms_shortcut=False)
    identity.send_code(WANG)
    assert identity.check_code(WANG, "123456") is False


def test_no_code_for_an_unknown_id(adapters):
    with pytest.raises(NotFound):
        adapters.identity.send_code(UNKNOWN)


def test_a_wrong_api_key_is_an_auth_error(make_adapter):
    with pytest.raises(BackendAuthError) as e:
        make_adapter("identity", api_key="wrong").verify("王建国", WANG)
    assert e.value.backend == "identity"


def test_sending_a_code_is_not_retried_on_5xx(adapters, sandbox):
    # A retry could text the citizen twice: the gateway may have sent it.
    sandbox.fault("identity", "error_503", times=1)
    with StatsDelta(sandbox, "identity") as d, pytest.raises(BackendUnavailable):
        adapters.identity.send_code(WANG)
    assert d["requests"] == 1


def test_verify_is_retried_on_503(adapters, sandbox):
    sandbox.fault("identity", "error_503", times=1)
    with StatsDelta(sandbox, "identity") as d:
        assert adapters.identity.verify("王建国", WANG).matched
    assert d["requests"] == 2
