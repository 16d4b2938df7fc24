"""The call's purpose and topic on the real model, on calls written for these tests (not the eval
set's): annoyed questions, grumbles on the way, follow-ups, complaints asked to be handled."""
from __future__ import annotations

import pytest

from bot.channels.hotline import read_array
from tests.fixtures.hotline import call, unique_tag

CASES = [
    (["你好，我想问一下，我那个养老金这个月咋个还没到账哦，往常都是十号就到了", "对，我是退休职工"],
     "query_social_security", None),
    (["喂，我要投诉，我们小区旁边那个KTV每天晚上唱到两三点，吵得人根本睡不着", "麻烦你们管一下嘛"],
     "file_complaint", "noise"),
    (["你好，我想查下公积金提取的进度，上周交的申请", "我都等了一个礼拜了，你们效率也太低了嘛"],
     "query_housing_fund", None),
    (["我要反映个事情，我们楼下有家火锅店把垃圾直接堆在人行道上，臭得很", "天天都是这样"],
     "file_complaint", "sanitation"),
    (["你好，我上个月反映过我们小区电梯的事，工单号GD20261101000123，现在都还没人来修，想问下到哪一步了"],
     "query_my_affairs", None),
    (["我们这个月电费怎么这么高啊，比上个月多了两百多，是不是电表有问题", "我想查一下到底用了好多度电"],
     "query_utility_bill", None),
    (["我们老板已经两个月没发工资了，我想问下这种情况该找哪个部门", "好嘛，那你们帮我们反映一下"],
     "file_complaint", "wages"),
    # A follow-up of an earlier complaint (its GD number) asks where it is, though it says 投诉.
    (["你好，我前几天投诉过我们小区门口占道摆摊的事，单号GD20261118002231", "到现在都没人给我打电话，麻烦你们催一下"],
     "query_my_affairs", None),
    # A complaint about a service's staff is a complaint (the office handles it), not that service's query.
    (["我要投诉医保中心窗口的工作人员，态度差得很，问两句就不耐烦", "你们处理一下这个人"], "file_complaint", "other"),
    # 退休工资 is the pension; the grumble after it asks nothing handled.
    (["我爸的退休工资这个月咋个还没发下来", "拖起拖起的，老年人等不起"], "query_social_security", None),
    (["我上周反映过楼下茶馆打麻将吵的事，你们说处理了，结果昨晚又打到两点", "你们再来管一下嘛"], "file_complaint", "noise"),
    (["我想问下我的公积金账户还有好多余额", "你们这个电话也太难打通了，打了一上午，服务太差了"], "query_housing_fund", None),
]


@pytest.mark.parametrize("said, intent, topic", CASES)
def test_what_the_caller_wants_done_or_known(stack_runtime, said, intent, topic):
    [c] = read_array([call(f"P-{unique_tag()}", *said)])
    a = stack_runtime.hotline(workers=1).understand(c)
    assert (a.intent, a.topic) == (intent, topic)
