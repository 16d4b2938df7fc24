"""Each service's answers for the seeded citizens (keyword NLU, real sandbox):
figures and next steps, the guide, appointments, complaints."""
import re

import pytest

from bot.core.messages import Card, Choices
from tests.fixtures.chat import CHEN, LI, LIU, WANG, ZHAO, affairs_in, number_of, offered, roomy_slot, windows
from tests.fixtures.clock import DATES, at

A_MONDAY = at("2026-11-16T10:00")


def test_housing_fund_social_and_medical_insurance(chat):
    chat.bind(LI)
    assert "18,905.20 元" in chat.say("公积金")
    med = chat.say("医保")
    assert "3,120.45 元" in med and "审核中" in med and "10 个工作日" in med


def test_retiree_pension_and_utility_bills(chat):
    chat.bind(ZHAO)
    pension = chat.say("养老金")
    assert "3,860.00 元" in pension and "资格认证" in pension
    bills = chat.say("水电费")
    assert "45.60 元" in bills and "210.35 元" in bills and "合计待缴 255.95 元" in bills
    assert "燃气费" not in bills   # the gas bill was paid


def test_student_without_housing_fund(chat):
    chat.bind(CHEN)
    assert "没有查到您名下的住房公积金账户" in chat.say("公积金")


def test_business_registration_licence_ready(chat):
    chat.bind(LIU)
    reply = chat.say("营业执照 QY20261105000789")
    assert "成都刘洋餐饮管理有限公司" in reply and "已核准" in reply and "已可领取" in reply
    assert "12 个月" in chat.say("社保")


def test_endorsement_ready_to_collect(chat):
    chat.bind(LI)
    reply = chat.say("签注进度")
    assert "CJ20261020000456" in reply and "已制证待领取" in reply and "武侯区出入境接待大厅" in reply


@pytest.mark.parametrize("when", DATES)
def test_ledger_filters_in_plain_words(chat, fake_runtime, travel, when):
    today = travel(when).date()
    chat.bind(WANG)
    assert "港澳 个人旅游签注" in chat.say("还没办完的")
    assert "公积金提取（租房）" not in chat.text()
    for words, (first, last) in windows(today).items():
        keep, drop = affairs_in(fake_runtime, WANG[1], "武侯区", first, last)
        reply = chat.say(f"{words}在武侯区办的")
        assert all(ref in reply for ref in keep) and not any(ref in reply for ref in drop), words
        assert ("公积金提取（租房）" in reply) == ("GJ20261015000311" in keep), words
        assert ("没有符合条件" in reply) == (not keep), words


# Days on which each window reaches the seeded matters in 武侯区 (updated 2026-10-12 and 10-18), so
# that keeping them is shown, also across the year boundary.
@pytest.mark.parametrize("when, words", [
    pytest.param(at("2026-11-20T10:00"), "上个月", id="last-month-2026-11-20"),
    pytest.param(at("2027-01-01T10:00"), "去年", id="last-year-2027-01-01"),
    pytest.param(at("2027-01-05T10:00"), "最近三个月", id="three-months-2027-01-05"),
])
def test_a_window_that_reaches_the_seeded_matters_keeps_them(chat, fake_runtime, travel, when, words):
    today = travel(when).date()
    chat.bind(WANG)
    chat.say("我的办件")
    keep, drop = affairs_in(fake_runtime, WANG[1], "武侯区", *windows(today)[words])
    assert {"GJ20261015000311", "YB20261008000077"} <= keep and "CJ20261101000123" in drop
    reply = chat.say(f"{words}在武侯区办的")
    assert all(ref in reply for ref in keep) and not any(ref in reply for ref in drop)


