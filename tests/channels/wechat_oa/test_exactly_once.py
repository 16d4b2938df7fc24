"""WeChat's retries run the handler once and get the same bytes, in any process (§1.5)."""
from __future__ import annotations

import threading
import time

import pytest

from bot.channels.wechat_oa.xml_in import read_message
from tests.fixtures.wechat import ChannelApp, FakeDispatcher
from tests.fixtures.wx import event_fields, text_fields


@pytest.mark.parametrize("encrypted", [False, True])
def test_three_identical_retries_run_once_with_identical_bytes(wapp, encrypted):
    push = wapp.wx.push(text_fields("社保查询"), encrypted=encrypted)
    bodies = [wapp.wx.send(wapp.client, push).data for _ in range(3)]
    assert len(wapp.dispatcher.calls) == 1
    assert bodies[0] == bodies[1] == bodies[2]
    assert wapp.wx.reply_fields(wapp.wx.send(wapp.client, push))["Content"] == "echo:社保查询"


def test_events_dedup_on_user_time_event_and_key(wapp):
    t = int(time.time())
    click = event_fields("CLICK", create_time=t, EventKey="query_housing_fund")
    location = event_fields("LOCATION", create_time=t, Latitude="30.6", Longitude="104.0", Precision="1")
    other_click = event_fields("CLICK", create_time=t, EventKey="query_social_security")
    subscribe = event_fields("subscribe", create_time=t, EventKey="")
    for fields in (click, click, location, other_click, subscribe, subscribe):
        assert wapp.send(fields).status_code == 200
    assert [i.intent for i in wapp.dispatcher.calls] == ["query_housing_fund", "query_social_security", "greet"]


def test_same_msgid_different_nonce_is_still_one_turn(wapp):
    """WeChat re-signs its retries sometimes: the MsgId decides, not the query string."""
    fields = text_fields("同一条消息")
    first = wapp.send(fields).data
    again = wapp.send(fields).data
    assert first == again and len(wapp.dispatcher.calls) == 1


def test_retry_while_the_first_is_still_running_waits_for_it(make_app):
    wapp = make_app(dispatcher=FakeDispatcher(delay_s=1.0))
    push = wapp.wx.push(text_fields("慢一点"))
    results = {}

    def send(name):
        client = wapp.app.test_client()
        results[name] = wapp.wx.send(client, push).data

    first = threading.Thread(target=send, args=("first",))
    first.start()
    time.sleep(0.3)              # the retry arrives while the first copy is being answered
    send("retry")
    first.join()
    assert len(wapp.dispatcher.calls) == 1
    assert results["first"] == results["retry"]
    assert b"echo:" in results["retry"]


def test_retries_across_separate_processes_share_one_turn(redis_hub, sim):
    """Two independent apps (as two gunicorn workers would be) share only Redis."""
    dispatcher = FakeDispatcher(delay_s=0.5)
    a, b = ChannelApp(redis_hub, dispatcher), ChannelApp(redis_hub, dispatcher)
    push = a.wx.push(text_fields("跨进程"))
    out = {}
    threads = [threading.Thread(target=lambda n=n, app=app: out.__setitem__(n, app.wx.send(app.client, push).data))
               for n, app in enumerate((a, b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(dispatcher.calls) == 1
    assert out[0] == out[1] == out[2]


def test_a_push_orphaned_by_a_dead_process_is_answered_by_the_retry(wapp):
    fields = text_fields("孤儿")
    record = wapp.webhook.records.key(read_message({k: str(v) for k, v in fields.items()}).dedup_key)
    # A process claimed it a minute ago and died before answering.
    wapp.hub.text.hset(record, mapping={"state": "running", "started": f"{time.time() - 60:.3f}"})
    r = wapp.send(fields)
    assert wapp.wx.reply_fields(r)["Content"] == "echo:孤儿"
    assert len(wapp.dispatcher.calls) == 1


def test_a_push_still_running_inside_the_budget_is_not_taken_over(make_app):
    wapp = make_app(reply_budget_s=0.5)
    fields = text_fields("还在跑")
    record = wapp.webhook.records.key(read_message({k: str(v) for k, v in fields.items()}).dedup_key)
    wapp.hub.text.hset(record, mapping={"state": "running", "started": f"{time.time():.3f}"})
    r = wapp.send(fields)
    assert r.data == b"success" and wapp.dispatcher.calls == []


def _fail_once(obj, name, error=RuntimeError("Redis went away"), delay_s=0.0):
    """Make obj.<name> raise on its first call (after `delay_s`), then behave."""
    real, failures = getattr(obj, name), []

    def failing_once(*args, **kw):
        if not failures:
            failures.append(1)
            time.sleep(delay_s)
            raise error
        return real(*args, **kw)

    setattr(obj, name, failing_once)
    return failures


@pytest.mark.parametrize("step", ["render", "finish"])
def test_a_failure_after_the_turn_ran_is_answered_by_the_retry_without_running_it_again(wapp, step):
    """Once the dispatcher has answered, the answer is kept: WeChat's retry sends it and the
    turn (which may have changed the citizen's state) never runs twice."""
    if step == "render":
        _fail_once(wapp.webhook, "_reply")
    else:   # the finishing pipeline (reply, pages, customer-service window)
        _fail_once(wapp.webhook.customer_service, "note_user_action")
    wapp.late.users.park("oUser_1", "等着的答复")
    push = wapp.wx.push(text_fields("再试一次"))
    assert wapp.wx.send(wapp.client, push).status_code == 503
    retry = wapp.wx.send(wapp.client, push)
    content = wapp.wx.reply_fields(retry)["Content"]
    assert "等着的答复" in content and "echo:再试一次" in content
    assert len(wapp.dispatcher.calls) == 1
    assert wapp.wx.send(wapp.client, push).data == retry.data      # and the next retry: the same bytes
    assert wapp.late.users.take_parked("oUser_1") == []            # shown once, not parked again


def test_a_waiting_retry_sends_the_answer_its_first_copy_could_not(make_app):
    wapp = make_app(dispatcher=FakeDispatcher(delay_s=0.5))
    _fail_once(wapp.webhook, "_reply")
    push = wapp.wx.push(text_fields("第一份没发出去"))
    results = {}
    first = threading.Thread(target=lambda: results.__setitem__("first", wapp.wx.send(wapp.app.test_client(), push)))
    first.start()
    time.sleep(0.2)              # the retry waits while the first copy runs the turn, then fails
    retry = wapp.wx.send(wapp.client, push)
    first.join()
    assert results["first"].status_code == 503
    assert wapp.wx.reply_fields(retry)["Content"] == "echo:第一份没发出去"
    assert len(wapp.dispatcher.calls) == 1


def test_a_waiting_retry_takes_over_when_the_first_copy_fails_before_the_turn(wapp):
    """The first copy fails before the dispatcher ran and releases the push: the retry already
    waiting for it runs it, rather than answering `success` and losing the message."""
    _fail_once(wapp.webhook, "_answer", delay_s=0.5)
    push = wapp.wx.push(text_fields("别丢了"))
    results = {}
    first = threading.Thread(target=lambda: results.__setitem__("first", wapp.wx.send(wapp.app.test_client(), push)))
    first.start()
    time.sleep(0.2)
    retry = wapp.wx.send(wapp.client, push)
    first.join()
    assert results["first"].status_code == 503
    assert retry.status_code == 200 and wapp.wx.reply_fields(retry)["Content"] == "echo:别丢了"
    assert len(wapp.dispatcher.calls) == 1
