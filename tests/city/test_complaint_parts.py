"""Where and when in a complaint told in one message (bot.city.complaint_parts)."""
import pytest

from bot.city.complaint_parts import place_and_time, place_in


@pytest.mark.parametrize("text, place, when", [
    ("春熙路那个工地每天晚上11点过后还在施工", "春熙路那个工地", "每天晚上11点过后还在施工"),
    ("投诉：金牛区营门口路的菜市场，昨天早上开始污水横流", "金牛区营门口路的菜市场", "昨天早上开始污水横流"),
    ("锦绣小区楼下的烧烤摊，吵了一个多月了", "锦绣小区楼下的烧烤摊", "吵了一个多月了"),
    ("上周三开始在双流东升街有人乱倒建筑垃圾", "上周三开始在双流东升街有人乱倒建筑垃圾",
     "上周三开始在双流东升街有人乱倒建筑垃圾"),     # the time first: the clause is both
])
def test_a_complaint_in_one_message_gives_where_and_when(text, place, when):
    assert place_and_time(text) == (place, when)


@pytest.mark.parametrize("text", ["我要投诉", "我要投诉物业", "路灯坏了", "我知道了", "你好，我想反映一个问题",
                                  "楼下烧烤店油烟太大"])
def test_no_place_and_no_time_gives_neither(text):
    assert place_and_time(text) == (None, None)


def test_only_what_is_said_is_given():
    assert place_and_time("老板拖欠工资三个月了") == (None, "老板拖欠工资三个月了")
    assert place_and_time("就在青羊区那个小区门口") == ("就在青羊区那个小区门口", None)


def test_the_place_without_the_words_that_lead_into_it():
    assert place_in("不对，是武侯区双楠小区") == "武侯区双楠小区"
    assert place_in("就在锦绣小区门口") == "锦绣小区门口"