def test_guide_answers_the_question_asked(chat):
    fee = chat.say("办护照收费吗")
    assert "120元" in fee and "材料" not in fee
    where = chat.say("结婚登记在哪办")
    assert "婚姻登记处" in where
    chat.send("办事指南")
    assert isinstance(chat.replies[0], Choices) and "企业开办" in chat.text()
    chat.say("8")                                   # 企业开办
    card = chat.send("1")                           # 营业执照
    assert isinstance(card[0], Card) and "蓉易办" in chat.text()


def test_guide_life_event_bundle(chat):
    reply = chat.say("生孩子要办哪些事")
    for item in ("生育登记", "出生登记", "新生儿落户", "城乡居民医保参保", "生育津贴"):
        assert item in reply
    assert "生育津贴办事指南" in chat.say("6")


def _book_first_free(chat, day: str | None = None, start: str | None = None) -> tuple[str, str]:
    """From the hall (the first) to the confirmation, on `day` at `start` if given, else on the
    first day offered at the first slot with room for two; returns (day, start). After “您已经预约了…”
    it answers 改约 first."""
    if "已经预约了" not in chat.text():
        chat.say("预约办理居住证")
    else:
        chat.say("1")                                   # 改约到其他时间
    chat.say("1")                                       # hall
    day = day or offered(chat.replies)[0].reply
    chat.say(number_of(chat.replies, day))
    start = start or roomy_slot(chat.replies)
    chat.say(number_of(chat.replies, start))
    return day, start


def test_appointment_book_then_cancel(chat):
    chat.bind(WANG)
    _book_first_free(chat)
    assert "请确认预约信息" in chat.text() and "居住证" in chat.text()
    booked = chat.say("确认")
    number = re.search(r"YY\d{14}", booked).group(0)
    assert number in chat.say("我的预约")
    chat.say("取消预约")
    if "要取消哪个" in chat.text():
        chat.say(number)
    assert f"已取消预约 {number}" in chat.say("确定")


@pytest.mark.parametrize("when", DATES)
def test_a_confirmation_is_never_booked_twice(chat, fake_runtime, redis_hub, sandbox, travel, when):
    travel(when)
    chat.bind(LIU)
    day, start = _book_first_free(chat)
    key = redis_hub.key("session", chat.user_key)
    before_confirming = redis_hub.text.get(key)
    created = sandbox.stats("appointments")["created"]
    first = re.search(r"YY\d{14}", chat.say("确认")).group(0)
    # The reply got lost and the same confirmation comes again (a retry): the same booking, not a new one.
    redis_hub.text.set(key, before_confirming)
    again = re.search(r"YY\d{14}", chat.say("确认")).group(0)
    assert again == first and sandbox.stats("appointments")["created"] == created + 1
    # A new request for the same item offers to reschedule; the very same slot is refused by the
    # appointment system, and the booking held is kept.
    assert "已经预约了“居住证”" in chat.say("预约办理居住证")
    _book_first_free(chat, day, start)                  # 改约 to the very slot already held
    assert "请确认预约信息" in chat.text() and "原预约" in chat.text() and start in chat.text()
    assert "已经预约过这个时段" in chat.say("确认")
    active = [b for b in fake_runtime.adapters.appointments.bookings(LIU[1]) if b.status == "已预约"]
    assert [b.booking_no for b in active].count(first) == 1
    fake_runtime.adapters.appointments.cancel(first, LIU[1])


def test_complaint_routed_filed_and_followed(chat, fake_runtime):
    chat.bind(ZHAO)
    assert "描述" in chat.say("我要投诉")
    chat.say("老板拖欠我两个月工资")
    chat.say("双流区东升街道某装修公司")
    chat.say("上个月开始")
    card = chat.say("13880000003")
    assert "人力资源和社会保障局" in card and "拖欠工资" in card and "138****0003" in card
    filed = chat.say("确认")
    order_no = re.search(r"GD\d{14}", filed).group(0)
    assert "转交人力资源和社会保障局" in filed
    order = fake_runtime.adapters.workorders.get(order_no, ZHAO[1])
    assert order.department == "人力资源和社会保障局" and order.topic == "wages" and order.district == "双流区"
    progress = chat.say(order_no)
    assert order_no in progress and "已受理" in progress


