"""Points 4 and 7 through the real dispatcher (keyword NLU stand-in, sandbox backends): what the bot
did not understand is kept masked with channel and top intents; every rating is kept as a record,
with the citizen's comment and the call-back a bad one opened."""
from tests.fixtures.chat import WANG, Chat


def test_fallbacks_and_out_of_scope_messages_are_kept_masked(fake_runtime):
    kept = fake_runtime.records.kept
    before = kept.count()
    citizen = Chat(fake_runtime, channel="wechat_oa")
    citizen.say("我家的猫走丢了快帮我找找看")                 # nothing matches: the fallback
    citizen.say("讲个笑话")                                   # out of scope
    citizen.say("公积金")                                     # understood: not kept
    assert kept.count() == before + 2
    groups = {g["text"]: g for g in kept.by_frequency()}
    lost = groups["我家的猫走丢了快帮我找找看"]
    assert lost["kinds"] == ["fallback"] and lost["channels"] == ["wechat_oa"]
    assert lost["top_intents"][0]["name"] == "nlu_fallback"
    assert groups["讲个笑话"]["kinds"] == ["out_of_scope"]


def test_a_kept_message_never_holds_a_raw_phone_or_id(fake_runtime):
    text = "13880000009这个号码是谁的"
    fake_runtime.dispatcher.nlu.low_confidence[text] = (("request_human", 0.2),)
    Chat(fake_runtime).say(text)
    texts = [g["text"] for g in fake_runtime.records.kept.by_frequency()]
    assert "138****0009这个号码是谁的" in texts and not any("13880000009" in t for t in texts)


def test_a_low_confidence_parse_is_kept_with_its_three_likeliest_intents(fake_runtime):
    fake_runtime.dispatcher.nlu.low_confidence["那个钱怎么查"] = (
        ("query_housing_fund", 0.25), ("query_social_security", 0.2), ("query_utility_bill", 0.1))
    Chat(fake_runtime).say("那个钱怎么查")
    [group] = [g for g in fake_runtime.records.kept.by_frequency() if g["text"] == "那个钱怎么查"]
    assert [i["name"] for i in group["top_intents"]] == ["nlu_fallback", "query_housing_fund", "query_social_security"]


def test_a_bad_rating_is_kept_with_its_comment_and_call_back(fake_runtime):
    citizen = Chat(fake_runtime)
    citizen.bind(WANG)
    citizen.say("公积金")
    citizen.say("非常不满意")
    citizen.say("排队等了半个小时都没人接")
    [record] = fake_runtime.records.ratings.search(department="住房公积金管理中心")[:1]
    assert (record["intent"], record["level"]) == ("query_housing_fund", "非常不满意")
    assert record["callback_id"] and fake_runtime.services.callbacks.get(record["callback_id"])["department"] == \
        "住房公积金管理中心"
    assert record["comment"] == "排队等了半个小时都没人接"
    # A department's view holds its own ratings only.
    assert all(r["department"] == "教育局" for r in fake_runtime.records.ratings.search(department="教育局"))
    assert record["id"] not in [r["id"] for r in fake_runtime.records.ratings.search(department="教育局")]
