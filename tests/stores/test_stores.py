"""The Redis-backed stores of the citizen services (real Redis, test prefix)."""
import datetime as dt
import time

from bot.city.service_settings import BindingSettings, HandoffSettings
from bot.core.clock import CITY_TZ, CLOCK
from bot.core.messages import Choice, Choices, Text
from bot.stores.binding_guard import BindingGuard
from bot.stores.callbacks import CallbackTasks
from bot.stores.handoff import HandoffDesk
from bot.stores.outbox import Outbox
from bot.stores.ratings import RatingBook
from bot.stores.sessions import Form, Session, SessionStore
from tests.fixtures.clock import at

KEY = b"k" * 32


def test_lockout_after_max_failures_per_user_and_per_id(redis_hub):
    guard = BindingGuard(redis_hub, BindingSettings(max_failures=3, lock_s=600, resend_after_s=60))
    assert [guard.failure("c:a", "idhash") for _ in range(3)] == [2, 1, 0]
    assert 590 < guard.locked_for("c:a") <= 600
    # Another account trying the same ID number is locked too.
    assert guard.locked_for("c:other", "idhash") > 0
    assert guard.locked_for("c:other") == 0


def test_success_resets_the_count_and_resend_is_rate_limited(redis_hub):
    guard = BindingGuard(redis_hub, BindingSettings(max_failures=3, lock_s=600, resend_after_s=60))
    guard.failure("c:a", "h")
    guard.failure("c:a", "h")
    guard.succeeded("c:a", "h")
    assert guard.failure("c:a", "h") == 2
    guard.code_sent("c:a")
    assert 0 < guard.resend_wait("c:a") <= 60


def test_session_is_encrypted_at_rest(redis_hub):
    store = SessionStore(redis_hub, ttl_s=60, data_key=KEY)
    s = Session(form=Form(intent="bind_identity", slots={"id_number": "510104198506122310"}))
    s.remember("citizen", "王建国")
    store.save("c:u", s)
    raw = redis_hub.text.get(redis_hub.key("session", "c:u"))
    assert raw.startswith("v1:") and "5101" not in raw and "王建国" not in raw
    loaded = store.load("c:u")
    assert loaded.form.slots["id_number"] == "510104198506122310" and loaded.history == [["citizen", "王建国"]]
    # Another user's key cannot open it (the user key is the associated data).
    redis_hub.text.set(redis_hub.key("session", "c:v"), raw)
    assert store.load("c:v").form is None


def test_ratings_are_counted_per_intent_department_and_level(redis_hub):
    book = RatingBook(redis_hub)
    book.record("query_housing_fund", "住房公积金管理中心", "满意")
    book.record("query_housing_fund", "住房公积金管理中心", "满意")
    book.record("file_complaint", "生态环境局", "不满意")
    assert book.count("query_housing_fund", "住房公积金管理中心", "满意") == 2
    assert {"intent": "file_complaint", "department": "生态环境局", "level": "不满意", "count": 1} in book.counts()


def test_callback_tasks_open_and_close(redis_hub):
    tasks = CallbackTasks(redis_hub, Outbox(redis_hub))
    task_id = tasks.open(reason="bad_rating", user_key="c:u", department="生态环境局", intent="file_complaint",
                         note="联系电话13880000001")
    [task] = tasks.open_tasks()
    assert task["id"] == task_id and "138****0001" in task["note"]
    assert tasks.close(task_id, "已回访") and tasks.open_tasks() == []


def test_callback_tasks_are_dated_by_the_citys_day_on_the_moved_clock(redis_hub, travel):
    # 07:30 in Chengdu on New Year's Day is still 2026-12-31 in UTC (the servers' zone).
    travel(at("2027-01-01T07:30"))
    tasks = CallbackTasks(redis_hub, Outbox(redis_hub))
    task_id = tasks.open(reason="after_hours", user_key="c:u", department="12345热线", intent="request_human",
                         served_at=CLOCK.time())
    assert task_id.startswith("CB20270101")
    tasks.close(task_id, "已回访")
    task = tasks.get(task_id)
    opened, closed = (dt.datetime.fromtimestamp(task[k], CITY_TZ) for k in ("opened_at", "closed_at"))
    assert opened.date() == closed.date() == dt.date(2027, 1, 1) and opened <= closed
    assert 0 <= task["opened_at"] - task["served_at"] < 5     # one time base with what was served


def test_outbox_keeps_replies_for_channels_without_push(redis_hub):
    box = Outbox(redis_hub)
    box.send("test:u", [Text("你好"), Choices("选", (Choice("a", "/greet"),))])
    assert box.drain("test:u") == [Text("你好"), Choices("选", (Choice("a", "/greet"),))]
    assert box.drain("test:u") == []
    pushed = []
    box.register("wechat_oa", lambda user_id, replies: pushed.append((user_id, replies)))
    box.send("wechat_oa:openid1", [Text("hi")])
    assert pushed == [("openid1", [Text("hi")])]


