"""The contrast rule (bot.nlu.contrast) on its own: which messages have the shape, and when the
clause after the turned-down one decides. The real model's side is in
tests/acceptance/test_as_people_talk.py."""
import pytest

from bot.nlu.contrast import reading, split


@pytest.mark.parametrize("said, turned_down, rest", [
    ("不是要投诉，我就是问一下社保怎么查", "要投诉", "我就是问一下社保怎么查"),
    ("不用预约 我就想知道营业执照批下来没有", "预约", "我就想知道营业执照批下来没有"),
    ("社保就算了，帮我看看公积金", "社保", "帮我看看公积金"),
    ("我不想转人工 你直接说", "转人工", "你直接说"),
    ("不对，名字是李芳", "不对", "名字是李芳"),                  # a correction
    ("不是的，日期改成周五", "不是", "日期改成周五"),
])
def test_the_shape(said, turned_down, rest):
    assert split(said) == (turned_down, rest)


@pytest.mark.parametrize("said", [
    "不用了，谢谢", "不用了", "不是", "算了 不办了", "不要了，帮我取消",
    "不发工资，老板跑了", "没有人管 楼下垃圾堆了好几天", "公积金余额",
    "不是说好了上个星期三之前就一定能办好的吗 怎么还没消息",   # a long first clause is a story
])
def test_no_contrast(said):
    assert split(said) is None


def fake_model(readings):
    seen = []

    def intent_of(text):
        seen.append(text)
        return readings[text]
    return intent_of, seen


def test_the_rest_decides_when_the_whole_went_where_the_turned_down_words_point():
    intent_of, _ = fake_model({"我就是问一下社保怎么查": ("query_social_security", 0.9),
                               "要投诉": ("file_complaint", 0.95)})
    assert reading("不是要投诉，我就是问一下社保怎么查", "file_complaint", intent_of, 0.5) == "我就是问一下社保怎么查"


def test_the_whole_keeps_its_reading_otherwise():
    # The whole was read as something the first clause does not point to: keep it.
    intent_of, _ = fake_model({"这个物业真的太差了": ("inform", 0.6), "我说": ("out_of_scope", 0.7)})
    assert reading("不是我说 这个物业真的太差了", "file_complaint", intent_of, 0.5) is None
    # The rest is not understood well enough.
    intent_of, _ = fake_model({"随便": ("out_of_scope", 0.3), "要投诉": ("file_complaint", 0.9)})
    assert reading("不是要投诉 随便", "file_complaint", intent_of, 0.5) is None


def test_an_unsure_whole_gives_way_to_a_clearly_surer_rest():
    """Read whole, 不是要投诉，我就是问一下社保怎么查 went to the guide (0.71), neither the complaint it
    turns down nor what it asks; its rest is the social-insurance query at 0.92."""
    intent_of, _ = fake_model({"我就是问一下社保怎么查": ("query_social_security", 0.92),
                               "要投诉": ("file_complaint", 1.0)})
    said = "不是要投诉，我就是问一下社保怎么查"
    assert reading(said, "ask_service_guide", intent_of, 0.5, 0.71) == "我就是问一下社保怎么查"
    assert reading(said, "ask_service_guide", intent_of, 0.5, 0.95) is None        # a sure whole stays
    intent_of, _ = fake_model({"我就是问一下社保怎么查": ("query_social_security", 0.8),
                               "要投诉": ("file_complaint", 1.0)})
    assert reading(said, "ask_service_guide", intent_of, 0.5, 0.71) is None        # the rest not clearly surer


def test_a_message_of_no_contrast_costs_no_classification():
    intent_of, seen = fake_model({})
    assert reading("公积金余额", "query_housing_fund", intent_of, 0.5) is None and seen == []


def test_a_whole_not_understood_takes_a_confident_rest():
    intent_of, _ = fake_model({"帮我看看公积金": ("query_housing_fund", 0.8)})
    assert reading("社保就算了，帮我看看公积金", "nlu_fallback", intent_of, 0.5) == "帮我看看公积金"


def test_a_correction_is_an_answer_not_a_refusal():
    intent_of, _ = fake_model({"名字是李芳": ("inform", 0.99), "不对": ("deny", 0.97)})
    assert reading("不对，名字是李芳", "deny", intent_of, 0.5) == "名字是李芳"
