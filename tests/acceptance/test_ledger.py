"""Point 5 — the personal ledger across every backend, filtered in plain words,
with a note where a backend did not answer."""
import pytest

from bot.core.messages import ListReply
from tests.fixtures.chat import WANG, affairs_in, windows
from tests.fixtures.clock import DATES


def test_all_matters_in_one_list(talk, stack_runtime):
    stack_runtime.dispatcher.page_size = 50   # other tests add bookings and work orders to his ledger
    c = talk()
    c.bind(WANG)
    reply = c.say("我的办件")
    for ref in ("CJ20261101000123", "SB20261103000210", "GJ20261015000311", "GD20261012000456", "YB20261008000077"):
        assert ref in reply
    assert "下一步" in reply and "更新" in reply


@pytest.mark.parametrize("when", DATES)
def test_filters_in_plain_words(talk, stack_runtime, travel, when):
    today = travel(when).date()
    c = talk()
    c.bind(WANG)
    c.say("我的办件")
    open_ = c.say("还没办完的")
    assert "CJ20261101000123" in open_ and "GJ20261015000311" not in open_
    for words, (first, last) in windows(today).items():
        keep, drop = affairs_in(stack_runtime, WANG[1], "武侯区", first, last)
        reply = c.say(f"{words}在武侯区办的")
        assert all(ref in reply for ref in keep) and not any(ref in reply for ref in drop), words
        assert ("没有符合条件" in reply) == (not keep), words


def test_a_backend_that_does_not_answer_is_named(talk, sandbox):
    c = talk()
    c.bind(WANG)
    sandbox.fault("social_insurance", "down")
    reply = c.say("我办的事到哪一步了")
    assert "社保系统" in reply and "可能不完整" in reply
    assert "CJ20261101000123" in reply          # the others still answered


def test_a_slow_backend_is_left_out_after_the_deadline(talk, sandbox, stack_runtime):
    c = talk()
    c.bind(WANG)
    sandbox.fault("exit_entry", "timeout", delay_s=10)
    c.send("我的办件")
    assert any(isinstance(r, ListReply) for r in c.replies)
    assert "出入境系统（响应超时）" in c.text()