def test_handoff_queue_take_talk_close(redis_hub):
    box = Outbox(redis_hub)
    desk = HandoffDesk(redis_hub, HandoffSettings(wait_timeout_s=60, idle_timeout_s=120), box)
    assert desk.open("c:a", [("citizen", "我的身份证510104198506122310")]) == 1
    assert desk.open("c:b", []) == 2
    state = desk.state_of("c:a")
    assert state.in_handoff and state.state == "waiting"
    taken = desk.take_next("A07")
    assert taken["user_key"] == "c:a" and desk.state_of("c:a").state == "active"
    assert "510***********2310" in desk.transcript(taken["ticket"])[0]["text"]
    assert desk.agent_says(taken["ticket"], "A07", "您好，请讲")
    assert [r.text for r in box.drain("c:a")] == ["工作人员已接入，请直接描述您的问题。", "【人工客服】您好，请讲"]
    desk.close_by_agent(taken["ticket"], [Text("再见")])
    assert not desk.state_of("c:a").in_handoff and desk.waiting() == 1


def test_handoff_times_out_and_says_so_once(redis_hub):
    desk = HandoffDesk(redis_hub, HandoffSettings(wait_timeout_s=60, idle_timeout_s=120), Outbox(redis_hub))
    desk.open("c:a", [])
    redis_hub.text.pexpire(redis_hub.key("handoff", "user", "c:a"), 1)
    time.sleep(0.01)
    assert desk.state_of("c:a").timed_out
    assert not desk.state_of("c:a").timed_out
    assert desk.take_next("A07") is None   # the timed-out one is not handed to an agent


def test_resend_wait_holds_per_user_and_per_id_number(redis_hub):
    guard = BindingGuard(redis_hub, BindingSettings(max_failures=3, lock_s=600, resend_after_s=60))
    guard.code_sent("c:a", "idhash", "138****0001")
    assert 0 < guard.resend_wait("c:a") <= 60
    assert 0 < guard.resend_wait("c:other", "idhash") <= 60     # another account, the same ID number
    assert guard.resend_wait("c:other", "another-id") == 0
    assert guard.sent_to("idhash") == "138****0001"
    guard.forget_user("c:a")                                    # unsubscribing is no way around it
    assert guard.resend_wait("c:b", "idhash") > 0


def test_name_mismatches_count_per_user_only(redis_hub):
    guard = BindingGuard(redis_hub, BindingSettings(max_failures=3, lock_s=600, resend_after_s=60))
    assert [guard.mismatch("c:stranger") for _ in range(3)] == [2, 1, 0]
    assert guard.locked_for("c:stranger") > 0
    assert guard.locked_for("c:owner", "idhash") == 0


def test_outbox_delivers_what_waited_when_a_sender_registers(redis_hub):
    box = Outbox(redis_hub)
    box.send("wechat_oa:openid1", [Text("一")])
    box.send("wechat_oa:openid1", [Text("二")])
    box.send("miniprogram:x", [Text("别的渠道")])
    pushed = []
    assert box.register("wechat_oa", lambda user_id, replies: pushed.append((user_id, replies))) == 1
    assert pushed == [("openid1", [Text("一"), Text("二")])]
    assert box.drain("wechat_oa:openid1") == []
    assert box.drain("miniprogram:x") == [Text("别的渠道")]      # other channels keep waiting


def test_outbox_keeps_what_a_failing_sender_could_not_deliver(redis_hub):
    box = Outbox(redis_hub)

    def broken(user_id, replies):
        raise ConnectionError("45015 out of the 48-hour window")
    box.register("wechat_oa", broken)
    box.send("wechat_oa:openid1", [Text("一")])
    box.send("wechat_oa:openid1", [Text("二")])
    pushed = []
    box.register("wechat_oa", lambda user_id, replies: pushed.append(replies))
    box.send("wechat_oa:openid1", [Text("三")])
    assert pushed == [[Text("一"), Text("二")], [Text("三")]]   # nothing lost, in order


def test_waiting_replies_are_sealed_in_redis(redis_hub):
    import os
    box = Outbox(redis_hub, os.urandom(32))
    box.send("wechat_oa:o1", [Text("您的身份证510104198506122310已核验")])
    [raw] = redis_hub.text.lrange(redis_hub.key("outbox", "wechat_oa:o1"), 0, -1)
    assert "510104198506122310" not in raw and "核验" not in raw
    assert [r.text for r in box.drain("wechat_oa:o1")] == ["您的身份证510104198506122310已核验"]
