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


# -- the 12345 office's operations ---------------------------------------------------------------
def test_staff_list_orders_by_department_and_status(adapters):
    mine = create(adapters)
    listed = adapters.workorders.staff_orders(department="生态环境局")
    assert mine.order_no in [o.order_no for o in listed]
    assert {o.department for o in listed} == {"生态环境局"}
    assert {o.status for o in adapters.workorders.staff_orders(status="处理中")} == {"处理中"}
    everyone = adapters.workorders.staff_orders()
    assert {o.order_no for o in listed} < {o.order_no for o in everyone}
    assert len({o.order_no for o in everyone}) == len(everyone)


def test_transfer_re_routes_an_order_and_notes_it(adapters):
    order = create(adapters)
    moved = adapters.workorders.transfer(order.order_no, "城市管理和综合执法局", "施工扬尘归城管")
    assert moved.department == "城市管理和综合执法局" and moved.steps[-1].stage == "转办"
    assert "生态环境局" in moved.steps[-1].note and "施工扬尘归城管" in moved.steps[-1].note
    from adapters.errors import Conflict
    with pytest.raises(Conflict):      # already theirs
        adapters.workorders.transfer(order.order_no, "城市管理和综合执法局")
    with pytest.raises(NotFound):
        adapters.workorders.transfer("GD20000101000001", "教育局")


def test_merge_a_duplicate_into_the_order_it_repeats(adapters):
    kept, dup = create(adapters), create(adapters)
    merged = adapters.workorders.merge(dup.order_no, kept.order_no)
    assert merged.status == "已合并" and merged.done and kept.order_no in merged.steps[-1].note
    assert dup.order_no in adapters.workorders.get(kept.order_no, None).steps[-1].note
    from adapters.errors import Conflict
    with pytest.raises(Conflict):
        adapters.workorders.merge(dup.order_no, kept.order_no)
    with pytest.raises(Conflict):
        adapters.workorders.merge(kept.order_no, kept.order_no)