def test_complaint_work_order_carries_the_masked_conversation(chat, fake_runtime, sandbox):
    chat.say("投诉：我家楼下工地半夜施工，我电话13880000009")
    chat.say("锦江区东大街")
    assert "138****0009" in chat.say("每天晚上")   # the phone already given is not asked for again
    filed = chat.say("确认")
    order_no = re.search(r"GD\d{14}", filed).group(0)
    assert "生态环境局" in filed
    order = fake_runtime.adapters.workorders.get(order_no, None)
    assert "138****0009" in order.summary and "13880000009" not in order.summary
    assert "【对话记录】" in order.summary


def test_someone_elses_work_order_is_like_a_missing_one(chat):
    chat.bind(WANG)
    others = chat.say("GD20261028000988")     # 李芳's
    missing = chat.say("GD20261028999999")
    assert others == missing and "没有查到" in others
    assert "GD20261012000456" in chat.say("GD20261012000456")   # his own


def test_the_work_order_carries_only_what_the_citizen_said_in_the_complaint(chat, fake_runtime):
    chat.bind(WANG)
    assert "52,340.56" in chat.say("公积金")       # earlier in the conversation: personal figures
    chat.say("我要投诉")
    chat.say("楼下工地半夜施工，吵得睡不着")
    chat.say("锦江区东大街")
    chat.say("每天晚上")
    chat.say("13880000009")
    order_no = re.search(r"GD\d{14}", chat.say("确认")).group(0)
    summary = fake_runtime.adapters.workorders.get(order_no, WANG[1]).summary
    assert "楼下工地半夜施工" in summary and "市民：每天晚上" in summary
    assert "52,340.56" not in summary and "公积金" not in summary and "助手：" not in summary
    assert "13880000009" not in summary


def _held(fake_runtime, who, item="居住证") -> list:
    return [b.booking_no for b in fake_runtime.adapters.appointments.bookings(who[1])
            if b.item == item and b.status == "已预约"]


def test_a_second_booking_of_the_same_item_is_a_reschedule(chat, fake_runtime):
    chat.bind(WANG)
    _book_first_free(chat)
    first = re.search(r"YY\d{14}", chat.say("确认")).group(0)
    try:
        # Keep it: nothing new is booked.
        assert "已经预约了“居住证”" in chat.say("预约办理居住证")
        kept = chat.say("2")
        assert "原预约保留" in kept and "已取消" not in kept
        assert _held(fake_runtime, WANG) == [first]
        # Reschedule: the new booking is made, then the old one cancelled.
        chat.say("预约办理居住证")
        chat.say("1")   # 改约
        chat.say("1")   # hall
        chat.say("2")   # another day
        chat.say("1")   # slot
        assert "原预约" in chat.text()
        done = chat.say("确认")
        second = re.search(r"YY\d{14}", done).group(0)
        assert "预约成功" in done and f"原预约 {first} 已取消" in done
        assert _held(fake_runtime, WANG) == [second]
    finally:
        for no in _held(fake_runtime, WANG):
            fake_runtime.adapters.appointments.cancel(no, WANG[1])


def test_keeping_a_booking_is_not_answered_with_cancelled(chat, fake_runtime):
    chat.bind(ZHAO)
    _book_first_free(chat)
    number = re.search(r"YY\d{14}", chat.say("确认")).group(0)
    try:
        chat.say("取消预约")
        if "要取消哪个" in chat.text():
            chat.say(number)
        reply = chat.say("2")                       # 保留预约
        assert "预约保留" in reply and "已取消" not in reply
        assert number in _held(fake_runtime, ZHAO)
    finally:
        fake_runtime.adapters.appointments.cancel(number, ZHAO[1])


def _complaint_form(fake_runtime, chat):
    return fake_runtime.sessions.load(chat.user_key).form


