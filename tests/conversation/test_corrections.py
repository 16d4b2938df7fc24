"""What a correction keeps (bot.city.corrections) and what asks the bot about itself
(bot.conversation.words.asks_the_bot): issue 12, forms that accept corrections."""
import datetime as dt
import re

import pytest

from bot.city.districts import find_district
from bot.conversation.words import asks_the_bot
from bot.city.corrections import corrects, last_said
from bot.city.weekdays import WEEKDAY
from handlers.dates import parse_day, part_of_day

MONDAY = dt.date(2026, 11, 16)


def _day(text):
    return last_said(text, lambda t: parse_day(t, MONDAY))


@pytest.mark.parametrize("text, day", [
    ("不是周三是周四", dt.date(2026, 11, 19)),
    ("周四不行周五吧", dt.date(2026, 11, 20)),
    ("说错了 不是下周一 是下周二上午", dt.date(2026, 11, 24)),
    ("不对不对，改成后天上午", dt.date(2026, 11, 18)),
    ("日期改成周五", dt.date(2026, 11, 20)),
    ("改到周五，不是周四", dt.date(2026, 11, 20)),     # the turned-down one comes last
    ("明天去不了 后天可以", dt.date(2026, 11, 18)),
])
def test_the_last_day_said_wins_and_a_turned_down_one_never(text, day):
    assert _day(text) == day


def test_districts_and_parts_of_the_day_too():
    assert last_said("不是锦江区是武侯区", find_district) == "武侯区"
    assert last_said("地点换成高新区", find_district) == "高新区"
    assert last_said("上午去不了 改下午嘛", part_of_day) == "pm"
    assert last_said("不是锦江区", find_district) is None      # only turned down: nothing to take


@pytest.mark.parametrize("text", ["不对，是11点以后", "说错了 是前天", "地址换成高新区", "刚才打错了", "不是昨天是前天"])
def test_a_correction_is_told_from_an_answer(text):
    assert corrects(text)


@pytest.mark.parametrize("text", ["每天晚上", "武侯区玉林北路", "是在天府五街", "下水道堵了"])
def test_an_answer_is_no_correction(text):
    assert not corrects(text)


@pytest.mark.parametrize("text", ["等一下 你是真人在回还是机器人哦", "你们是不是机器人", "你是AI吗", "是自动回复吗",
                                  "到底是不是真人在回复", "你是机器人还是人工哦"])
def test_a_question_to_the_bot(text):
    assert asks_the_bot(text)


@pytest.mark.parametrize("text", ["投诉扫地机器人质量差", "我买的扫地机器人是坏的", "转人工", "武侯区玉林路",
                                  "真人秀节目太吵了", "发email给你们"])
def test_no_question_to_the_bot(text):
    assert not asks_the_bot(text)


@pytest.mark.parametrize("text, kept", [("是周四哈 我刚才说成周三了", "周四"), ("下午 我打成上午了", "下午")])
def test_a_value_said_by_mistake_is_turned_down(text, kept):
    from bot.city.corrections import corrects, last_said
    assert corrects(text)
    assert last_said(text, lambda piece: piece if piece in ("周三", "周四", "上午", "下午") else
                     next((w for w in ("周三", "周四", "上午", "下午") if w in piece), None)) == kept


def test_a_value_taken_back_with_o_bu():
    from bot.city.corrections import pieces
    assert pieces("约下周一 哦不 下周二上午")[:2] == [("约下周一", True), ("下周二上午", False)]


@pytest.mark.parametrize("text, kept, refused", [("周五改周四 下午去", "周四", "周五"), ("锦江改武侯", "武侯", "锦江")])
def test_a_bare_gai_between_two_values_turns_the_first_down(text, kept, refused):
    from bot.city.corrections import pieces
    got = dict(pieces(text))
    assert got[refused] is True and got[kept] is False


def test_a_dot_between_digits_is_no_pause():
    from bot.city.corrections import pieces
    assert ("12.22", False) in pieces("时间也改一哈 12.22")


@pytest.mark.parametrize("text, cancels", [
    ("算了不弄了 短信发到我以前那个号上去了 收不到", True),    # opens with nothing but a cancel
    ("取消 我明天再来弄哈 谢谢你们", True),
    ("算了算了 不想说了 你们也管不到", True),
    ("算了 这个事情我给你们说清楚 楼上天天晚上拖椅子", False),   # a sigh leading a story
    ("嗯嗯 地址是成华区", False),
    ("算了 不投诉了 邻居不好弄", True),
])
def test_a_cancel_leading_a_longer_message(text, cancels):
    from bot.conversation.words import says_cancel
    assert says_cancel(text) is cancels


