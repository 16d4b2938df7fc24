"""Issue 12 through the real stack (the Rasa server, Redis, the sandbox): citizens talk in whole
sentences. The examples of the issue, and more of each kind, typed as a citizen would."""
import datetime as dt
import re

from tests.fixtures.chat import LI, WANG
from tests.fixtures.clock import at

MONDAY = at("2026-11-16T10:00")
SATURDAY_EVENING = at("2026-11-28T20:00")


def form_of(stack_runtime, chat):
    return stack_runtime.sessions.load(chat.user_key).form


# -- 1. forms take what they are given ---------------------------------------------------------
def test_name_and_id_number_together_fill_both_slots(talk, stack_runtime):
    c = talk()
    assert "姓名" in c.say("我要实名认证")
    sent = c.say("王建国 510104198506122310")
    assert "验证码已发送" in sent and "138****0001" in sent and "中文姓名" not in sent
    assert "身份核验成功" in c.say("123456")


def test_an_id_number_sent_when_the_name_was_asked_is_kept_and_checked_at_once(talk, stack_runtime):
    c = talk()
    c.say("实名认证")
    assert "校验不通过" in c.say("5101 0419 8506 1223 11")        # wrong check character: said at once
    asked = c.say("5101-0419-8506-1223-10")                         # kept; the name is what is missing
    assert "姓名" in asked
    assert form_of(stack_runtime, c).slots["id_number"] == WANG[1]
    assert "验证码已发送" in c.say("王建国")


def test_an_unbound_citizen_giving_name_id_and_question_in_one_message(talk):
    c = talk()
    first = c.say("我叫王建国，身份证510104198506122310，帮我查下公积金")
    assert "不会被用于查询" not in first and "验证码已发送" in first
    done = c.say("验证码是123456")
    assert "身份核验成功" in done and "52,340.56" in done


def test_corrections_replace_what_was_given(talk, stack_runtime, travel):
    c = talk()
    c.say("实名认证")
    c.say("李方")
    c.say("不对，名字是李芳")
    assert form_of(stack_runtime, c).slots["person_name"] == "李芳"
    assert "验证码已发送" in c.say(LI[1])
    travel(MONDAY)
    b = talk()
    b.bind(WANG)
    b.say("帮我约明天上午去武侯区办居住证")
    b.say("日期改成周五")
    data = form_of(stack_runtime, b).data
    assert data["date"] == "2026-11-20" and data["item"] == "居住证" and data["district"] == "武侯区"
    b.say("上午去不了 改下午嘛")
    assert form_of(stack_runtime, b).data["part"] == "pm"


def test_an_appointment_sentence_naming_a_free_time_is_not_asked_the_time(talk, stack_runtime, travel):
    travel(MONDAY)
    c = talk()
    c.bind(WANG)
    card = c.say("帮我约周三上午10点去武侯区办居住证")
    assert "请确认预约信息" in card and "10:00" in card and "可预约的时段" not in card
    data = form_of(stack_runtime, c).data
    assert (data["date"], data["start"], data["item"]) == ("2026-11-18", "10:00", "居住证")


def test_only_wrong_answers_count_towards_the_lock_out(talk):
    c = talk()
    c.say("实名认证")
    for said in ("嗯", "啊？", "你说啥子", "我看看", "哦哦", "呃"):
        assert "已退出" not in c.say(said)
    assert "验证码已发送" in c.say("王建国 510104198506122310")


def test_a_complaint_takes_the_phone_it_already_carries(talk):
    c = talk()
    c.say("投诉：小区旁边工地每天夜间施工，噪音太大，电话 138-8000-0001")
    c.say("锦江区东大街100号附近")
    card = c.say("这一周每天晚上11点以后")
    assert "138****0001" in card and "请确认" in card or "确认" in card


# -- 2. a new question in the middle of a form --------------------------------------------------
def test_a_question_mid_form_is_answered_and_the_form_offered_back(talk, stack_runtime):
    c = talk()
    c.say("我要实名认证")
    c.say("王建国")
    aside = c.say("办护照要带什么材料")
    assert "继续刚才的实名认证吗" in aside and "取消" in aside
    assert form_of(stack_runtime, c).slots.get("person_name") == "王建国"
    assert "验证码已发送" in c.say(WANG[1])


def test_cancelling_is_one_word_or_one_short_sentence_away(talk, stack_runtime):
    c = talk()
    c.say("我要投诉隔壁的狗天天叫到半夜")
    assert "已取消" in c.say("算了 不投诉了 邻居不好弄")
    assert form_of(stack_runtime, c) is None


# -- 3. identifiers in every shape; offsets in the citizen's text ------------------------------
def test_an_id_number_grouped_any_way_never_reaches_the_work_order_or_the_nlu_cache(talk, stack_runtime, redis_hub):
    c = talk()
    c.say("投诉：物业把我的身份证 5101.0719.9203.0845.25 复印件贴在公告栏上，电话 +86 139 8001 2764")
    c.say("锦江区水井街12号")
    c.say("昨天下午")
    filed = c.say("确认")
    order_no = re.search(r"GD\d{14}", filed).group(0)
    summary = stack_runtime.adapters.workorders.get(order_no, None).summary
    cached = "".join(redis_hub.text.get(k) or "" for k in redis_hub.text.scan_iter(match=redis_hub.prefix + "nlu*"))
    for text in (summary, cached, filed):
        digits = re.sub(r"\D", "", text)
        assert "19920308" not in digits and "13980012764" not in digits


def test_entity_offsets_refer_to_the_citizens_text(stack_runtime):
    said = "预约取号 锦江"
    parse = stack_runtime.nlu.parse(said)
    for e in parse.entities:
        if e.start is not None:
            assert said[e.start:e.end].strip() == said[e.start:e.end]
            assert said[e.start:e.end] in said and " " not in said[e.start:e.end]


# -- 4. names ------------------------------------------------------------------------------------
def test_names_as_people_give_them(talk, stack_runtime):
    for said, name in (("我叫欧阳娜娜", "欧阳娜娜"), ("名字叫罗小燕", "罗小燕"), ("我是司马婉婷", "司马婉婷"),
                       ("上官云帆 手机15390218746", "上官云帆")):
        c = talk()
        c.say("实名认证")
        c.say(said)
        assert form_of(stack_runtime, c).slots.get("person_name") == name, said


# -- 6. identity hardening -----------------------------------------------------------------------
def test_after_hours_handoff_order_has_only_the_citizens_words_masked(talk, stack_runtime, travel):
    c = talk()
    c.bind(WANG)
    assert "52,340.56" in c.say("公积金余额多少")
    travel(SATURDAY_EVENING)
    assert "非工作时间" in c.say("转人工")
    reply = c.say("138 8000 0001")
    order_no = re.search(r"GD\d{14}", reply).group(0)
    summary = stack_runtime.adapters.workorders.get(order_no, None).summary
    assert "公积金余额多少" in summary and "52,340.56" not in summary and "助手" not in summary
    assert "13880000001" not in re.sub(r"\D", "", summary.replace("138****0001", ""))
