"""Point 10 — ratings: a 好差评 prompt after a served request, five levels, a call-back
for 不满意 / 非常不满意, counts per intent and department."""
import datetime as dt

import pytest

from bot.core.clock import CLOCK
from bot.core.messages import Choices
from tests.fixtures.chat import WANG


def test_prompt_after_a_served_request_and_counts(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    c.send("谢谢")
    prompt = next(r for r in c.replies if isinstance(r, Choices))
    assert [o.label for o in prompt.options] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert "感谢您的评价" in c.say("2")
    book = stack_runtime.services.ratings
    assert book.count("query_housing_fund", "住房公积金管理中心", "满意") == 1


def test_a_bad_rating_opens_a_call_back(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    assert "已登记回访" in c.say("非常不满意")
    assert stack_runtime.services.ratings.count("query_social_security", "人力资源和社会保障局", "非常不满意") == 1
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert task["department"] == "人力资源和社会保障局" and task["reason"] == "bad_rating"
    assert task["what"] == "社保查询" and task["served_at"]
    reply = c.say("13880000001")                      # how to reach the citizen: optional, shown masked
    assert "138****0001" in reply and "13880000001" not in reply and "工单号 GD" in reply
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert task["phone_masked"] == "138****0001" and task["order_no"] in reply


def test_a_bad_rating_corrected_to_a_good_one_counts_once_and_closes_its_call_back(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    c.say("差评")
    assert len(stack_runtime.services.callbacks.open_tasks()) == 1
    reply = c.say("哎呀刚才点错了 应该是五星")
    assert "已把您的评价改为“非常满意”" in reply
    book = stack_runtime.services.ratings
    assert book.count("query_housing_fund", "住房公积金管理中心", "不满意") == 0
    assert book.count("query_housing_fund", "住房公积金管理中心", "非常满意") == 1
    assert stack_runtime.services.callbacks.open_tasks() == []
    assert stack_runtime.sessions.load(c.user_key).form is None


def test_a_good_rating_corrected_to_a_bad_one_opens_a_call_back(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    assert "感谢您的评价" in c.say("满意")
    reply = c.say("不好意思点错了 其实不满意 查个记录都要绑这绑那的")
    assert "已把您的评价改为“不满意”" in reply and "已登记回访" in reply
    book = stack_runtime.services.ratings
    assert book.count("query_social_security", "人力资源和社会保障局", "满意") == 0
    assert book.count("query_social_security", "人力资源和社会保障局", "不满意") == 1
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert "138****0001" in c.say("13880000001") and task["reason"] == "bad_rating"


def test_a_level_said_long_after_is_no_correction(talk, stack_runtime, travel):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    c.say("满意")
    travel(CLOCK.now() + dt.timedelta(minutes=31))
    c.say("刚才点错了 应该是五星")
    assert stack_runtime.services.ratings.count("query_housing_fund", "住房公积金管理中心", "满意") == 1


def test_a_correction_after_a_newer_request_never_changes_the_older_rating(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    c.say("满意")
    c.say("社保缴费记录")
    c.say("不满意，其实缴费记录显示错了")
    book = stack_runtime.services.ratings
    assert book.count("query_housing_fund", "住房公积金管理中心", "满意") == 1
    assert book.count("query_housing_fund", "住房公积金管理中心", "不满意") == 0


def test_the_same_level_again_at_the_phone_step_is_a_comment(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    c.say("不满意")
    c.say("其实就是不满意，等了太久了")
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert any("等了太久了" in note for note in task.get("notes", [])) or "等了太久了" in str(task)


def test_a_week_is_no_star():
    from bot.city.ratings import level_from_text
    assert level_from_text("一星期了提取的钱还没到") is None and level_from_text("公积金提取一般要多久") is None
    assert level_from_text("给你们五星") == "非常满意"


def test_a_level_taken_back_in_the_same_message_and_one_said_as_a_slip(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    assert "感谢您的评价" in c.say("非常不满意 哦按错了 是非常满意 速度好快")
    assert stack_runtime.services.callbacks.open_tasks() == []
    assert stack_runtime.services.ratings.count("query_housing_fund", "住房公积金管理中心", "非常满意") == 1
    c.say("社保缴费记录")
    assert "已登记回访" in c.say("不满意")
    reply = c.say("哦 我点成不满意了 本来想点满意的")
    assert "已把您的评价改为“满意”" in reply and stack_runtime.services.callbacks.open_tasks() == []


def test_a_call_back_declined_outright_is_closed(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    assert "已登记回访" in c.say("不满意")
    reply = c.say("不用回访了 我儿子去社保局问")
    assert "不再安排回访" in reply and stack_runtime.services.callbacks.open_tasks() == []
    assert stack_runtime.sessions.load(c.user_key).form is None


def test_a_level_said_first_with_kinder_words_after_keeps_its_call_back(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    assert "已登记回访" in c.say("不太满意，工作人员还行，就是流程太慢")
    reply = c.say("不用打电话 我上班不方便接 在这里回我就行")
    assert "不再安排回访" not in reply and len(stack_runtime.services.callbacks.open_tasks()) == 1


def test_a_call_back_declined_in_other_words_and_a_bad_level_changed_to_another(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    c.say("不满意")
    assert "不再安排回访" in c.say("不需要回电 我就是说一下")
    c.say("公积金余额")
    c.say("不满意")
    c.say("点错了 应该是非常不满意")
    assert stack_runtime.sessions.load(c.user_key).form.data["level"] == "非常不满意"


def test_a_question_about_the_call_backs_phone_is_answered_and_the_call_back_kept(talk, stack_runtime):
    """The model may read "留电话干啥子？" as a request for a person or as out of scope: neither."""
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    assert "手机号" in c.say("不满意")
    for question in ("留电话干啥子？", "为什么要留电话", "必须留吗", "电话会不会泄露", "不留电话可以不"):
        reply = c.say(question)
        assert "不是必须" in reply and "不留" in reply and "转接" not in reply and "已记下" not in reply, question
        form = stack_runtime.sessions.load(c.user_key).form
        assert form.intent == "rate_service" and form.step == "contact"
    assert "138****0001" in c.say("13880000001")


@pytest.mark.parametrize("said, level", [
    ("不对 手滑了 是非常满意", "非常满意"), ("手滑了 非常满意", "非常满意"), ("误触了 五星", "非常满意"),
    ("不是满意 是非常满意", "非常满意"), ("刚才那个不算 基本满意", "基本满意"), ("想了一下 还是给个基本满意吧", "基本满意"),
])
def test_a_rating_just_recorded_corrected_in_other_words_changes_its_level(talk, stack_runtime, said, level):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    assert "感谢您的评价" in c.say("满意")
    reply = c.say(said)
    assert f"已把您的评价改为“{level}”" in reply and "还没有办理" not in reply
    book = stack_runtime.services.ratings
    assert book.count("query_housing_fund", "住房公积金管理中心", "满意") == 0
    assert book.count("query_housing_fund", "住房公积金管理中心", level) == 1
    if book.records is not None:   # the record changed, no second one
        records = book.records.search(department="住房公积金管理中心")
        assert [r["level"] for r in records] == [level]


def test_a_good_rating_just_recorded_corrected_to_a_bad_one_asks_for_the_phone(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("社保缴费记录")
    c.say("满意")
    reply = c.say("不对 手滑了 是不满意")
    assert "已把您的评价改为“不满意”" in reply and "已登记回访" in reply and "手机号" in reply
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert task["reason"] == "bad_rating" and task["level"] == "不满意"
    assert "138****0001" in c.say("13880000001")
    # the same level said again soon after: kept once, and said so
    assert "已经记下了" in c.say("不满意")
    assert stack_runtime.services.ratings.count("query_social_security", "人力资源和社会保障局", "不满意") == 1


@pytest.mark.parametrize("said, kept", [("还是不满意，材料交了三次了", "材料交了三次"),
                                        ("不是我说 等了两个小时 非常不满意", "等了两个小时"),
                                        ("我不算很不满意 就是等太久了", "等太久了")])
def test_a_comment_with_a_level_in_it_at_the_phone_step_is_kept_and_changes_nothing(talk, stack_runtime, said, kept):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    c.say("不满意")
    reply = c.say(said)
    assert "已把您的评价改为" not in reply, reply
    book = stack_runtime.services.ratings
    assert book.count("query_housing_fund", "住房公积金管理中心", "不满意") == 1, reply
    [task] = stack_runtime.services.callbacks.open_tasks()
    assert task["level"] == "不满意" and any(kept in n for n in task.get("notes", [])), (reply, task)


def test_a_rating_said_again_in_passing_after_it_was_recorded_is_no_change(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    c.say("非常满意")
    reply = c.say("总的来说还是满意的")
    assert "已把您的评价改为" not in reply
    assert stack_runtime.services.ratings.count("query_housing_fund", "住房公积金管理中心", "非常满意") == 1