@pytest.mark.parametrize("text, answer", [
    ("确认 辛苦你们了", True), ("对头 发过去嘛", True), ("算了算了 就这样交上去嘛", True), ("没得要改的了 提交嘛", True),
    ("嗯 就这个 约起", True), ("还是不提交了 我怕他们晓得是我举报的", False), ("先不提交", False), ("不用了", False),
    ("等一下", None), ("我再想想", None), ("地址不对", None),
    # the first clause decides: a description after a yes may hold 不了, 不弄, 不发
    ("对的 真的受不了了 赶紧来处理", True), ("对的 物业说了好几次都不弄", True), ("是的 老板一直不发工资", True),
    ("等哈 莫取消哈", None),                       # a cancel turned down is no answer to the card
])
def test_a_card_answered_in_a_sentence(text, answer):
    from bot.conversation.words import says_yes_or_no
    assert says_yes_or_no(text) is answer


@pytest.mark.parametrize("text", ["等一哈哈 不是不弄 我去拿身份证", "新都区大丰街道 上个月取消的"])
def test_a_no_taken_back_or_a_cancellation_told_is_no_cancel(text):
    from bot.conversation.words import says_cancel
    assert not says_cancel(text)


def test_a_rhetorical_double_no_still_cancels():
    from bot.conversation.words import says_cancel
    assert says_cancel("取消吧 又不是不能再约")


def test_a_half_day_with_a_reason_it_is_out_is_turned_down_and_a_slip_of_a_district_is_read():
    assert last_said("算了还是下午嘛 上午要送娃娃", part_of_day) == "pm"
    assert last_said("还是上午嘛 下午要上班", part_of_day) == "am"
    assert find_district("高薪区") == "高新区"


@pytest.mark.parametrize("text", ["不转了", "绑个身份 陈晨 110105 20000229 003x", "我有个投诉"])
def test_more_ways_to_stop_or_to_ask(text):
    from bot.conversation.dispatcher import _stated_request
    from bot.conversation.words import says_cancel
    assert says_cancel(text) or _stated_request(text) is not None


def test_a_rhetorical_no_taken_back_keeps_the_form():
    from bot.conversation.words import says_cancel
    assert not says_cancel("又不是不弄 我去拿身份证")
    assert not says_cancel("又不是不投诉 你等我想一下")


def test_a_cancel_turned_down_is_no_cancel():
    from bot.conversation.words import says_cancel
    assert not says_cancel("等哈 我去拿身份证 莫取消哈")
    assert not says_cancel("别取消")
    assert says_cancel("取消吧")


@pytest.mark.parametrize("text, day", [
    ("不对 改成周五，周四我要上班", dt.date(2026, 11, 20)),
    ("是周五 周四那天我上班", dt.date(2026, 11, 20)),
    ("不对，应该是周五 周四我值班", dt.date(2026, 11, 20)),
    ("改周五，周四去不到", dt.date(2026, 11, 20)),
    ("换到下周二 下周一我在外地", dt.date(2026, 11, 24)),
    ("日期改成后天 明天我得去医院", dt.date(2026, 11, 18)),
    # a value chosen and then itself taken back, or chosen again: the later choice
    ("改成周五 哦不对 周四", dt.date(2026, 11, 19)),
    ("改成周五吧 算了还是周四", dt.date(2026, 11, 19)),
])
def test_a_value_chosen_in_so_many_words_wins_over_the_day_named_in_its_reason(text, day):
    assert _day(text) == day


@pytest.mark.parametrize("text, when", [
    ("时间说错了 是昨晚 不是前天", "昨晚"),
    ("时间说错了 是昨晚 前天我出差了", "昨晚"),
    ("说错了 应该是上周五 周六我不在家", "上周五"),
    ("时间错了 是前天晚上 昨天我出差了根本不在", "前天晚上"),
    ("不对 改成每天早上 晚上倒是没听到", "每天早上"),
])
def test_a_complaints_time_chosen_in_so_many_words_wins_over_the_time_in_its_reason(text, when):
    from bot.city.complaint_parts import time_in
    assert time_in(text) == when


@pytest.mark.parametrize("text", ["留电话干啥子？", "为什么要留电话", "必须留吗", "不留电话可以不", "电话会不会泄露", "你们要我电话做啥",
                                  "一定要留手机号吗？", "留电话有啥用", "为啥子要我的号码哦", "不留行不行", "电话是拿来干嘛的",
                                  "工作人员打电话来干啥子？", "可以不留吗", "不留电话会怎么样"])
