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
