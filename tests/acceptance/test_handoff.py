"""Point 9 — handoff: within office hours the queue, a quiet bot until closed or
timed out; outside office hours a work order and a promised call-back."""
import datetime as dt
import re
import time

import pytest

from bot.core.messages import Text
from tests.fixtures.chat import CST
from tests.fixtures.clock import at

FRIDAY_10 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST)
SATURDAY_20 = dt.datetime(2026, 11, 28, 20, 0, tzinfo=CST)
NATIONAL_DAY = dt.datetime(2026, 10, 2, 10, 0, tzinfo=CST)


def test_inside_office_hours_the_bot_stays_quiet_until_closed(talk, stack_runtime, travel):
    travel(FRIDAY_10)
    c = talk()
    delivered = []    # the channel's push sender (WeChat registers one the same way)
    stack_runtime.services.outbox.register("test", lambda user_id, replies: delivered.append((user_id, replies)))
    assert "已为您转接人工客服" in c.say("转人工")
    assert c.send("我的签注怎么还没好") == []
    desk = stack_runtime.services.handoff
    ticket = desk.take_next("A07")
    assert ticket["user_key"] == c.user_key
    desk.agent_says(ticket["ticket"], "A07", "您好，我来帮您查")
    assert c.send("好的谢谢") == []
    assert desk.close_by_agent(ticket["ticket"], [Text("工作人员已结束本次人工服务。")])
    assert [(user_id, [r.text for r in replies]) for user_id, replies in delivered] == [
        (c.user_id, ["工作人员已接入，请直接描述您的问题。"]), (c.user_id, ["【人工客服】您好，我来帮您查"]),
        (c.user_id, ["工作人员已结束本次人工服务。"])]
    assert "您好" in c.say("你好")      # the bot answers again


def test_without_a_push_sender_the_agent_reply_comes_with_the_next_answer(talk, stack_runtime, travel):
    travel(FRIDAY_10)
    c = talk()
    c.say("转人工")
    desk = stack_runtime.services.handoff
    ticket = desk.take_next("A07")
    desk.agent_says(ticket["ticket"], "A07", "您好，请问办什么业务")
    # The channel cannot push: what the agent said is the answer to the citizen's next message.
    assert [r.text for r in c.send("在吗")] == ["工作人员已接入，请直接描述您的问题。", "【人工客服】您好，请问办什么业务"]
    assert c.send("签注进度") == []     # delivered once


def test_the_handoff_times_out(talk, stack_runtime, redis_hub, travel):
    travel(FRIDAY_10)
    c = talk()
    c.say("人工客服")
    redis_hub.text.pexpire(redis_hub.key("handoff", "user", c.user_key), 1)
    time.sleep(0.01)
    assert "超时" in c.say("还有人吗")


@pytest.mark.parametrize("when", [
    pytest.param(SATURDAY_20, id="saturday-evening"), pytest.param(NATIONAL_DAY, id="national-day"),
    pytest.param(at("2027-01-01T10:00"), id="new-years-day"),
    pytest.param(at("2027-02-08T10:00"), id="spring-festival"),
])
def test_outside_office_hours_a_call_back(talk, stack_runtime, travel, when):
    travel(when)
    c = talk()
    assert "非工作时间" in c.say("我要找工作人员")
    reply = c.say("13880000009")
    assert "工单号 GD" in reply and "回电" in reply
    # The work order is numbered by the 12345 system's own date, which moved with the clock.
    assert re.search(r"GD" + when.strftime("%Y%m%d") + r"\d{6}", reply)
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert task["reason"] == "handoff_after_hours" and task["order_no"] in reply


@pytest.mark.parametrize("said", ["我姓何 电话13812345678 麻烦回个电话", "麻烦回个电话 13812345678 何女士"])
def test_a_call_back_asked_for_with_personal_details_takes_the_phone(talk, stack_runtime, travel, said):
    travel(SATURDAY_20)
    c = talk()
    reply = c.say(said)
    assert "工单号 GD" in reply and "手机号" not in reply
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert task["phone_masked"] == "138****5678"
    # and in the call-back's own flow, with other details around the phone
    c = talk()
    c.say("转人工")
    assert "工单号 GD" in c.say("帮我记一下 是公积金提取被退回的事 手机188 2830 4417")
    assert {t["phone_masked"] for t in stack_runtime.services.callbacks.open_tasks()} == {"138****5678", "188****4417"}
