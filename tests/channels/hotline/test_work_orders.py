"""HotlineWorkOrders on its own, with a work-order system that refuses what a real one might
(a unit test of one class: the rest of the hotline's tests use the sandbox over HTTP)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from adapters.errors import BusinessError
from bot.channels.hotline import read_array
from bot.channels.hotline.understanding import Analysis
from bot.channels.hotline.work_orders import HotlineWorkOrders
from tests.fixtures.hotline import call


class PickyWorkOrders:
    """Refuses any contact phone, like a backend with its own idea of a phone's shape."""

    def __init__(self):
        self.created: list[dict] = []

    def create(self, **fields):
        if fields["contact_phone"]:
            raise BusinessError("workorders", "联系电话格式不正确", code="E400")
        self.created.append(fields)
        return SimpleNamespace(order_no=f"GD{len(self.created):014d}", status="已受理")


def analysis(phone: str | None) -> Analysis:
    return Analysis(intent="file_complaint", secondary_intents=[], topic="noise", department="生态环境局",
                    district=None, entities=[], contact_phone=phone, complaint_text="楼下太吵")


def test_a_refused_call_back_number_is_left_out_and_reported_never_the_complaint(redis_hub):
    orders = HotlineWorkOrders(PickyWorkOrders(), redis_hub)
    [c] = read_array([call("PICKY-1", "我要投诉楼下太吵")])
    filed = orders.file(c, analysis("18628305147"))
    assert filed.new and filed.order_no.startswith("GD")
    assert "contact phone refused" in filed.note and "E400" in filed.note
    assert orders.workorders.created[0]["contact_phone"] is None
    assert orders.workorders.created[0]["district"] == "成都市"     # no district: still filed, triaged


def test_a_refusal_of_anything_else_is_reported_not_hidden(redis_hub):
    orders = HotlineWorkOrders(PickyWorkOrders(), redis_hub)
    orders.workorders.create = lambda **f: (_ for _ in ()).throw(BusinessError("workorders", "缺少字段", "E400"))
    [c] = read_array([call("PICKY-2", "我要投诉楼下太吵")])
    with pytest.raises(BusinessError):
        orders.file(c, analysis(None))
