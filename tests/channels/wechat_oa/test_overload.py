"""Never late under overload: the budget runs from WeChat's own `timestamp` (and the proxy's
X-Request-Start), so a push that waited in a backlog is answered "on its way" at once, without
running its turn here; its turn goes to the workers' queue and its answer comes once, as a
customer-service message. Admission control: with wechat.max_backlog turns queued, a new push is
asked to try again later. What was answered is asserted, never how fast."""
from __future__ import annotations

import time

from bot.channels.wechat_oa.signing import parse_request_start
from bot.channels.wechat_oa.webhook import BUSY, ON_ITS_WAY
from tests.fixtures.wx import text_fields


def _content(wapp, response) -> str:
    assert response.status_code == 200
    return wapp.wx.reply_fields(response)["Content"]


def test_a_push_stamped_long_ago_is_queued_at_once_and_answered_once(make_app, sim):
    wapp = make_app()
    # WeChat stamped it 4 s ago (it sat in a socket backlog): too little of the 5 s is left.
    late = wapp.wx.push(text_fields("公积金余额", openid="oBacklog_1"), timestamp=int(time.time()) - 4)
    assert _content(wapp, wapp.wx.send(wapp.client, late)) == ON_ITS_WAY
    assert wapp.dispatcher.calls == []                       # not run in the web process
    assert wapp.late.jobs.backlog() == 1
    # WeChat's retry of the same push gets the same reply and queues nothing more.
    assert _content(wapp, wapp.wx.send(wapp.client, late)) == ON_ITS_WAY
    wapp.run_jobs(until=lambda: len(sim.received("custom")) == 1)
    (sent,) = sim.received("custom")
    assert sent["body"]["touser"] == "oBacklog_1" and sent["body"]["text"]["content"] == "echo:公积金余额"
    assert len(wapp.dispatcher.calls) == 1
    # a fresh push is still answered in its passive reply
    assert _content(wapp, wapp.send(text_fields("你好", openid="oBacklog_2"))) == "echo:你好"


def test_the_proxys_request_start_counts_too(make_app, sim):
    wapp = make_app()
    push = wapp.wx.push(text_fields("社保", openid="oBacklog_3"))   # stamped now by WeChat ...
    queued_since = f"t={time.time() - 4.5:.3f}"                     # ... but the proxy has held it 4.5 s
    reply = wapp.wx.send(wapp.client, push, headers={"X-Request-Start": queued_since})
    assert _content(wapp, reply) == ON_ITS_WAY and wapp.dispatcher.calls == []


def test_admission_control_bounds_the_queue(make_app, sim):
    wapp = make_app(max_backlog=2)
    stamped = int(time.time()) - 4
    for i in range(2):
        push = wapp.wx.push(text_fields(f"问题{i}", openid=f"oCrowd_{i}"), timestamp=stamped)
        assert _content(wapp, wapp.wx.send(wapp.client, push)) == ON_ITS_WAY
    push = wapp.wx.push(text_fields("问题2", openid="oCrowd_2"), timestamp=stamped)
    assert _content(wapp, wapp.wx.send(wapp.client, push)) == BUSY    # told at once, nothing queued
    assert wapp.late.jobs.backlog() == 2
    wapp.run_jobs(until=lambda: len(sim.received("custom")) == 2)
    assert sorted(m["body"]["touser"] for m in sim.received("custom")) == ["oCrowd_0", "oCrowd_1"]
    assert len(wapp.dispatcher.calls) == 2


def test_request_start_formats():
    now = time.time()
    assert abs(parse_request_start(f"t={now:.3f}") - now) < 0.01          # nginx: seconds
    assert abs(parse_request_start(str(int(now * 1000))) - now) < 0.01     # milliseconds
    assert abs(parse_request_start(f"t={int(now * 1e6)}") - now) < 0.01    # microseconds
    assert parse_request_start("soon") is None and parse_request_start(None) is None
