"""Point 8 — complaints: what / where / when / contact, topic, department from
the routing table, a 12345 work order with the masked conversation, the GD
number, and progress by GD number."""
import re

from tests.fixtures.chat import LI, WANG


def test_complaint_filed_routed_and_followed(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    assert "发生了什么" in c.say("我要投诉")
    c.say("小区旁边的工地每天夜间施工，噪音太大")
    c.say("锦江区东大街100号附近")
    c.say("这一周每天晚上11点以后")
    card = c.say("13880000001")
    assert "噪音扰民" in card and "生态环境局" in card and "138****0001" in card
    filed = c.say("确认")
    order_no = re.search(r"GD\d{14}", filed).group(0)
    order = stack_runtime.adapters.workorders.get(order_no, WANG[1])
    assert order.topic == "noise" and order.department == "生态环境局" and order.district == "锦江区"
    assert "13880000001" not in order.summary and "【对话记录】" in order.summary
    assert "助手：" not in order.summary and "身份核验" not in order.summary   # the citizen's words only
    progress = c.say(order_no)
    assert order_no in progress and "已受理" in progress


def test_other_topics_go_to_the_hotline_office(talk):
    c = talk()
    c.say("我要反映个问题")
    c.say("邻居家的狗每天乱叫")
    c.say("青羊区某小区")
    c.say("最近一个月")
    c.say("不留")
    assert "12345 热线办公室" in c.text()
    assert "GD" in c.say("确认")


def test_progress_of_someone_elses_order_is_like_a_missing_one(talk):
    c = talk()
    c.bind(WANG)
    assert c.say("GD20261028000988") == c.say("GD20261028999999")   # 李芳's / nobody's
    assert LI[0] not in c.text()


def test_a_complaint_told_in_one_message_is_asked_only_for_the_contact(talk, stack_runtime):
    c = talk()
    reply = c.say("投诉一下，双楠小区后面那个工地每天晚上十二点过后还在打桩")
    assert "手机号" in reply and "哪里" not in reply and "什么时候" not in reply
    slots = stack_runtime.sessions.load(c.user_key).form.slots
    assert "双楠小区" in slots["location"] and "十二点" in slots["when"] and "打桩" in slots["content"]
    card = c.say("不留")
    assert "噪音扰民" in card and "双楠小区" in card
    # a place said at the card corrects the one taken from the sentence
    card = c.say("不对，是武侯区双楠小区")
    assert stack_runtime.sessions.load(c.user_key).form.slots["location"] == "武侯区双楠小区"
    assert "地点：武侯区双楠小区" in card
    # at the confirmation too: the card again, corrected (a "不对" that corrects never cancels)
    again = c.say("不对，时间是每天凌晨一点左右")
    assert "请确认" in again and "时间：每天凌晨一点左右" in again
    assert "GD" in c.say("确认")


def test_a_place_said_where_the_time_was_asked_is_the_place(talk, stack_runtime):
    c = talk()
    assert "哪里" in c.say("我要投诉，停水了都没得人通知")
    assert "什么时候" in c.say("金牛区")
    assert "什么时候" in c.say("茶店子 西华苑")
    form = stack_runtime.sessions.load(c.user_key).form
    assert form.slots["location"] == "金牛区 茶店子 西华苑" and "when" not in form.slots
    assert "手机号" in c.say("前天")


def test_a_time_corrected_with_a_reason_naming_another_time_takes_the_time_chosen(talk, stack_runtime):
    c = talk()
    assert "手机号" in c.say("投诉 锦江区东大街 前天半夜施工")
    assert "手机号" in c.say("时间说错了 是昨晚 前天我出差了")
    assert stack_runtime.sessions.load(c.user_key).form.slots["when"] == "昨晚"


def test_a_place_named_by_a_landmark_or_a_street_is_the_place_and_its_district_routes(talk, stack_runtime):
    c = talk()
    reply = c.say("我要反映问题 东郊记忆旁边的红绿灯坏了 今天早上七点多就不亮了")
    assert "手机号" in reply and "哪里" not in reply
    # (the place stops before what happens there)
    assert stack_runtime.sessions.load(c.user_key).form.slots["location"] == "东郊记忆旁边的红绿灯"
    c = talk()
    assert "哪里" not in c.say("我要举报违建 驷马桥那边有人在楼顶加盖房子 昨天开始一直在施工")
    assert "地点：驷马桥那边\n" in c.say("不留")
    order_no = re.search(r"GD\d{14}", c.say("确认")).group(0)
    assert stack_runtime.adapters.workorders.get(order_no, None).district == "金牛区"


def test_a_yes_before_the_card_is_shown_is_never_the_place_and_the_place_is_asked_again(talk, stack_runtime):
    c = talk()
    assert "哪里" in c.say("我要举报违建 有人在楼顶加盖房子 昨天开始一直在施工")
    for said in ("确认", "确认提交", "可以"):
        reply = c.say(said)
        assert "还没到确认这一步" in reply and "哪里" in reply
        assert "location" not in stack_runtime.sessions.load(c.user_key).form.slots
    c.say("金牛区驷马桥")
    assert "地点：金牛区驷马桥" in c.say("不留")
    assert "GD" in c.say("确认")


def test_a_weekday_numeral_that_starts_a_word_is_no_weekday(talk, stack_runtime):
    c = talk()
    c.say("我要举报违建 驷马桥那边有人在楼顶加盖房子 这个礼拜一直在施工")
    assert stack_runtime.sessions.load(c.user_key).form.slots["when"] == "这个礼拜"
    assert "时间：这个礼拜\n" in c.say("不留")