def test_a_question_about_the_phone_step_itself(text):
    from bot.conversation.words import asks_about_the_step
    assert asks_about_the_step(text)


@pytest.mark.parametrize("text", ["转人工", "不留", "不用留电话", "电话就不留了吧", "为什么不能转人工", "13812345678",
                                  "你们打我电话嘛 18227613308", "为什么查不到我的公积金", "反映问题要多久才有结果？",
                                  "等了很久也没有人回复", "你们电话是多少", "找工作人员", "为啥子要留电话哦 我不想留",
                                  # grievances asked with why (review): the citizen's comment, not the step
                                  "你们为什么不办", "为啥子要交这个", "为啥子不给我办", "干嘛不回我", "为什么不给我打电话",
                                  "为啥子不管嘛"])
def test_no_question_about_the_phone_step(text):
    from bot.conversation.words import asks_about_the_step
    assert not asks_about_the_step(text)


@pytest.mark.parametrize("text, part", [
    # a half-day chosen, and the other named in the reason: 有课, 要上课, 要值班, 起不来, 忙得很 turn it down
    ("下午吧 上午要上课", "pm"), ("下午嘛 上午有课", "pm"), ("下午 上午赶不过来", "pm"), ("下午可以不 上午要考试", "pm"),
    ("下午去 上午要值班", "pm"), ("那就下午嘛 上午忙得很", "pm"), ("上午嘛 下午要加班", "am"),
    # … or said as a choice (约…, …吧, …嘛) before a reason that names the other in words of its own
    ("约下午 上午我在学校", "pm"), ("下午吧 上午我在外地", "pm"), ("上午吧 下午娃娃放学我去接", "am"),
])
def test_a_half_day_chosen_wins_over_the_half_day_named_in_its_reason(text, part):
    assert last_said(text, part_of_day) == part
    # the same words hold for a day
    assert _day(text.replace("下午", "周五").replace("上午", "周四")) == (
        dt.date(2026, 11, 20) if part == "pm" else dt.date(2026, 11, 19))


# -- found in review: a choice by tone gives way to an alternative; denied reasons; 天府 ---------------
def _weekday_named(text):
    m = re.search(r"周[一二三四五六日]", text)
    return m.group(0) if m else None


def _half_named(text):
    m = re.search(r"上午|下午", text)
    return m.group(0) if m else None


@pytest.mark.parametrize("said, read, kept", [
    ("周四吧 不 周五", _weekday_named, "周五"), ("周四嘛，要不周五", _weekday_named, "周五"), ("周四吧 周五更方便", _weekday_named, "周五"),
    ("约周四 想了下 周五", _weekday_named, "周五"), ("就周四 哦周五也可以 那周五", _weekday_named, "周五"),
    # ...but a reason after the choice does not take it back
    ("约下午 上午我在学校", _half_named, "下午"), ("下午吧 上午要上课", _half_named, "下午"),
])
def test_a_choice_said_by_its_tone_gives_way_to_an_alternative_said_after_it(said, read, kept):
    assert last_said(said, read) == kept


@pytest.mark.parametrize("said", ["周四下午我没有课", "周四下午 不是很忙", "周四下午没有考试 可以去"])
def test_a_reason_word_denied_turns_nothing_down(said):
    assert last_said(said, _half_named) == "下午"
    assert last_said(said, _weekday_named) == "周四"


def test_tianfu_after_a_weekday_is_a_place_not_a_count_of_weekday_nameds():
    for text in ("周四天府新区", "周五天府新区那个大厅", "周六天府广场吵"):
        m = re.search(rf"周({WEEKDAY})", text)
        assert m and m.group(1) in "四五六"
    assert not re.search(rf"周({WEEKDAY})", "这周三天都在吵")


@pytest.mark.parametrize("text, asks", [
    ("绑定了有啥子用哦 安全不", True), ("要钱不", True), ("办好了没", True), ("安不安全", True),
    ("要得不", True), ("可以没得", True), ("是不是要本人来", True),
    ("不", False), ("不对", False), ("不要", False), ("不用", False), ("不不不", False), ("我不", False),
    ("还没", False), ("没有", False), ("不办", False), ("我说不", False), ("不了", False),
    # a no said twice, or put off, is no A-not-A and no asking tail (review)
    ("不用不用", False), ("不了不了", False), ("不要不要", False), ("不行不行", False), ("不办不办", False),
    ("先不", False), ("暂时不", False), ("现在不", False), ("行不行", True),
    ("窗口的人在不", True), ("你们现在还在不", True), ("没有没有", False), ("有没有", True), ("材料齐了没有", True),
    ("下午还有没", True), ("号还有没", True), ("还有不", True), ("不用 不用", False),
])
def test_a_question_is_told_from_a_no(text, asks):
    """The 不 / 没 of a question (a tail, an A-not-A) says no to nothing: no cancel of the open form."""
    from bot.conversation.words import asks_a_question
    assert asks_a_question(text) is asks


