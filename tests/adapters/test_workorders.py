from __future__ import annotations

import uuid

import pytest

from adapters.errors import NotFound
from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import LI, WANG


def create(adapters, key=None, id_number=WANG):
    return adapters.workorders.create(topic="noise", department="生态环境局", content="夜间施工噪音",
                                      district="武侯区", contact_phone="13880000001", id_number=id_number,
                                      idempotency_key=key or uuid.uuid4().hex)


def test_create_and_follow_an_order(adapters):
    order = create(adapters)
    assert order.order_no.startswith("GD") and order.status == "已受理"
    assert order.contact_phone_masked == "138****0001"
    got = adapters.workorders.get(order.order_no, WANG)
    assert got.order_no == order.order_no and got.steps[0].stage == "已受理"


def test_seeded_order_with_its_progress(adapters):
    order = adapters.workorders.get("GD20261028000988", LI)
    assert order.status == "处理中" and [s.stage for s in order.steps] == ["已受理", "已派单", "处理中"]


def test_someone_elses_order_is_not_found(adapters):
    with pytest.raises(NotFound):
        adapters.workorders.get("GD20261028000988", WANG)
    assert adapters.workorders.get("GD20261028000988", None).department == "住房和城乡建设局"


def test_a_503_is_retried_and_files_one_order(adapters, sandbox):
    sandbox.fault("workorders", "error_503", times=1)
    with StatsDelta(sandbox, "workorders") as d:
        create(adapters)
    assert d["requests"] == 2 and d["created"] == 1


def test_the_same_key_files_one_order(adapters, sandbox):
    k = uuid.uuid4().hex
    with StatsDelta(sandbox, "workorders") as d:
        first, again = create(adapters, k), create(adapters, k)
    assert first.order_no == again.order_no and d["created"] == 1


def test_orders_are_read_across_pages(adapters):
    for _ in range(4):
        create(adapters, id_number=LI)
    orders = adapters.workorders.orders(LI)
    assert len(orders) >= 5  # one seeded + four new, three a page
    assert len({o.order_no for o in orders}) == len(orders)
    assert "GD20261028000988" in {o.order_no for o in orders}


def test_an_order_without_a_contact_phone(adapters):
    order = adapters.workorders.create("sanitation", "城市管理和综合执法局", "垃圾没人清", "金牛区", None, None,
                                       uuid.uuid4().hex)
    assert order.contact_phone_masked is None
    assert adapters.workorders.get(order.order_no, None).order_no == order.order_no
