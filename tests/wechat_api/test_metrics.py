"""/metrics counts every call to the WeChat API by path and outcome (ok, rejected with its errcode,
unavailable, timeout), and every customer-service message by what became of it; against the
simulator, as a real WeChat would answer."""
from __future__ import annotations

import pytest

from bot.core import metrics
from bot.wechat_api import WeChatApi, WeChatUnavailable
from bot.wechat_api.customer_service import CustomerService, Outcome
from tests.fixtures.wx import APP_ID

SEND = "cgi-bin/message/custom/send"


def _count(counter, *labels) -> float:
    return counter.labels(*labels)._value.get()


class Delta:
    """How much each (counter, labels) grew during a block."""

    def __init__(self, *watched):
        self.watched = watched

    def __enter__(self):
        self.before = [_count(c, *labels) for c, *labels in self.watched]
        return self

    def __exit__(self, *exc):
        self.grown = [_count(c, *labels) - b for (c, *labels), b in zip(self.watched, self.before)]
        return False


def test_customer_service_sends_are_counted_by_outcome(redis_hub, sim):
    api = WeChatApi(sim.url, APP_ID, "sandbox-secret", redis_hub, timeout=(0.5, 0.5))
    cs = CustomerService(api, redis_hub)
    cs.note_user_action("oMetrics1", "message")
    api.tokens.get()
    calls, messages = metrics.WECHAT_API_CALLS, metrics.CUSTOMER_SERVICE_MESSAGES
    with Delta((calls, SEND, "ok", ""), (calls, SEND, "rejected", "45047"), (calls, SEND, "unavailable", ""),
               (calls, SEND, "maybe_delivered", ""), (messages, "sent"), (messages, "over_quota"), (messages, "failed"),
               (messages, "uncertain"), (messages, "no_window")) as d:
        assert cs.send_text("oMetrics1", "您的申请已受理") is Outcome.SENT
        sim.faults(http_status={"custom": {"status": 503, "times": 1}})
        with pytest.raises(WeChatUnavailable):
            cs.send_text("oMetrics1", "第二条")
        sim.faults(delay_s=1.5, delay_kinds=["custom"])
        assert cs.send_text("oMetrics1", "第三条") is Outcome.UNCERTAIN
        sim.faults(errors={"custom": {"errcode": 45047, "times": 1}})
        assert cs.send_text("oMetrics1", "第四条") is Outcome.OVER_QUOTA
        assert cs.send_text("oNoWindow", "没有窗口") is Outcome.NO_WINDOW     # our own count: no call
    assert d.grown == [1, 1, 1, 1, 1, 1, 1, 1, 1]
    text = metrics.render_latest().decode()
    assert f'wechat_api_calls_total{{api="{SEND}",errcode="45047",outcome="rejected"}}' in text
    assert f'wechat_api_call_seconds_count{{api="{SEND}"}}' in text
    assert 'wechat_customer_service_messages_total{outcome="sent"}' in text
