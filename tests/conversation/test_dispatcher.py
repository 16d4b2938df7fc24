"""The dispatcher's mechanics with a keyword NLU stand-in, on real Redis and the
real sandbox: identity gate, refusals, slot filling, cancel, clarification,
expiry, paging, masking, the lock, NLU outage, handoff and ratings."""
import datetime as dt
import logging
import re
import time

import pytest

from bot.conversation.contract import SlotInvalid
from bot.conversation.words import MORE_WORDS
from bot.core.messages import Choices, Incoming, ListReply, Text
from bot.nlu.client import NluUnavailable
from tests.fixtures.chat import CST, LI, WANG, Chat, affairs_in, windows
from tests.fixtures.clock import DATES, at

OFFICE_OPEN = dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST)     # Friday 10:00
OFFICE_CLOSED = dt.datetime(2026, 11, 28, 20, 0, tzinfo=CST)   # Saturday evening


def test_identity_gate_binds_then_answers_the_original_question(chat):
    first = chat.say("公积金余额多少")
    assert "先核实您的身份" in first and "姓名" in first
    assert "身份证号" in chat.say("王建国")
    sent = chat.say("510104198506122310")
    assert "138****0001" in sent and "13880000001" not in sent
    done = chat.say("123456")
    assert "身份核验成功" in done and "510***********2310" in done
    assert "52,340.56 元" in done and "2,400.00 元" in done   # the waiting question, answered


def test_someone_elses_id_is_refused_without_any_query(chat, sandbox):
    chat.bind(WANG)
    before = sandbox.stats("housing_fund")["requests"]
    reply = chat.say(f"帮我查一下{LI[1]}的公积金")
    assert "只能查询您本人" in reply and LI[1] not in reply
    assert sandbox.stats("housing_fund")["requests"] == before
    # The citizen's own number is fine.
    assert "52,340.56" in chat.say(f"查{WANG[1]}的公积金")


def test_someone_elses_application_answers_like_a_missing_one(chat):
    chat.bind(WANG)
    others = chat.say("签注进度 CJ20261020000456")        # 李芳's
    missing = chat.say("签注进度 CJ20261020999999")       # nobody's
    assert others == missing and "没有查到" in others


def test_malformed_application_number_gets_a_precise_answer(chat):
    chat.bind(WANG)
    assert "日期不对" in chat.say("签注进度 CJ20261301000123")
    assert "16" in chat.say("签注进度 CJ2026110100012") or "14位" in chat.text()


def test_wrong_codes_lock_the_binding(chat, fake_runtime):
    chat.say("实名认证")
    chat.say("王建国")
    chat.say(WANG[1])
    replies = [chat.say("654321") for _ in range(5)]
    assert "还可以再试 4 次" in replies[0] and "还可以再试 1 次" in replies[3]
    assert "已暂停" in replies[4] and "30 分钟" in replies[4]
    # Even the right code is refused now, and from another account with the same ID too.
    assert "已暂停" in chat.say("实名认证")
    other = Chat(fake_runtime)
    other.say("实名认证")
    other.say("王建国")
    assert "已暂停" in other.say(WANG[1])
    assert fake_runtime.identity.get(chat.user_key) is None


def test_unbinding(chat, fake_runtime):
    chat.bind(WANG)
    assert "确定要解除" in chat.say("解除绑定")
    assert "已解除绑定" in chat.say("1")
    assert fake_runtime.identity.get(chat.user_key) is None
    assert "核实您的身份" in chat.say("公积金")


def test_invalid_id_is_reprompted_then_the_form_gives_up(chat):
    chat.say("实名认证")
    chat.say("王建国")
    assert "校验不通过" in chat.say("510104198506122311")
    # Not understood is asked again and never counts towards giving up; only wrong numbers do.
    for _ in range(6):
        assert "18位" in chat.say("12345") and "已退出" not in chat.text()
    chat.say("510104198506122311")
    chat.say("510104198506122311")
    assert "已退出本次办理" in chat.say("510104198506122311")


def test_cancel_at_any_point(chat):
    chat.say("我要投诉")
    chat.say("楼下烧烤油烟太大")
    assert "已取消" in chat.say("取消")
    chat.say("实名认证")
    assert "已取消" in chat.say("算了")
    assert "已取消" not in chat.say("你好")


def test_low_confidence_asks_with_the_two_likeliest_services(chat, fake_runtime):
    fake_runtime.dispatcher.nlu.low_confidence["那个钱的事"] = (
        ("query_housing_fund", 0.31), ("query_social_security", 0.22), ("greet", 0.1))
    chat.send("那个钱的事")
    [reply] = chat.replies
    assert isinstance(reply, Choices) and [c.label for c in reply.options] == [
        "公积金查询", "社保查询", "都不是，看看全部服务"]
    assert "核实您的身份" in chat.say("1")   # the choice leads to the housing-fund query


def test_an_expired_conversation_starts_afresh(chat, redis_hub):
    chat.say("实名认证")
    chat.say("王建国")
    redis_hub.text.pexpire(redis_hub.key("session", chat.user_key), 1)   # as if 30 minutes passed
    time.sleep(0.01)
    reply = chat.say("510104198506122310")
    assert "已超时" in reply and "验证码" not in reply


@pytest.mark.parametrize("word", sorted(MORE_WORDS))
def test_every_paging_word_pages_a_long_list(chat, fake_runtime, word):
    """The same words take a WeChat reply's next page (tests/channels/wechat_oa/test_messages.py)."""
    fake_runtime.dispatcher.page_size = 3
    chat.bind(WANG)
    chat.send("我的办件")
    chat.send(word)
    nxt = next(r for r in chat.replies if isinstance(r, ListReply))
    assert nxt.title.endswith("（续）") and len(nxt.items) >= 1


def test_long_lists_come_a_page_at_a_time(chat, fake_runtime):
    fake_runtime.dispatcher.page_size = 3
    chat.bind(WANG)
    chat.send("我的办件")
    page = next(r for r in chat.replies if isinstance(r, ListReply))
    assert len(page.items) == 3 and "回复“更多”" in page.footer
    chat.send("更多")
    nxt = next(r for r in chat.replies if isinstance(r, ListReply))
    assert nxt.title.endswith("（续）") and not nxt.title.endswith("（续）（续）") and len(nxt.items) == 3
    # Other tests may have added matters for this citizen in the shared sandbox:
    # page on until the list ends, and count that every item came exactly once.
    seen = list(page.items) + list(nxt.items)
    for _ in range(20):
        if "更多" not in nxt.footer:
            break
        chat.send("更多")
        nxt = next(r for r in chat.replies if isinstance(r, ListReply))
        assert len(nxt.items) >= 1 and "（续）（续）" not in nxt.title
        seen += list(nxt.items)
    assert "更多" not in nxt.footer
    assert len(seen) == len(set(seen))
    total = int(re.search(r"共 (\d+) 件", page.title).group(1))
    assert len(seen) == total


def test_numbers_are_masked_in_replies_and_absent_from_logs(chat, caplog):
    caplog.set_level(logging.DEBUG)
    chat.say("我要投诉")
    chat.say("我是13880000009，身份证510104198506122310，楼下工地半夜施工太吵")
    chat.say("武侯区玉林路")
    card = chat.say("每天晚上")   # the phone in the first message is the contact: not asked again
    assert "138****0009" in card and "510***********2310" in card
    assert "13880000009" not in card and "510104198506122310" not in card
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "13880000009" not in logged and "510104198506122310" not in logged


def test_one_message_at_a_time_per_citizen(chat, fake_runtime):
    fake_runtime.dispatcher.lock.wait_s = 0.1
    with fake_runtime.dispatcher.lock.hold(chat.user_key):
        assert "还在处理中" in chat.say("你好")


def test_without_nlu_the_numbered_menu_still_works(chat, fake_runtime):
    class Down:
        def parse(self, text):
            raise NluUnavailable("down")
    fake_runtime.dispatcher.nlu = Down()
    assert "暂时不可用" in chat.say("公积金")
    assert "核实您的身份" in chat.say("2")   # menu entry 2: 公积金查询