def test_a_complaint_that_only_says_where_is_asked_what_happened_and_keeps_the_place(chat, fake_runtime):
    assert "描述" in chat.say("投诉武侯区玉林路")
    assert _complaint_form(fake_runtime, chat).slots == {"location": "投诉武侯区玉林路"}
    assert "什么时候" in chat.say("有家火锅店把油污直接倒进下水道")
    assert _complaint_form(fake_runtime, chat).slots["content"] == "有家火锅店把油污直接倒进下水道"


def test_a_question_in_the_middle_of_a_complaint_is_no_place_and_no_time(chat, fake_runtime):
    chat.say("我想投诉噪音扰民")
    reply = chat.say("你们几点下班？")
    assert "暂时回答不了" in reply and "在哪里" in reply
    assert _complaint_form(fake_runtime, chat).slots == {"content": "我想投诉噪音扰民"}
    assert "什么时候" in chat.say("锦江区东大街那个KTV")
    assert _complaint_form(fake_runtime, chat).slots["location"] == "锦江区东大街那个KTV"


def test_no_thanks_in_a_sentence_ends_the_complaint(chat, fake_runtime):
    chat.say("投诉 我们小区电梯老是坏")
    assert "已取消" in chat.say("不用了，今天先这样")
    assert _complaint_form(fake_runtime, chat) is None
    chat.say("我要投诉")
    assert "已取消" in chat.say("算了 下次再说")


def test_a_district_without_a_hall_for_the_item_is_kept_and_the_nearest_halls_offered(chat, fake_runtime):
    """护照 has no hall in 青羊区: the district the citizen said is not thrown away while they choose,
    the other districts' halls come nearest first, and the chosen hall's district is the booking's."""
    from handlers.halls import distance_km
    chat.bind(WANG)
    reply = chat.say("预约去青羊区办护照")
    assert "青羊区暂无可预约“护照”的大厅" in reply
    form = _complaint_form(fake_runtime, chat)
    assert form.data["district"] == "青羊区" and "hall_id" not in form.data
    halls = {h.hall_id: h for h in fake_runtime.adapters.appointments.halls()}
    qingyang = [(h.lat, h.lon) for h in halls.values() if h.district == "青羊区"]
    offered_ids = list(form.data["hall_options"])
    assert {halls[i].district for i in offered_ids} != {"青羊区"} and len(offered_ids) >= 2
    assert all("护照" in halls[i].items for i in offered_ids)
    distances = [distance_km(qingyang[0], (halls[i].lat, halls[i].lon)) for i in offered_ids]
    assert distances == sorted(distances)
    chat.say("1")
    form = _complaint_form(fake_runtime, chat)
    assert form.data["hall_id"] == offered_ids[0] and form.data["district"] == halls[offered_ids[0]].district


def test_a_booking_names_its_item_by_a_catalogue_synonym(chat, fake_runtime):
    """暂住证 is no hall item as written; the catalogue knows it as 居住证 (the hall's word)."""
    chat.bind(WANG)
    chat.say("预约办理暂住证")
    assert _complaint_form(fake_runtime, chat).data.get("item") == "居住证"


@pytest.mark.parametrize("said, item", [("约个号办港奥通行证", "港澳通行证"), ("预约办护招", "护照"),
                                        ("预约 港澳同行证", "港澳通行证"), ("预约社保咔补办", "社保卡补办")])
def test_a_booking_names_its_item_with_a_slip_of_the_input_method(chat, fake_runtime, said, item):
    chat.bind(WANG)
    chat.say(said)
    assert _complaint_form(fake_runtime, chat).data.get("item") == item


@pytest.mark.parametrize("said, item", [("我想约个号 换身分证", "身份证换领"), ("我想预约一个号 办passport", "护照"),
                                        ("预约 business license", "营业执照"), ("约个号 换个身分证嘛", "身份证换领")])
