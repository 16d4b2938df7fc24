from __future__ import annotations

import pytest

from adapters.errors import BackendTimeout, NotFound
from tests.adapters.seeds import LIU, WANG


def test_liu_yang_licence_is_ready(adapters):
    reg = adapters.market_regulation.registration("QY20261105000789", LIU)
    assert (reg.company_name, reg.status, reg.licence_ready) == ("成都刘洋餐饮管理有限公司", "已核准", True)
    assert "高新区政务服务中心" in reg.collect_place


def test_someone_elses_registration_is_not_found(adapters):
    with pytest.raises(NotFound):
        adapters.market_regulation.registration("QY20261105000789", WANG)


def test_registrations(adapters):
    assert [r.status for r in adapters.market_regulation.registrations(LIU)] == ["已核准", "审查中"]


def test_slower_than_the_read_timeout(make_adapter):
    # The bureau takes ~350 ms; a 0.1 s read timeout cannot wait for it.
    with pytest.raises(BackendTimeout):
        make_adapter("market_regulation", read_timeout_s=0.1).registrations(LIU)