@pytest.mark.parametrize("text, asks", [
    ("绑定了有啥子用哦 安全不", True), ("实名认证干啥的", True), ("身份证号会不会泄露", True), ("这个有什么好处", True),
    ("要钱不", False), ("王建国", False), ("我不想留 有啥用", False), ("在哪里办", False),
    ("为什么 510104198506122310", False),
    # a no beside "what for?" is a no (review): the form cancelled or the phone declined, never explained
    ("绑定有啥用 不绑了", False), ("我不想弄了 有什么用", False), ("不投诉了 有什么用", False), ("不用了 没啥用", False),
    ("不留 你们又不处理 有啥用", False),
])
def test_a_question_about_what_the_form_is_for(text, asks):
    from bot.conversation.words import asks_what_it_is_for
    assert asks_what_it_is_for(text) is asks


@pytest.mark.parametrize("later, puts_off", [
    ("等我下去拍个照片再说", True), ("我先去看看", True), ("稍等我问下我老公", True), ("我问下物业再回复你", True),
    ("等我一下 我去看看门牌", True), ("我去确认一下 再告诉你", True),
    ("好的，我去看一下", True), ("好的 等我一下", True), ("嗯嗯 我问下物业再回复你", True), ("我先去看看是几栋", True),
    ("我看一下几号楼", True), ("好的", False),
    # what they went to do, and what they found, is a description (review)
    ("我去办事 窗口叫我明天再来", False), ("我问窗口 他们说要领导签字再说", False), ("我问一下物业就被骂了", False),
    ("我找一下居委会没人管", False), ("我查一下水费多了两百", False), ("我问了物业都不管", False),
    # read clause by clause: no backtracking without end on a long repetition
    ("我看看吧" * 16 + "x", False), ("我先去看看 " * 22 + "楼下好吵", False),
])
def test_an_answer_put_off_till_later_is_told_from_a_description(later, puts_off):
    from bot.conversation.dispatcher import puts_off as reads_as_later
    assert reads_as_later(later) is puts_off


def test_a_house_number_corrected_in_digits_corrects_the_held_place():
    from bot.conversation.forms import Form, fix_held_words
    form = Form(intent="file_complaint", slots={"content": "楼下烧烤油烟", "location": "武侯区玉林路28号"})
    assert fix_held_words(form, "不对 不是28 是82")
    assert form.slots["location"] == "武侯区玉林路82号"
    form = Form(intent="bind_identity", slots={"person_name": "赵莉"})
    assert not fix_held_words(form, "不是赵莉 510104198506122310")   # a number in place of a name: never
    assert form.slots["person_name"] == "赵莉"


@pytest.mark.parametrize("said", ["别取消 我再看一眼", "先别取消", "不要取消哈", "如果约了到时候去不成，能取消不？",
                                  "取消的话要扣钱不", "确认以后还能取消吗？", "取消会怎样", "取消了怎么办",
                                  # a cancel turned down with 了 is still turned down (review)
                                  "不要取消了", "不用取消了 继续办", "算了 不要取消了",
                                  # whether, when or at what cost: a question, answered (last review)
                                  "可以取消吗", "可不可以取消", "能不能取消", "可以随时取消吗", "每个月可以取消几次？",
                                  "取消能退钱吗", "预约可以取消吗", "请问能取消吗？", "能取消吗？谢谢"])
def test_a_cancel_turned_down_or_asked_about_is_no_cancel(said):
    from bot.conversation.words import says_cancel
    assert not says_cancel(said)


@pytest.mark.parametrize("said", ["取消", "取消吧", "算了 取消", "算了 能取消不", "那就取消嘛",
                                  # a polite request to cancel now, and a cancel beside a question about it (review)
                                  "能帮我取消吗", "能不能帮我取消掉", "可以取消一下吗", "现在能取消吗", "能取消吗 取消吧",
                                  "那取消吧 能取消吗", "算了 不要取消了 直接取消", "我要取消", "取消掉"])
def test_a_cancel_is_still_one(said):
    from bot.conversation.words import says_cancel
    assert says_cancel(said)