def test_a_booking_names_its_item_said_apart_with_a_slip_or_in_english(chat, fake_runtime, said, item):
    chat.bind(WANG)
    chat.say(said)
    assert _complaint_form(fake_runtime, chat).data.get("item") == item


def test_a_name_one_character_away_that_is_no_slip_is_no_item(chat, fake_runtime):
    """离婚登记 is one character from 结婚登记, but 离 is no slip of 结: the item is asked."""
    chat.bind(WANG)
    assert "办理什么事项" in chat.say("预约离婚登记")
    assert _complaint_form(fake_runtime, chat).data.get("item") is None


@pytest.mark.parametrize("correction, item", [("居住证不办了，改成公积金提取", "公积金提取"),
                                              ("居住证不办了 改成结婚登记", "结婚登记")])
def test_a_correction_with_a_cancel_word_in_it_corrects_the_booking(chat, fake_runtime, correction, item, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    chat.say("预约 后天上午 武侯区 居住证")
    reply = chat.say(correction)
    assert "已取消" not in reply
    assert _complaint_form(fake_runtime, chat).data["item"] == item


def test_a_cancel_word_alone_still_cancels_the_booking(chat, fake_runtime, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    chat.say("预约 后天上午 武侯区 居住证")
    assert "已取消" in chat.say("不对不对 不办了")
    assert _complaint_form(fake_runtime, chat) is None


@pytest.mark.parametrize("said, intent", [("我想反映个事情", "file_complaint"), ("我要投述", "file_complaint"),
                                          ("我要约社保卡补办", "book_appointment")])
def test_a_request_stated_in_so_many_words_opens_its_form_whatever_the_nlu_reads(chat, fake_runtime, said, intent):
    chat.bind(WANG)
    chat.say(said)   # the keyword NLU reads 社保 (a query) or nothing
    assert _complaint_form(fake_runtime, chat).intent == intent



def test_a_complaint_opened_with_a_typo_asks_what_happened(chat, fake_runtime):
    chat.bind(WANG)
    assert "描述" in chat.say("我要投述")
    assert "content" not in _complaint_form(fake_runtime, chat).slots


@pytest.mark.parametrize("said", ["谢谢，我不想投诉了", "你们要约束一下那些摊贩"])
def test_a_request_turned_down_or_a_word_that_only_looks_like_one_opens_no_form(chat, fake_runtime, said):
    chat.bind(WANG)
    chat.say(said)
    form = _complaint_form(fake_runtime, chat)
    assert form is None or form.intent not in ("file_complaint", "book_appointment")


@pytest.mark.parametrize("said", ["错了，我还是不办了", "点错了，我不办了，谢谢", "不对，不办了，谢谢"])
def test_a_cancel_with_a_correction_word_but_no_new_value_still_cancels(chat, fake_runtime, said, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    chat.say("预约 后天上午 武侯区 居住证")
    assert "已取消" in chat.say(said)
    assert _complaint_form(fake_runtime, chat) is None


@pytest.mark.parametrize("choice, key, value", [("算了还是上午嘛", "part", "am"), ("那还是成华区算了", "district", "成华区")])
def test_a_choice_said_with_suan_le_is_no_cancel(chat, fake_runtime, choice, key, value, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    chat.say("预约 后天下午 武侯区 居住证")
    assert "已取消" not in chat.say(choice)
    assert _complaint_form(fake_runtime, chat).data[key] == value


def test_a_complaint_opened_with_words_that_only_announce_it_asks_what_happened(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("有个情况想跟你们反映哈")
    assert "content" not in _complaint_form(fake_runtime, chat).slots


def test_a_booking_said_in_fragments_opens_the_booking_whatever_the_item_reads_as(chat, fake_runtime, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    chat.say("锦江区出入境 签注 周五上午")   # the keyword NLU reads 签注 as the endorsement's progress
    form = _complaint_form(fake_runtime, chat)
    assert form.intent == "book_appointment" and form.data["district"] == "锦江区" and form.data["part"] == "am"


def test_a_question_with_a_day_and_a_district_is_no_booking(chat, fake_runtime, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    chat.say("锦江区出入境周五上午开门吗 签注")
    form = _complaint_form(fake_runtime, chat)
    assert form is None or form.intent != "book_appointment"


def test_a_day_alone_with_no_question_open_is_no_booking(chat, fake_runtime, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    chat.say("后天下午三点")
    assert _complaint_form(fake_runtime, chat) is None


@pytest.mark.parametrize("said, item", [("社保卡掉了 想约个补办", "社保卡补办"), ("预约 补办社保卡", "社保卡补办"),
                                        ("预约 换身份证", "身份证换领")])
def test_a_booking_item_named_by_its_thing_and_act_in_another_order(chat, fake_runtime, said, item):
    chat.bind(WANG)
    chat.say(said)
    assert _complaint_form(fake_runtime, chat).data.get("item") == item


def test_a_day_beyond_the_window_is_said_at_once_and_not_held(chat, fake_runtime, travel):
    travel(A_MONDAY)   # relative days (后天, 周五) and the booking window read the same on any date
    chat.bind(WANG)
    reply = chat.say("预约 居住证 2027-03-01")
    assert "不能预约" in reply and "date" not in _complaint_form(fake_runtime, chat).data


def test_a_complaint_saying_when_and_where_is_no_booking(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("投诉 高新区天府三街地铁口 共享单车堆起把路都堵完了 今天早上 电话13708152233")
    assert _complaint_form(fake_runtime, chat).intent == "file_complaint"


def test_a_district_with_no_hall_at_all_is_not_told_the_halls_are_nearest(chat, fake_runtime):
    chat.bind(WANG)
    reply = chat.say("预约去郫都区办护照")
    assert "郫都区暂无可预约“护照”的大厅" in reply and "最近" not in reply


@pytest.mark.parametrize("said, part", [("帮我book一个号 下下周一 am 郫都区 办港澳通行证", "am"),
                                        ("预约 周五 pm 锦江区 居住证", "pm")])
def test_a_booking_with_the_half_day_in_english_takes_it(chat, fake_runtime, travel, said, part):
    travel(A_MONDAY)
    chat.bind(WANG)
    chat.say(said)
    form = _complaint_form(fake_runtime, chat)
    assert form.intent == "book_appointment" and form.data["part"] == part


@pytest.mark.parametrize("said, item", [("ID card expired", "身份证换领"), ("lost social security card", "社保卡补办"),
                                        ("replace my lost ID card", "身份证换领"), ("HK Macau endorsement", "签注"),
                                        ("renewal of ID card", "身份证换领")])
def test_an_item_step_answered_in_english_with_an_act_word_takes_the_item(chat, fake_runtime, said, item):
    chat.bind(WANG)
    chat.say("我要预约")
    chat.say(said)
    assert _complaint_form(fake_runtime, chat).data.get("item") == item


@pytest.mark.parametrize("said, fits", [("book ID card", "身份证换领"), ("办ID card", "身份证换领"), ("shenfenzheng", "身份证换领"),
                                        ("gongjijin", "公积金提取"), ("shebaoka", "社保卡补办"), ("身份证丢了", "身份证换领")])
def test_a_thing_whose_item_is_bookable_is_told_the_items_that_fit_never_not_bookable(chat, fake_runtime, said, fits):
    chat.bind(WANG)
    chat.say("我要预约")
    reply = chat.say(said)
    assert "暂不支持" not in reply and f"可以网上预约的有：{fits}" in reply


def test_an_item_step_naming_nothing_bookable_is_still_told_so(chat, fake_runtime):
    chat.bind(WANG)
    chat.say("我要预约")
    assert "暂不支持网上预约" in chat.say("办理养犬证")
