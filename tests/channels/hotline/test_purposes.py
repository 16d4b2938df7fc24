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
]


@pytest.mark.parametrize("said, intent, topic", CASES)
def test_what_the_caller_wants_done_or_known(stack_runtime, said, intent, topic):
    [c] = read_array([call(f"P-{unique_tag()}", *said)])
    a = stack_runtime.hotline(workers=1).understand(c)
    assert (a.intent, a.topic) == (intent, topic)