def test_backend_down_in_the_middle_of_a_conversation(chat, sandbox):
    chat.bind(WANG)
    assert "52,340.56" in chat.say("公积金")
    sandbox.fault("housing_fund", "down")
    assert "公积金中心系统暂时无法访问" in chat.say("公积金")
    ledger = chat.say("我的办件")
    assert "公积金中心系统" in ledger and "可能不完整" in ledger and "CJ20261101000123" in ledger
    sandbox.reset()


@pytest.mark.parametrize("when", [
    pytest.param(OFFICE_OPEN, id="friday"),
    pytest.param(at("2026-12-31T10:00"), id="last-day-of-the-year"),
    pytest.param(at("2026-10-10T10:00"), id="a-saturday-worked-in-exchange"),
])
def test_handoff_in_office_hours_keeps_the_bot_quiet(chat, fake_runtime, travel, when):
    travel(when)
    assert "已为您转接人工客服" in chat.say("转人工")
    assert chat.send("我的签注怎么还没好") == []
    desk = fake_runtime.services.handoff
    ticket = desk.take_next("A07")
    assert ticket["user_key"] == chat.user_key
    assert "我的签注怎么还没好" in [line["text"] for line in desk.transcript(ticket["ticket"])]
    assert "已结束人工服务" in chat.say("结束人工")
    assert "打个分" in chat.say("谢谢")   # the human service is rated too


@pytest.mark.parametrize("when, agents_back", [
    pytest.param(OFFICE_CLOSED, "11月30日（周一）09:00", id="saturday-evening"),
    pytest.param(at("2026-12-31T17:30"), "1月4日（周一）09:00", id="new-years-eve"),
    pytest.param(at("2027-01-01T10:00"), "1月4日（周一）09:00", id="new-years-day"),
    pytest.param(at("2026-10-02T10:00"), "10月8日（周四）09:00", id="national-day"),
])
def test_handoff_outside_office_hours_files_a_call_back(chat, fake_runtime, travel, when, agents_back):
    travel(when)
    assert "非工作时间" in chat.say("转人工")
    reply = chat.say("13880000009")
    assert "工单号 GD" in reply and agents_back in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["reason"] == "handoff_after_hours" and task["order_no"] in reply


def test_after_hours_call_back_order_carries_only_the_citizens_words_masked(chat, fake_runtime, travel):
    chat.bind(WANG)
    assert "52,340.56" in chat.say("公积金")            # the bot's reply quotes personal figures
    travel(OFFICE_CLOSED)
    chat.say("我的身份证 5101-0419-8506-1223-10 查不到东西 转人工")
    reply = chat.say("138 8000 0009")
    order_no = re.search(r"GD\d{14}", reply).group(0)
    summary = fake_runtime.adapters.workorders.get(order_no, None).summary
    assert "查不到东西" in summary and "公积金" in summary      # what the citizen said
    assert "52,340.56" not in summary and "身份核验成功" not in summary and "助手" not in summary
    assert "19850612" not in re.sub(r"[^0-9]", "", summary) and "510***********2310" in summary


