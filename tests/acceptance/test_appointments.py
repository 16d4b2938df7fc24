"""Point 7 — appointments: item, hall, date, slot; confirm; cancel; never double-booked."""
import re

import pytest

from tests.fixtures.chat import LIU, WANG, number_of, offered, roomy_slot
from tests.fixtures.clock import DATES


def _to_confirmation(c, day: str | None = None, start: str | None = None) -> tuple[str, str]:
    """To the confirmation at the first hall, on `day` at `start` if given, else on the first day
    offered at the first slot with room for two (so that it is still offered once booked, whatever
    the unseen citizens took on this date); returns (day, start)."""
    c.say("预约办事大厅")
    if "事项" in c.text():
        c.say("居住证")
    if "已经预约了" in c.text():
        c.say("1")    # 改约到其他时间
    c.say("1")    # hall
    day = day or offered(c.replies)[0].reply
    c.say(number_of(c.replies, day))
    start = start or roomy_slot(c.replies)
    c.say(number_of(c.replies, start))
    assert "请确认预约信息" in c.text()
    return day, start


def test_book_and_cancel(talk):
    c = talk()
    c.bind(WANG)
    _to_confirmation(c)
    number = re.search(r"YY\d{14}", c.say("确认")).group(0)
    assert "预约成功" in c.text() and "请携带" in c.text()
    assert number in c.say("我的预约")
    c.say("取消预约")
    if "要取消哪个" in c.text():
        c.say(number)
    assert f"已取消预约 {number}" in c.say("确定")


@pytest.mark.parametrize("when", DATES)
def test_never_double_booked(talk, stack_runtime, redis_hub, sandbox, travel, when):
    travel(when)
    c = talk()
    c.bind(LIU)
    day, start = _to_confirmation(c)
    key = redis_hub.key("session", c.user_key)
    pending = redis_hub.text.get(key)
    created = sandbox.stats("appointments")["created"]
    first = re.search(r"YY\d{14}", c.say("确认")).group(0)
    redis_hub.text.set(key, pending)                 # the same confirmation arrives again
    second = re.search(r"YY\d{14}", c.say("确认")).group(0)
    assert second == first and sandbox.stats("appointments")["created"] == created + 1
    _to_confirmation(c, day, start)                   # a new request for the same slot
    assert "原预约" in c.text() and start in c.text()  # offered as a reschedule of the booking held
    assert "已经预约过这个时段" in c.say("确认")
    assert [b.booking_no for b in stack_runtime.adapters.appointments.bookings(LIU[1])
            if b.item == "居住证" and b.status == "已预约"] == [first]
    stack_runtime.adapters.appointments.cancel(first, LIU[1])


def test_appointments_system_down_midway(talk, sandbox):
    c = talk()
    c.bind(WANG)
    c.say("预约办事大厅")
    c.say("居住证")
    c.say("1")                                       # hall
    sandbox.fault("appointments", "down")
    assert "大厅预约系统暂时无法访问" in c.say("1")     # the day: its free slots cannot be read
    sandbox.reset()
    assert "什么事项" in c.say("预约办事大厅")          # back up: a fresh start works


def test_a_day_corrected_with_a_reason_naming_another_day_takes_the_day_chosen(talk, stack_runtime, travel):
    from tests.fixtures.clock import at
    travel(at("2026-12-07T10:00"))   # a Monday: 周四 = 12-10, 周五 = 12-11
    c = talk()
    c.bind(WANG)
    c.say("预约")
    assert "12月10日（周四）" in c.say("社保卡补办 青羊区 周四上午")
    assert "12月11日（周五）" in c.say("不对 改成周五，周四我要上班")
    assert "12月10日（周四）" in c.say("周四")
    reply = c.say("是周五 周四那天我上班")   # (the reason says no "要上班" that turns 周四 down)
    assert "12月11日（周五）" in reply
    assert stack_runtime.sessions.load(c.user_key).form.data["date"] == "2026-12-11"


@pytest.mark.parametrize("said", ["下午吧 上午要上课", "约下午嘛 上午我在学校", "下午 上午赶不过来"])
def test_a_half_day_corrected_with_a_reason_naming_the_other_takes_the_half_day_chosen(talk, stack_runtime, travel, said):
    from tests.fixtures.clock import at
    travel(at("2026-12-07T10:00"))   # a Monday: 周四 = 12-10
    c = talk()
    c.bind(WANG)
    c.say("预约")
    c.say("社保卡补办 青羊区 周四上午")
    assert stack_runtime.sessions.load(c.user_key).form.data["part"] == "am"
    reply = c.say(said)
    data = stack_runtime.sessions.load(c.user_key).form.data
    assert data["part"] == "pm" and data["date"] == "2026-12-10"
    assert all(start >= "12:00" for start in data["slot_options"]) and "13:30" in reply