def test_ratings_after_a_served_request(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("公积金")
    assert "打个分" in chat.say("谢谢")
    assert "感谢您的评价" in chat.say("1")
    book = fake_runtime.services.ratings
    assert book.count("query_housing_fund", "住房公积金管理中心", "非常满意") == 1
    chat.say("社保")
    assert "已登记回访" in chat.say("非常不满意")
    assert book.count("query_social_security", "人力资源和社会保障局", "非常不满意") == 1
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["department"] == "人力资源和社会保障局"
    assert "这个对话" in chat.say("不留")      # how the department will reach the citizen
    assert "还没有办理" in chat.say("满意")   # nothing left to rate: not counted twice


def test_nearby_halls_from_a_location_message(chat):
    reply = chat.say("天府广场", kind="location", location=(30.6570, 104.0650), intent="nearby_halls")
    assert reply.index("锦江区出入境接待大厅") < reply.index("公里") or "锦江区" in reply.splitlines()[1]
    assert reply.count("地址：") == 3


def test_forget_user_deletes_binding_session_and_handoff(chat, fake_runtime, redis_hub, travel):
    travel(OFFICE_OPEN)
    chat.bind(WANG)
    chat.say("转人工")
    fake_runtime.dispatcher.forget_user(chat.user_key)
    assert fake_runtime.identity.get(chat.user_key) is None
    assert not fake_runtime.services.handoff.state_of(chat.user_key).in_handoff
    assert redis_hub.text.get(redis_hub.key("session", chat.user_key)) is None


def test_channel_intent_needs_no_nlu(chat, fake_runtime):
    calls = fake_runtime.dispatcher.nlu.calls
    fake_runtime.dispatcher.handle(Incoming(channel="test", user_id=chat.user_id, kind="location",
                                            location=(30.57, 104.06), intent="nearby_halls"))
    assert fake_runtime.dispatcher.nlu.calls == calls


def test_what_is_typed_while_binding_stays_out_of_the_history(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("公积金")
    history = fake_runtime.sessions.load(chat.user_key).history
    said = " ".join(text for who, text in history if who == "citizen")
    assert "王建国" not in said and "510104" not in said and "123456" not in said
    assert "公积金" in said


def test_a_free_text_answer_is_never_taken_for_a_new_request(chat):
    chat.say("我要投诉")
    # Reads like a housing-fund query to NLU, but it answers "what happened?".
    assert "在哪里" in chat.say("公积金中心窗口工作人员态度很差")


@pytest.mark.parametrize("when", DATES)
def test_a_ledger_filter_right_after_the_ledger_refines_it(chat, fake_runtime, travel, when):
    today = travel(when).date()
    chat.bind(WANG)
    chat.say("我的办件")
    fake_runtime.dispatcher.nlu.low_confidence.clear()
    for words, (first, last) in windows(today).items():
        keep, drop = affairs_in(fake_runtime, WANG[1], "武侯区", first, last)
        reply = chat.say(f"{words}在武侯区办的")
        assert all(ref in reply for ref in keep) and not any(ref in reply for ref in drop), words
        assert keep or "没有符合条件" in reply, words
    assert "52,340.56" in chat.say("公积金余额")   # a new question is not taken for a filter


# -- review fixes ---------------------------------------------------------------------------------

class _NluDown:
    def parse(self, text):
        raise NluUnavailable("down")


def test_without_nlu_an_open_form_goes_on(chat, fake_runtime):
    chat.say("公积金余额")                         # binding first, the question waits
    fake_runtime.dispatcher.nlu = _NluDown()
    assert "身份证号" in chat.say("王建国")
    assert "138****0001" in chat.say(WANG[1])
    done = chat.say("１２３４５６")                  # full-width digits too, as NLU would normalise them
    assert "身份核验成功" in done and "52,340.56" in done
    assert "暂时不可用" in chat.say("公积金")       # with no form open: the numbered menu
    chat.say("10")                                 # 投诉建议, chosen from it
    assert "在哪里" in chat.say("楼下烧烤店油烟太大")   # and the complaint form goes on without NLU


def _count_codes(fake_runtime) -> list:
    sent = []
    identity = fake_runtime.adapters.identity
    original = identity.send_code

    def counting(id_number):
        sent.append(id_number)
        return original(id_number)
    identity.send_code = counting
    return sent


def test_cancelling_and_starting_again_sends_no_new_code(chat, fake_runtime):
    sent = _count_codes(fake_runtime)
    for _ in range(3):
        chat.say("实名认证")
        chat.say("王建国")
        reply = chat.say(WANG[1])
        assert "138****0001" in reply
        chat.say("取消")
    other = Chat(fake_runtime)                     # another account, the same citizen's ID number
    other.say("实名认证")
    other.say("王建国")
    assert "验证码刚刚已发送" in other.say(WANG[1])
    assert len(sent) == 1
    # The citizen's own new form uses the code on its way.
    chat.say("实名认证")
    chat.say("王建国")
    assert "验证码刚刚已发送" in chat.say(WANG[1])
    assert "身份核验成功" in chat.say("123456")


def test_wrong_names_lock_only_the_account_that_typed_them(chat, fake_runtime):
    stranger = Chat(fake_runtime)
    stranger.say("实名认证")
    stranger.say(WANG[1])
    for _ in range(5):   # after a mismatch only the name is asked again: the ID number is kept
        stranger.say("王建华")
    assert "已暂停" in stranger.text()
    assert "已暂停" in stranger.say("实名认证")
    assert "身份核验成功" in chat.bind(WANG)      # the owner is not locked out


def test_keeping_the_binding_is_not_answered_with_cancelled(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("解除绑定")
    reply = chat.say("2")                          # 暂不解除
    assert "已保留" in reply and "已取消" not in reply
    assert fake_runtime.identity.get(chat.user_key) is not None


def test_typed_commands_never_become_metric_labels(chat):
    from prometheus_client import REGISTRY

    def count(intent):
        return REGISTRY.get_sample_value("dispatcher_turns_total",
                                         {"channel": "test", "intent": intent, "outcome": "ok"}) or 0
    before = count("unknown")
    assert "没有看懂" in chat.say("/made_up_by_the_citizen")
    assert count("made_up_by_the_citizen") == 0 and count("unknown") == before + 1


def test_an_unexpected_error_ends_the_open_form(chat, fake_runtime):
    binder = fake_runtime.dispatcher.handlers["bind_identity"]
    binder.handle = lambda turn: 1 / 0             # a bug, not a backend error
    chat.say("实名认证")
    chat.say("王建国")
    reply = chat.say(WANG[1])
    assert "没有处理成功" in reply and "重新开始" in reply
    session = fake_runtime.sessions.load(chat.user_key)
    assert session.form is None and session.pending_after_binding is None
    del binder.handle
    assert "姓名" in chat.say("实名认证")           # a fresh start works


def test_a_question_in_the_middle_of_the_binding_is_answered_and_the_binding_offered_back(chat):
    chat.say("公积金余额")                         # waits for the binding
    chat.say("王建国")
    aside = chat.say("办护照收费吗")                # something else in between
    assert "120元" in aside and "继续刚才的实名认证吗" in aside and "身份证号" in aside
    chat.say(WANG[1])                              # the name given before is still held
    done = chat.say("123456")
    assert "身份核验成功" in done and "52,340.56" in done   # and the waiting question is answered


def test_an_application_number_in_the_middle_of_a_form_is_a_new_request_however_nlu_reads_it(chat):
    """Found by trying `make run`: after 我的授权 (a list to choose from), "CJ20261101000123 办到哪了"
    (read by the model as query_my_affairs at 0.56) was answered "请回复列表中的编号"."""
    chat.bind(WANG)
    chat.say("我要投诉")                            # a form asking for a free-text description
    aside = chat.say("CJ20261101000123 办到哪了")
    assert "审批中" in aside and "继续刚才" in aside


def test_cancelling_drops_the_form_and_the_question_waiting_for_it(chat):
    chat.say("公积金余额")
    chat.say("王建国")
    assert "已取消" in chat.say("算了 不弄了")
    done = chat.bind(WANG)
    assert "身份核验成功" in done and "52,340.56" not in done


def test_long_messages_are_cut_before_nlu(chat, fake_runtime):
    nlu = fake_runtime.dispatcher.nlu
    reply = chat.say("我要投诉" + "楼下烧烤店油烟太大，" * 400 + WANG[1])
    assert max(len(t) for t in nlu.texts) <= 500
    assert "只读了前 500 个字" in reply and "在哪里" in reply
    # A cut never leaves half an ID number (it would escape masking).
    from bot.conversation.dispatcher import MAX_TEXT_CHARS, _cap_text
    text = "投" * (MAX_TEXT_CHARS - 5) + WANG[1]
    cut, was_cut = _cap_text(Incoming(channel="test", user_id="u", text=text))
    assert was_cut and cut.text == "投" * (MAX_TEXT_CHARS - 5)


def test_a_bad_rating_asks_how_to_reach_the_citizen(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("社保")
    asked = chat.say("不满意")
    assert "已登记回访" in asked and "手机号" in asked
    assert "已记下您的意见" in chat.say("等了很久也没有人回复")
    reply = chat.say("13880000009")
    assert "138****0009" in reply and "13880000009" not in reply and "工单号 GD" in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["what"] == "社保查询" and task["department"] == "人力资源和社会保障局" and task["level"] == "不满意"
    assert task["served_at"] and task["phone_masked"] == "138****0009" and task["notes"] == ["等了很久也没有人回复"]
    order = fake_runtime.adapters.workorders.get(task["order_no"], WANG[1])
    assert order.contact_phone_masked and "社保查询" in order.summary


def test_replies_waiting_in_the_outbox_come_with_the_next_answer(chat, fake_runtime):
    fake_runtime.services.outbox.send(chat.user_key, [Text("【人力资源和社会保障局回访】您好")])
    replies = chat.send("你好")
    assert replies[0] == Text("【人力资源和社会保障局回访】您好") and isinstance(replies[-1], Choices)
    assert len(chat.send("你好")) == 1            # once


def _dispatcher_with(fake_runtime, *extra):
    """A dispatcher like the runtime's, with extra handlers."""
    from bot.conversation.dispatcher import Dispatcher
    d = fake_runtime.dispatcher
    handlers = {**d.handlers, **{h.intent: h for h in extra}}
    return Dispatcher(nlu=d.nlu, sessions=d.sessions, lock=d.lock, identity=d.identity, handlers=handlers,
                      services=d.services, clarify_below=d.clarify_below, error_replies=d.errors, menu=d.menu,
                      page_size=d.page_size)


def test_command_words_and_the_identity_gate_come_from_the_handlers(fake_runtime):
    from bot.conversation.contract import Handler, Result

    class LibraryCard(Handler):
        intent = "query_library_card"
        commands = {"借书证": {"action": "show"}}

        def handle(self, turn):
            return Result.say(f"借书证（{turn.entities.get('action')}）")

    dispatcher = _dispatcher_with(fake_runtime, LibraryCard())
    reply = dispatcher.handle(Incoming(channel="test", user_id="u-cmd", text="借书证！"))
    assert reply == [Text("借书证（show）")]
    assert dispatcher.commands["解绑"] == ("bind_identity", {"action": "unbind"})
    assert dispatcher.gate is dispatcher.handlers["bind_identity"]


def test_a_command_word_claimed_twice_or_a_second_identity_gate_stops_the_start(fake_runtime):
    from bot.conversation.contract import Handler

    class Unbinder(Handler):
        intent = "unbind_everything"
        commands = {"解绑": {}}

    class SecondGate(Handler):
        intent = "bind_face"
        identity_gate = True

    with pytest.raises(ValueError, match="解绑.*bind_identity and unbind_everything"):
        _dispatcher_with(fake_runtime, Unbinder())
    with pytest.raises(ValueError, match="two identity gates"):
        _dispatcher_with(fake_runtime, SecondGate())


def test_a_no_that_gives_a_value_corrects_the_form_and_a_bare_no_cancels_it(fake_runtime):
    """The model may read "不对，名字是李芳" as deny: the name in it makes it a correction."""
    from bot.nlu.client import Parse
    from tests.fixtures.fake_nlu import KeywordNlu

    class ReadsNoAsDeny(KeywordNlu):
        def parse(self, text):
            if text.startswith("不对"):
                return Parse(text, "deny", 0.9, (("deny", 0.9),), ())
            return super().parse(text)

    fake_runtime.dispatcher.nlu = ReadsNoAsDeny()
    c = Chat(fake_runtime)
    c.say("实名认证")
    c.say("李方")
    asked = c.say("不对，名字是李芳")
    form = fake_runtime.sessions.load(c.user_key).form
    assert form is not None and form.slots["person_name"] == "李芳" and "身份证" in asked
    assert "已取消" in c.say("不对")
    assert fake_runtime.sessions.load(c.user_key).form is None


def test_a_question_the_model_reads_as_a_no_keeps_the_form_open(fake_runtime):
    """"安全不", "要钱不", "安不安全": the 不 asks; the question is answered (or said unanswerable) and
    the form keeps what it held; a bare no still cancels."""
    from bot.nlu.client import Parse
    from tests.fixtures.fake_nlu import KeywordNlu

    class ReadsQuestionsAsDeny(KeywordNlu):
        def parse(self, text):
            if re.sub(r"\s", "", text) in ("绑定了有啥子用哦安全不", "要钱不", "身份证号安不安全哦", "不"):
                return Parse(text, "deny", 0.9, (("deny", 0.9),), ())
            return super().parse(text)

    fake_runtime.dispatcher.nlu = ReadsQuestionsAsDeny()
    c = Chat(fake_runtime)
    c.say("实名认证")
    explained = c.say("绑定了有啥子用哦 安全不")
    assert "已取消" not in explained and "加密保存" in explained and "姓名" in explained
    assert "暂时回答不了" in c.say("要钱不")
    assert "身份证号" in c.say("王建国")
    assert "加密保存" in c.say("身份证号安不安全哦")
    form = fake_runtime.sessions.load(c.user_key).form
    assert form is not None and form.slots == {"person_name": "王建国"}
    assert "验证码" in c.say(WANG[1])
    c2 = Chat(fake_runtime)
    c2.say("实名认证")
    assert "已取消" in c2.say("不")
    assert fake_runtime.sessions.load(c2.user_key).form is None


def test_without_nlu_an_application_number_is_still_answered(chat, fake_runtime):
    chat.bind(WANG)
    fake_runtime.dispatcher.nlu = _NluDown()
    # The prefix names the backend, so no NLU is needed: CJ… is an endorsement.
    answer = chat.say("CJ20261101000123 这个签注办到哪了")
    assert "审批中" in answer and "暂时不可用" not in answer
    assert "暂时不可用" in chat.say("签注办到哪了")      # without a number: the apology and the menu
    assert "人工" in chat.say("转人工")                   # a command word needs no NLU either


def test_what_was_wrong_told_after_a_bad_rating_is_a_comment_not_a_new_complaint(chat, fake_runtime):
    """The call-back question invites "哪里不满意"; NLU may read the answer as a complaint."""
    chat.bind(WANG)
    chat.say("社保")
    chat.say("不满意")
    assert "已记下您的意见" in chat.say("反映了好几次都没人管，办事太慢了")
    assert fake_runtime.sessions.load(chat.user_key).form.intent == "rate_service"
    reply = chat.say("13880000009")
    assert "138****0009" in reply and "工单号 GD" in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["notes"] == ["反映了好几次都没人管，办事太慢了"]
    # A question is still a question: answered, not kept as the comment.
    chat.say("社保")
    chat.say("不满意")
    assert "已记下" not in chat.say("反映问题要多久才有结果？")
    assert len(fake_runtime.services.callbacks.open_tasks()) == 2
    assert all(len(t.get("notes") or []) <= 1 for t in fake_runtime.services.callbacks.open_tasks())


def test_a_name_that_does_not_match_is_asked_again_and_the_id_number_kept(chat, fake_runtime):
    chat.say("实名认证")
    assert "核对不一致" in chat.say(f"王建华 {WANG[1]}")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots == {"id_number": WANG[1]} and form.asking == "person_name"
    assert "验证码" in chat.say(f"打错了 是{WANG[0]}")     # the ID number is not asked again
    assert "身份核验成功" in chat.say("123456")


def test_values_for_the_open_form_are_an_answer_whatever_intent_the_nlu_reads(chat):
    """A bare list of the booking's values ("社保卡补办 …", read as a social-insurance query) fills
    the form; the same words asked as a question are answered aside and the form offered back."""
    chat.bind(WANG)
    chat.say("预约")
    reply = chat.say("社保卡补办 青羊区 下周一上午")
    assert "可预约的时段" in reply and "继续刚才" not in reply
    chat.say("取消")
    chat.say("预约")
    aside = chat.say("社保卡补办要带什么材料")
    assert "继续刚才的预约办事大厅吗" in aside


def test_a_correction_of_the_open_form_is_an_answer_whatever_intent_the_nlu_reads(chat):
    chat.bind(WANG)
    chat.say("预约")
    held = chat.say("青羊区 下周一上午 医保报销")           # "医保": a medical-insurance query to the NLU
    assert "可预约的时段" in held
    reply = chat.say("不是医保报销 是社保卡补办")           # "社保": a social-insurance query
    assert "可预约的时段" in reply and "继续刚才" not in reply and "参保" not in reply
    card = chat.say("1")
    assert "社保卡补办" in card and "医保报销" not in card


def test_a_question_to_the_bot_mid_form_is_answered_and_fills_nothing(chat, fake_runtime):
    chat.say("我要投诉")
    assert "问题发生在哪里" in chat.say("外卖电动车在人行道上乱骑")
    reply = chat.say("等一下 你是真人在回还是机器人哦")
    assert "智能助手" in reply and "问题发生在哪里" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "file_complaint" and "location" not in form.slots
    assert "什么时候" in chat.say("金牛区一品天下大街")
    assert "一品天下" in fake_runtime.sessions.load(chat.user_key).form.slots["location"]


@pytest.mark.parametrize("opened_by, said, shows", [
    # values of the open form in a message that asks for another service: a new request (review)
    ("预约", "明天下午帮我查下公积金余额", "52,340.56"),
    ("预约", "不是预约，我要投诉青羊区政务中心排队太久", "发生"),            # the complaint's own question
    ("投诉武侯区玉林路的烧烤店昨天晚上油烟太大", "我还想预约明天上午去武侯区办居住证", "预约"),
])
def test_a_request_for_another_service_is_no_answer_to_the_open_form(chat, opened_by, said, shows):
    chat.bind(WANG)
    first = chat.say(opened_by)
    assert "预约" in opened_by or "手机号" in first          # a complaint now asking for the phone
    reply = chat.say(said)
    assert shows in reply
    assert "手机号" not in reply if "投诉" in opened_by else "可预约的时段" not in reply


def test_the_bookings_values_are_read_without_asking_any_backend():
    # values_in runs for a message that may be something else entirely, with the backend maybe down
    from bot.conversation.contract import Turn
    from bot.stores.sessions import Form, Session
    from handlers.appointments import BookAppointment
    form = Form("book_appointment", step="cancel_confirm")            # no halls asked yet
    turn = Turn(incoming=None, text="青羊区 下周一上午", parse=None, slots={}, form=form, session=Session(),
                citizen=None, services=None)
    assert BookAppointment().values_in(turn).keys() == {"district", "date", "part"}


@pytest.mark.parametrize("said", ["不对 改成周五，周四我要上班", "是周五 周四那天我上班", "换成周五嘛 周四我走不开的",
                                  "改周五，周四去不到"])
def test_a_booking_corrected_with_a_reason_naming_another_day_takes_the_day_chosen(chat, fake_runtime, travel, said):
    travel(at("2026-12-07T10:00"))   # a Monday: 周四 = 12-10, 周五 = 12-11
    chat.bind(WANG)
    chat.say("预约")
    assert "12月10日（周四）" in chat.say("社保卡补办 青羊区 周四上午")
    reply = chat.say(said)
    assert "12月11日（周五）" in reply and "已取消" not in reply
    assert fake_runtime.sessions.load(chat.user_key).form.data["date"] == "2026-12-11"


@pytest.mark.parametrize("said, when", [("时间说错了 是昨晚 不是前天", "昨晚"), ("时间说错了 是昨晚 前天我出差了", "昨晚"),
                                        ("说错了 应该是上周六 周日我不在屋头", "上周六")])
def test_a_complaints_time_corrected_with_a_reason_naming_another_time_takes_the_time_chosen(chat, fake_runtime,
                                                                                          said, when):
    chat.say("我要投诉")
    chat.say("楼上半夜拖椅子")
    chat.say("金牛区营门口路")
    assert "手机号" in chat.say("前天")
    assert "手机号" in chat.say(said)
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots["when"] == when and form.asking == "contact"


@pytest.mark.parametrize("said, place", [("茶店子 西华苑", "金牛区 茶店子 西华苑"), ("金牛区茶店子 西华苑", "金牛区茶店子 西华苑"),
                                         ("就在九里堤那个万达广场", "金牛区 就在九里堤那个万达广场")])
def test_a_place_said_where_the_complaint_asked_when_is_its_place_and_when_is_asked_again(chat, fake_runtime,
                                                                                        said, place):
    assert "什么时候" in chat.say("投诉 金牛区停水了都没得人通知")
    assert "什么时候" in chat.say(said)
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots["location"] == place and "when" not in form.slots and form.asking == "when"
    assert "手机号" in chat.say("前天开始的")
    assert fake_runtime.sessions.load(chat.user_key).form.slots["when"] == "前天开始的"


def test_a_time_said_where_the_complaint_asked_where_is_its_time_and_where_is_asked_again(chat, fake_runtime):
    chat.say("我要投诉")
    assert "在哪里" in chat.say("外卖电动车在人行道上乱骑")
    assert "在哪里" in chat.say("就刚刚")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots["when"] == "就刚刚" and "location" not in form.slots
    assert "手机号" in chat.say("成华区建设路 万科城")


@pytest.mark.parametrize("place", ["就在四川大学望江校区东门外头", "在武侯区玉林路旁边"])
def test_a_place_said_where_the_complaint_asked_what_happened_is_its_place_and_what_is_asked_again(chat, fake_runtime,
                                                                                                 place):
    chat.say("我要投诉")
    assert "发生了什么" in chat.say(place)
    assert "发生了什么" in chat.say("上周五晚上发现的")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert "content" not in form.slots and form.slots["when"] == "上周五晚上"
    assert form.slots["location"] in place
    assert "手机号" in chat.say("那一段的路灯全坏了 黑黢黢的好危险")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots["content"] == "那一段的路灯全坏了 黑黢黢的好危险" and form.slots["location"] in place


def test_what_happened_corrected_with_its_place_replaces_the_description_and_fills_the_place(chat, fake_runtime):
    chat.say("我要反映问题")
    chat.say("有个烧烤摊占道经营 桌子板凳全摆起 上个月开始的")
    assert "手机号" in chat.say("不对 主要是污水 他们把油污水直接倒进雨水井头 在成华区府青路二段")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert "污水" in form.slots["content"] and "烧烤摊" not in form.slots["content"]
    assert form.slots["location"] == "成华区府青路二段" and form.slots["when"] == "上个月开始"
    card = chat.say("不留了")
    assert "请确认您的诉求" in card and "油污水" in card
    # and at the card: what happened said again, the card again with it
    card = chat.say("说错了 是隔壁火锅店往雨水井倒潲水")
    assert "请确认您的诉求" in card and "隔壁火锅店往雨水井倒潲水" in card and "油污水" not in card


# Questions about a phone step itself (why, what for, must I, is it safe): answered, the form kept
# as it is. (工作人员… is a request for a person to the keyword NLU, as the model may read any of them.)
PHONE_STEP_QUESTIONS = ("留电话干啥子？", "必须留吗", "工作人员打电话来干啥子？", "电话会不会泄露", "不留电话可以不")


def test_a_question_about_the_ratings_phone_step_is_answered_and_the_call_back_kept(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("社保")
    assert "手机号" in chat.say("不满意")
    for question in PHONE_STEP_QUESTIONS:
        reply = chat.say(question)
        assert "人力资源和社会保障局" in reply and "不是必须" in reply and "不留" in reply, question
        assert "转接" not in reply and "已记下" not in reply and "非工作时间" not in reply
        form = fake_runtime.sessions.load(chat.user_key).form
        assert form.intent == "rate_service" and form.step == "contact" and form.data["comments"] == 0
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert not task.get("notes") and fake_runtime.services.handoff.state_of(chat.user_key).in_handoff is False
    assert "138****0009" in chat.say("13880000009")


def test_a_question_about_the_complaints_phone_step_is_answered_and_the_form_kept(chat, fake_runtime):
    chat.say("我要投诉")
    chat.say("楼下烧烤油烟太大")
    chat.say("武侯区玉林北路")
    assert "手机号" in chat.say("每天晚上")
    held = dict(fake_runtime.sessions.load(chat.user_key).form.slots)
    for question in PHONE_STEP_QUESTIONS + ("为什么要留电话 不留能不能提交",):
        reply = chat.say(question)
        assert "承办部门" in reply and "不是必须" in reply and "不留" in reply, question
        form = fake_runtime.sessions.load(chat.user_key).form
        assert form.intent == "file_complaint" and form.asking == "contact" and form.slots == held
        assert len(form.data["said"]) == 4   # the questions are no part of the complaint
    assert "联系电话：未留" in chat.say("不留")


def test_a_question_about_the_call_back_phone_step_is_answered_and_the_call_back_kept(chat, fake_runtime, travel):
    travel(OFFICE_CLOSED)
    assert "非工作时间" in chat.say("转人工")
    for question in PHONE_STEP_QUESTIONS:
        reply = chat.say(question)
        assert "回电" in reply and "不是必须" in reply and "不留" in reply and "工单号" not in reply, question
        form = fake_runtime.sessions.load(chat.user_key).form
        assert form.intent == "request_human" and form.step == "phone"
    assert fake_runtime.services.callbacks.open_tasks() == []
    assert "工单号 GD" in chat.say("13880000009")


@pytest.mark.parametrize("said", ["我姓何 电话13812345678 麻烦回个电话", "麻烦回个电话 13812345678 何女士",
                                  "我是何建华 电话是138 1234 5678 请你们回电", "何女士 13812345678 上班了打我电话嘛"])
def test_a_call_back_asked_for_with_personal_details_as_the_opening_message_takes_the_phone(chat, fake_runtime,
                                                                                            travel, said):
    travel(OFFICE_CLOSED)
    reply = chat.say(said)
    assert "工单号 GD" in reply and "手机号" not in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["reason"] == "handoff_after_hours" and task["phone_masked"] == "138****5678"
    order = fake_runtime.adapters.workorders.get(task["order_no"], None)
    assert order.contact_phone_masked == "138****5678"
    assert fake_runtime.sessions.load(chat.user_key).form is None


@pytest.mark.parametrize("said", ["帮我记一下 是公积金提取被退回的事 手机188 2830 4417",
                                  "我姓何 18828304417 社保卡的事 你们啥时候打过来？",
                                  "何 188 2830 4417 医保报销的事情 麻烦回个电话"])
def test_a_call_back_phone_given_with_other_details_in_the_request_human_flow_is_taken(chat, fake_runtime, travel,
                                                                                       said):
    travel(OFFICE_CLOSED)
    assert "非工作时间" in chat.say("转人工")
    reply = chat.say(said)
    assert "工单号 GD" in reply and "核实您的身份" not in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["phone_masked"] == "188****4417"


def test_a_call_back_phone_given_with_a_question_at_the_ratings_phone_step_is_taken(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("社保")
    chat.say("不满意")
    reply = chat.say("我姓何 13880000009 社保的事你们啥时候打过来？")
    assert "138****0009" in reply and "工单号 GD" in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["reason"] == "bad_rating" and task["phone_masked"] == "138****0009"


@pytest.mark.parametrize("said", ["一直没人回电话", "不用回电了 谢谢", "你们都不回电话"])
def test_words_about_calls_that_ask_for_none_are_no_call_back(said):
    from bot.conversation.dispatcher import _asks_to_be_called
    assert not _asks_to_be_called(said)


@pytest.mark.parametrize("said", ["投诉停水！", "我要投诉停电", "举报 噪音", "投诉漏水了"])
def test_a_short_complaint_naming_its_problem_holds_it_as_what_happened(chat, fake_runtime, said):
    assert "在哪里" in chat.say(said)
    assert fake_runtime.sessions.load(chat.user_key).form.slots["content"] == said


@pytest.mark.parametrize("said", ["我要投诉 有家健身房办了卡就跑路了", "投诉 培训机构老板跑路了", "我要举报 装修公司收了钱就跑路"])
def test_a_complaint_opened_with_its_story_keeps_it_though_a_verb_and_路_read_like_a_place(chat, fake_runtime, said):
    # 跑路 is no road: the story is what happened, not asked for again, and no later answer takes its place
    assert "在哪里" in chat.say(said)
    assert fake_runtime.sessions.load(chat.user_key).form.slots["content"] == said
    chat.say("武侯区 地铁高升桥站旁边 前天去就关门了")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots["content"] == said and form.slots["when"] == "前天"


@pytest.mark.parametrize("said", ["高新区大源 中海城南一号", "青羊区光华街道 清江东路那边的锦绣苑", "武侯区簇锦街道 新北小区 3栋2单元"])
def test_the_whole_answer_to_where_is_the_place_and_a_house_number_no_time(chat, fake_runtime, said):
    chat.say("我要投诉")
    chat.say("楼下烧烤油烟太大")
    assert "什么时候" in chat.say(said)
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots["location"] == said and "when" not in form.slots


@pytest.mark.parametrize("said", ["算了不留", "算了 不用留了", "不留了算了", "算了 电话就不留了"])
def test_no_phone_said_with_算了_after_a_bad_rating_records_the_level_alone(chat, fake_runtime, said):
    chat.bind(WANG)
    chat.say("社保")
    assert "手机号" in chat.say("不满意")
    reply = chat.say(said)
    assert "已取消" not in reply and "通过这个对话联系您" in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert fake_runtime.sessions.load(chat.user_key).form is None


@pytest.mark.parametrize("stall", ["等一哈 我看下门牌", "稍等", "我找下", "等一下哈", "稍等一下 我问下"])
def test_a_stall_at_a_free_text_step_is_no_answer_and_no_failed_attempt(chat, fake_runtime, stall):
    chat.say("我要投诉")
    chat.say("楼下烧烤油烟太大")
    reply = chat.say(stall)
    assert "不着急" in reply and "在哪里" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert "location" not in form.slots and form.asking == "location" and form.reprompts == 0
    chat.say("武侯区玉林北路")
    assert "不着急" in chat.say(stall)
    form = fake_runtime.sessions.load(chat.user_key).form
    assert "when" not in form.slots and form.asking == "when"


@pytest.mark.parametrize("later", ["等我下去拍个照片再说", "我先去看看", "稍等我问下我老公", "我问下物业再回复你",
                                   "等我一下 我去看看门牌"])
def test_an_answer_put_off_till_later_at_a_free_text_step_is_no_value(chat, fake_runtime, later):
    chat.say("投诉 有人占道停车")
    reply = chat.say(later)
    assert "不着急" in reply and "在哪里" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots == {"content": "投诉 有人占道停车"} and form.asking == "location" and form.reprompts == 0
    chat.say("青羊区清江东路我们小区门口")
    assert "不着急" in chat.say(later) and "when" not in fake_runtime.sessions.load(chat.user_key).form.slots


@pytest.mark.parametrize("opened", ["先不管那个 营业执照拿到了要去刻章不", "先问个事 公积金能取出来不", "对了 问你个事 社保断缴了有影响不"])
def test_a_question_opened_as_one_in_the_middle_of_a_complaint_is_answered_and_the_form_keeps_what_it_held(
        chat, fake_runtime, opened):
    chat.bind(WANG)
    chat.say("我要投诉")
    reply = chat.say(opened)
    assert "继续刚才的投诉建议吗" in reply and "发生了什么" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "file_complaint" and form.slots == {} and form.asking == "content"
    chat.say("太古里有家店卖假货 上周六买的")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert "假货" in form.slots["content"] and "太古里" in form.slots["location"] and form.slots["when"] == "上周六"


def test_a_question_opened_as_one_is_answered_though_the_model_is_only_fairly_sure(chat, fake_runtime, monkeypatch):
    from bot.nlu.client import Parse
    nlu = fake_runtime.dispatcher.nlu
    parse = nlu.parse

    def fairly_sure(text):   # as the trained model reads it: query_business_registration 0.59
        p = parse(text)
        if "刻章" not in text:
            return p
        return Parse(p.text, p.intent, 0.59, ((p.intent, 0.59), ("ask_service_guide", 0.34)), p.entities)
    monkeypatch.setattr(nlu, "parse", fairly_sure)
    chat.bind(WANG)
    chat.say("我要投诉")
    assert "继续刚才的投诉建议吗" in chat.say("先不管那个 营业执照拿到了要去刻章不")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "file_complaint" and form.slots == {} and form.asking == "content"


def test_a_question_opened_as_one_that_no_service_answers_is_no_description(chat, fake_runtime):
    chat.say("我要投诉")
    reply = chat.say("先问个事 你们这个能开发票不")
    assert "暂时回答不了" in reply and "发生了什么" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "file_complaint" and form.slots == {} and form.asking == "content"


@pytest.mark.parametrize("question", ["投诉了好久有人回复哦", "要多久才处理？", "啥时候有人处理嘛"])
def test_a_question_about_the_complaint_at_its_place_or_time_is_answered_and_asked_again(chat, fake_runtime, question):
    chat.say("我要投诉")
    chat.say("楼下烧烤油烟太大")
    chat.say("武侯区玉林北路")
    reply = chat.say(question)
    assert "工作日" in reply and "什么时候" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "file_complaint" and "when" not in form.slots and form.asking == "when"
    assert form.reprompts == 0


@pytest.mark.parametrize("said", ["你直接打我电话嘛 +86 139 8012 3344", "打我电话 13980123344", "你们直接打我手机嘛 139 8012 3344"])
def test_a_phone_alone_at_a_free_text_step_goes_to_the_phone_and_the_step_is_asked_again(chat, fake_runtime, said):
    chat.say("我要投诉")
    chat.say("楼下烧烤油烟太大")
    assert "在哪里" in chat.say(said)
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.slots == {"content": "楼下烧烤油烟太大", "contact": "13980123344"} and form.asking == "location"


@pytest.mark.parametrize("said", ["对了 顺便问下我公积金还有好多", "顺便问一下 我公积金余额还有好多"])
def test_a_request_of_another_service_at_the_time_step_is_no_time(chat, fake_runtime, said):
    chat.say("我要投诉")
    chat.say("楼下烧烤油烟太大")
    chat.say("武侯区玉林北路")
    chat.say(said)
    session = fake_runtime.sessions.load(chat.user_key)
    complaint = session.form if session.form.intent == "file_complaint" else session.parked
    assert complaint.intent == "file_complaint" and "when" not in complaint.slots


@pytest.mark.parametrize("said, comment", [("不留 你们自己看着办", "你们自己看着办"), ("不想留 等了一个多月了", "等了一个多月了"),
                                           ("不方便留电话，我在上班", "我在上班")])
def test_no_phone_said_first_then_a_comment_after_a_bad_rating_records_the_level_and_the_comment(
        chat, fake_runtime, said, comment):
    chat.bind(WANG)
    chat.say("社保")
    assert "手机号" in chat.say("非常不满意")
    reply = chat.say(said)
    assert "已记下您的意见" in reply and "通过这个对话联系您" in reply and "再回复一个手机号" not in reply
    assert fake_runtime.sessions.load(chat.user_key).form is None
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["notes"] == [comment] and task["phone_masked"] is None


@pytest.mark.parametrize("level", ["非常不满意", "很不满意", "特别不满意"])
def test_a_strong_bad_level_said_first_after_a_served_query_is_a_rating_whatever_service_it_names(
        chat, fake_runtime, level):
    """The model reads "非常不满意 社保查了好几次都不对 …" as the social-security query just served."""
    from bot.nlu.client import Parse
    from tests.fixtures.fake_nlu import KeywordNlu

    class ReadsTheServiceNamed(KeywordNlu):
        def parse(self, text):
            read = super().parse(text)
            if "社保" in text:
                return Parse(read.text, "query_social_security", 0.9, (("query_social_security", 0.9),), read.entities)
            return read

    fake_runtime.dispatcher.nlu = ReadsTheServiceNamed()
    chat.bind(WANG)
    chat.say("社保")
    reply = chat.say(f"{level} 社保查了好几次都不对 打我电话13880000009")
    assert "138****0009" in reply and "工单号 GD" in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["reason"] == "bad_rating" and task["level"] == "非常不满意" and task["phone_masked"] == "138****0009"


@pytest.mark.parametrize("said, comment", [("不用了，反正也没人管", "反正也没人管"), ("不要了 你们看着办", "你们看着办")])
def test_a_no_to_the_ratings_phone_with_a_comment_is_no_cancel_of_the_rating(chat, fake_runtime, said, comment):
    chat.bind(WANG)
    chat.say("社保")
    assert "手机号" in chat.say("非常不满意")
    reply = chat.say(said)
    assert "已取消" not in reply and "已记下您的意见" in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["notes"] == [comment] and task["phone_masked"] is None


def test_a_question_about_the_request_opened_as_one_is_answered_where_the_place_is_asked(chat, fake_runtime, monkeypatch):
    from bot.nlu.client import Parse
    nlu = fake_runtime.dispatcher.nlu
    parse = nlu.parse

    def as_the_complaint(text):   # the model reads the question as the form's own intent
        p = parse(text)
        return Parse(p.text, "file_complaint", 0.9, (("file_complaint", 0.9),), p.entities) if "先问" in text else p
    monkeypatch.setattr(nlu, "parse", as_the_complaint)
    chat.say("投诉 楼下烧烤店油烟太大")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.asking == "location"
    reply = chat.say("先问一下 投诉要多久才处理？")
    assert "我们先把这件事办完" in reply and "暂时回答不了" not in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.asking == "location" and "location" not in form.slots
    reply = chat.say("先问个事 你们几点下班")   # opened as a question, about nothing a service answers: never the place
    assert "暂时回答不了" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.asking == "location" and "location" not in form.slots


def test_a_question_read_as_a_no_where_what_happened_is_asked_is_the_description(chat, fake_runtime, monkeypatch):
    from bot.nlu.client import Parse
    nlu = fake_runtime.dispatcher.nlu
    parse = nlu.parse

    def as_a_no(text):   # a grievance asked as a question, read as a no by the model
        p = parse(text)
        return Parse(p.text, "deny", 0.9, (("deny", 0.9),), p.entities) if "凭什么" in text else p
    monkeypatch.setattr(nlu, "parse", as_a_no)
    chat.say("我要投诉")
    assert fake_runtime.sessions.load(chat.user_key).form.asking == "content"
    reply = chat.say("预付卡的钱凭什么不给退？")
    assert "暂时回答不了" not in reply and "已取消" not in reply
    assert "凭什么不给退" in fake_runtime.sessions.load(chat.user_key).form.slots["content"]


@pytest.mark.parametrize("code", ["幺二三四五六", "一二三四五六", "幺两三四五六", "验证码是 幺2三四五六", "幺二三 四五六"])
def test_an_sms_code_said_in_chinese_numerals_binds(chat, code):
    chat.say("实名认证")
    chat.say("王建国")
    assert "验证码" in chat.say(WANG[1])
    assert "身份核验成功" in chat.say(code)


@pytest.mark.parametrize("said", ["验证码是", "一二三", "好的 等一下"])
def test_an_empty_or_unreadable_code_never_binds(chat, said):
    chat.say("实名认证")
    chat.say("王建国")
    chat.say(WANG[1])
    reply = chat.say(said)
    assert "身份核验成功" not in reply and "6位" in reply


def test_the_code_read_is_the_one_said_in_any_writing():
    from handlers.identity import code_said
    assert code_said("幺二三四五六") == code_said("１２３４５６") == code_said("123465 啊打反了 是123456") == "123456"
    with pytest.raises(SlotInvalid):
        code_said("")


@pytest.mark.parametrize("said", ["12345 一下", "12345 一直没收到最后一位", "验证码 12345 两次都是这个", "一二三四五六个",
                                  "12345 第一次", "我等了三四五分钟", "幺二三四五六次"])
def test_a_short_code_or_a_count_never_makes_a_code_with_the_words_beside_it(said):
    from handlers.identity import code_said
    with pytest.raises(SlotInvalid, match="6位"):
        code_said(said, said)


@pytest.mark.parametrize("said", ["幺二三四五六", "幺2三四五六", "幺二三 四五六", "一 二 三 四 五 六", "验证码一二三四五六"])
def test_a_run_of_numerals_of_its_own_is_a_code(said):
    from handlers.identity import code_said
    assert code_said(said, said) == "123456"


def test_a_five_digit_code_with_a_word_is_told_the_code_has_six_digits(chat):
    chat.say("实名认证")
    chat.say("王建国")
    chat.say(WANG[1])
    reply = chat.say("验证码 12345 两次都是这个")
    assert "身份核验成功" not in reply and "6位" in reply


@pytest.mark.parametrize("first, said", [("绑身份证 我是王建国本人", None), ("帮我实名一下", "鄙人王建国 麻烦了"),
                                         ("实名认证", "我姓王名建国"), ("实名认证", "在下王建国")])
def test_a_name_said_with_a_humble_prefix_or_a_suffix_is_taken(chat, first, said):
    reply = chat.say(first)
    if said is not None:
        reply = chat.say(said)
    assert "身份证号" in reply and "姓名" not in reply
    assert "验证码" in chat.say(WANG[1])   # the name and the ID number belong together


def _complaint_at_its_card(chat):
    chat.bind(WANG)
    for said in ("我要投诉", "路灯坏了", "锦江区春熙路", "这几天"):
        chat.say(said)
    assert "请确认您的诉求" in chat.say("不留")


@pytest.mark.parametrize("held", ["别取消 我再看一眼", "先别取消", "不要取消哈", "莫取消 等一下"])
def test_a_cancel_turned_down_at_the_card_keeps_the_card(chat, fake_runtime, held):
    _complaint_at_its_card(chat)
    reply = chat.say(held)
    assert "没有提交" not in reply and "已取消" not in reply and "确认" in reply
    assert fake_runtime.sessions.load(chat.user_key).form.intent == "file_complaint"
    assert "已为您提交" in chat.say("可以了 确认")


def test_a_cancel_turned_down_with_a_yes_confirms(chat):
    _complaint_at_its_card(chat)
    assert "已为您提交" in chat.say("不要取消 提交嘛")


@pytest.mark.parametrize("question", ["如果约了到时候去不成，能取消不？", "约好了临时有事可以取消吗", "取消的话要扣分不",
                                      "到时候去不了能不能取消哦"])
def test_a_question_about_cancelling_a_booking_cancels_nothing(chat, fake_runtime, question, travel):
    travel(at("2026-11-20T10:00"))                # a Friday: 下周二 / 下周三 are working days in the window
    chat.bind(WANG)
    chat.say("预约 锦江区 居住证 下周二上午")
    before = fake_runtime.sessions.load(chat.user_key).form
    reply = chat.say(question)
    assert "已取消" not in reply and "取消预约" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "book_appointment" and form.data["item"] == before.data["item"] == "居住证"


def test_a_question_about_cancelling_a_complaint_is_answered_and_the_question_asked_again(chat, fake_runtime):
    chat.say("我要投诉")
    chat.say("路灯坏了")
    reply = chat.say("提交了以后还可以取消吗")
    assert "已取消" not in reply and "回复“取消”" in reply and "哪里" in reply
    assert fake_runtime.sessions.load(chat.user_key).form.slots == {"content": "路灯坏了"}
    assert "已取消" in chat.say("取消")


def _reads_as(monkeypatch, fake_runtime, marker: str, intent: str, confidence: float = 0.9):
    """The model reading a message that holds `marker` as `intent` (as the trained one may)."""
    from bot.nlu.client import Parse
    nlu = fake_runtime.dispatcher.nlu
    parse = nlu.parse

    def read(text):
        p = parse(text)
        return p if marker not in text else Parse(p.text, intent, confidence, ((intent, confidence),), p.entities)
    monkeypatch.setattr(nlu, "parse", read)


@pytest.mark.parametrize("opened, read_as", [
    ("先不管那个，你们那个大厅有停车场没得", "file_complaint"), ("先问个事 大厅有停车场没得", "file_complaint"),
    ("对了 问你个事 大厅停车收费不", "out_of_scope"), ("先不说这个 大厅停车好停不", "bind_identity"),
])
def test_a_question_opened_as_one_in_a_booking_is_never_a_complaint_and_the_booking_goes_on(
        chat, fake_runtime, monkeypatch, opened, read_as, travel):
    travel(at("2026-11-20T10:00"))                # a Friday: 下周二 / 下周三 are working days in the window
    _reads_as(monkeypatch, fake_runtime, "停车", read_as)
    chat.bind(WANG)
    chat.say("预约 下周二上午")
    held = dict(fake_runtime.sessions.load(chat.user_key).form.data)
    reply = chat.say(opened)
    assert "暂时回答不了" in reply and "预约" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "book_appointment" and form.data["date"] == held["date"] and form.data["part"] == "am"
    chat.say("锦江区 补办社保卡")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.data["item"] == "社保卡补办" and form.data["district"] == "锦江区" and form.data["date"] == held["date"]


def test_a_question_opened_as_one_in_a_booking_keeps_its_numbered_choices(chat, fake_runtime, monkeypatch, travel):
    travel(at("2026-11-20T10:00"))                # a Friday: 下周二 / 下周三 are working days in the window
    _reads_as(monkeypatch, fake_runtime, "停车", "file_complaint")
    chat.bind(WANG)
    chat.say("预约 下周二上午")                       # the items offered by number
    assert "编号" in chat.say("先不管那个，你们那个大厅有停车场没得")
    chat.say("8")                                     # 社保卡补办, the eighth item offered
    assert fake_runtime.sessions.load(chat.user_key).form.data.get("item") == "社保卡补办"


@pytest.mark.parametrize("said, note", [("不满意 电话不留 就是想说太慢了", "就是想说太慢了"),
                                        ("非常不满意，不留电话了，等了两个钟头", "等了两个钟头"),
                                        ("不满意 号码就不留了", None), ("不满意 不留", None)])
def test_a_bad_rating_that_declines_the_phone_with_it_ends_with_the_level(chat, fake_runtime, said, note):
    chat.bind(WANG)
    chat.say("社保")
    reply = chat.say(said)
    assert "已登记回访" in reply and "手机号" not in reply and "通过这个对话" in reply
    assert fake_runtime.sessions.load(chat.user_key).form is None
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task["level"] in ("不满意", "非常不满意") and task.get("notes", []) == ([note] if note else [])


@pytest.mark.parametrize("said", ["不满意 留了电话不给回", "不满意 电话不给回 打了十几次", "非常不满意 窗口号码不给 让我们干等",
                                  "非常不满意 工作人员不给电话号码 打不通", "不满意 手机不给用 要我去柜台",
                                  "不满意 他们说 不留 就不给办"])
def test_a_bad_rating_with_a_story_about_phones_still_asks_for_the_phone(said):
    from handlers.ratings import _declined_with_the_level
    assert _declined_with_the_level(said) is None


@pytest.mark.parametrize("said, note", [("不满意 号码就不给了 等了一上午", "等了一上午"), ("非常不满意 排了三个钟头 电话不留了", "排了三个钟头")])
def test_a_no_to_the_phone_at_the_end_or_after_the_level_keeps_the_rest(said, note):
    from handlers.ratings import _declined_with_the_level
    assert _declined_with_the_level(said) == note


def test_a_bad_rating_with_a_story_about_phones_keeps_the_whole_comment(chat):
    chat.bind(WANG)
    chat.say("社保")
    assert "手机号" in chat.say("非常不满意 窗口号码不给 让我们干等")


def test_a_bad_rating_without_a_no_to_the_phone_still_asks_for_it(chat):
    chat.bind(WANG)
    chat.say("社保")
    assert "手机号" in chat.say("不满意 留不留电话都行吗")


def test_a_question_read_as_a_no_where_a_code_is_asked_is_said_unanswerable(chat, fake_runtime, monkeypatch):
    """Only the description takes a question as its value; a partner's code step says it cannot answer."""
    from bot.nlu.client import Parse
    nlu = fake_runtime.dispatcher.nlu
    parse = nlu.parse

    def as_a_no(text):
        p = parse(text)
        return Parse(p.text, "deny", 0.9, (("deny", 0.9),), p.entities) if "要钱不" in text else p
    monkeypatch.setattr(nlu, "parse", as_a_no)
    chat.bind(WANG)
    chat.say("我有授权码")
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form is not None and form.asking == "consent_code"
    reply = chat.say("授权了要钱不")
    assert "暂时回答不了" in reply
    assert fake_runtime.sessions.load(chat.user_key).form.asking == "consent_code"


def test_a_question_at_the_card_the_model_reads_as_a_yes_submits_nothing(chat, fake_runtime, monkeypatch):
    _reads_as(monkeypatch, fake_runtime, "能取消吗", "affirm")
    _complaint_at_its_card(chat)
    reply = chat.say("确认以后能取消吗？")
    assert "已为您提交" not in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form is not None and form.intent == "file_complaint"


def test_a_question_opened_as_one_about_the_booking_itself_goes_to_the_booking(chat, fake_runtime, monkeypatch, travel):
    travel(at("2026-11-20T10:00"))                # a Friday: 下周二 / 下周三 are working days in the window
    chat.bind(WANG)
    chat.say("预约 锦江区 居住证")
    _reads_as(monkeypatch, fake_runtime, "先问一下", "book_appointment")
    reply = chat.say("先问一下 下周三上午还有号没")
    assert "暂时回答不了" not in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "book_appointment" and form.data.get("date")


@pytest.mark.parametrize("said", ["确认，大概多久处理？", "好的 提交吧 多久有回复？"])
def test_a_yes_said_first_then_a_question_at_the_card_submits(chat, fake_runtime, said):
    _complaint_at_its_card(chat)
    assert "已为您提交" in chat.say(said)


@pytest.mark.parametrize("said, note", [("不满意 排了两小时队 不留电话了 你们看着办", "排了两小时队 你们看着办"),
                                        ("不满意，排了两小时队，不留电话了，你们看着办", "排了两小时队，你们看着办"),
                                        ("非常不满意 等了很久 电话不留 太慢", "等了很久 太慢"),
                                        ("不满意 等太久 号码不给了 下次不来了", "等太久 下次不来了"),
                                        ("不满意 等了很久 不想留 太慢", "等了很久 太慢"),
                                        ("不满意 电话不给", ""), ("非常不满意 等了一上午 号码不给", "等了一上午")])
def test_a_no_to_the_phone_in_a_clause_of_its_own_anywhere_keeps_the_rest(said, note):
    from handlers.ratings import _declined_with_the_level
    assert _declined_with_the_level(said) == note


@pytest.mark.parametrize("said", ["不满意 排队 窗口号码不给 让我们干等", "不满意 等了很久 留了电话不给回 太差",
                                  "不满意 等了很久 工作人员不给电话号码 太差", "不满意 排队 他们说 不留 就不给办",
                                  "不满意 排队 窗口号码不给"])
def test_a_story_about_staff_and_phones_in_a_middle_clause_is_no_no_to_the_phone(said):
    from handlers.ratings import _declined_with_the_level
    assert _declined_with_the_level(said) is None


def test_a_bad_rating_declining_the_phone_in_a_middle_clause_asks_no_phone(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("社保")
    reply = chat.say("不满意 排了两小时队 不留电话了 你们看着办")
    assert "已登记回访" in reply and "手机号" not in reply
    [task] = fake_runtime.services.callbacks.open_tasks()
    assert task.get("notes") == ["排了两小时队 你们看着办"]


def test_a_question_about_the_request_opened_as_one_where_the_phone_is_asked_is_answered(chat, fake_runtime):
    assert "手机号" in chat.say("我要投诉 楼下烧烤店油烟太大 在武侯区玉林北路 这个礼拜天天晚上都这样")
    asking = fake_runtime.sessions.load(chat.user_key).form.asking
    reply = chat.say("先问一下 投诉要多久才处理？")
    assert "我们先把这件事办完" in reply and "派单" in reply and "手机号" in reply
    form = fake_runtime.sessions.load(chat.user_key).form
    assert form.intent == "file_complaint" and form.asking == asking and "contact" not in form.slots
