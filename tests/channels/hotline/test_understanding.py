"""The rules that turn per-turn parses into a call's intents and topic (no model needed:
these pin the rules; test_ingest.py checks them on the real model)."""
from __future__ import annotations

from bot.channels.hotline.understanding import TurnParse, complaint_topic, decide_intents as decide, masked_entities
from bot.channels.hotline.transcripts import read_array
from bot.nlu.client import Entity, Parse
from handlers.registry import build_handlers

# What the runtime gives the hotline: the intents whose handlers say they are a purpose.
PURPOSES = frozenset(i for i, h in build_handlers().items() if h.purpose)


def decide_intents(understood):
    return decide(understood, PURPOSES)


def turns(*specs) -> list[TurnParse]:
    """specs: (text, intent, confidence[, entities])"""
    out = []
    for i, (text, intent, conf, *ents) in enumerate(specs):
        out.append(TurnParse(i, text, Parse(text, intent, conf, entities=tuple(ents[0]) if ents else ())))
    return out


def test_the_purposes_are_the_requests_never_small_talk_answers_or_a_person():
    queries = {i for i in build_handlers() if i.startswith("query_")}
    assert PURPOSES == queries | {"bind_identity", "book_appointment", "ask_service_guide", "file_complaint",
                                  "rate_service"}


def test_a_complaint_is_main_and_other_purposes_secondary_in_the_order_said():
    t = turns(("公积金余额", "query_housing_fund", 0.97), ("医保", "query_medical_insurance", 0.9),
              ("谢谢", "thank", 0.9), ("投诉油烟", "file_complaint", 0.6))
    assert decide_intents(t) == ("file_complaint", ["query_housing_fund", "query_medical_insurance"])


def test_most_evidence_wins_ties_to_the_first_said():
    t = turns(("a", "ask_service_guide", 0.9), ("b", "query_social_security", 0.95), ("c", "ask_service_guide", 0.8))
    assert decide_intents(t) == ("ask_service_guide", ["query_social_security"])
    t = turns(("a", "book_appointment", 0.9), ("b", "ask_service_guide", 0.9))
    assert decide_intents(t) == ("book_appointment", ["ask_service_guide"])


def test_the_generic_affairs_query_gives_way_to_a_specific_one():
    t = turns(("签注进度", "query_endorsement_status", 0.98), ("哪天能拿", "query_my_affairs", 0.8))
    assert decide_intents(t) == ("query_endorsement_status", [])
    assert decide_intents(turns(("我的办件", "query_my_affairs", 0.9))) == ("query_my_affairs", [])


def test_calls_without_a_purpose():
    assert decide_intents(turns(("讲个笑话", "out_of_scope", 0.9), ("你好", "greet", 0.7))) == ("out_of_scope", [])
    assert decide_intents([]) == ("nlu_fallback", [])


def a_call(*said: tuple[str, str]):
    """A Call from (speaker, text) pairs."""
    [c] = read_array([{"call_id": "U1", "started_at": "2026-11-02T10:00:00+08:00", "duration_s": 60,
                       "turns": [{"speaker": sp, "text": tx} for sp, tx in said]}])
    return c


def topic_of(said, intents):
    """complaint_topic of a call; `intents`: the caller turns' parses, in order."""
    c = a_call(*said)
    t = turns(*[(text, intent, 0.9) for text, intent in zip(c.caller_texts(), intents)])
    return complaint_topic(c, t)


def test_the_whole_call_decides_the_topic_an_answer_to_where_counts_least():
    said = [("agent", "请讲"), ("caller", "茶楼每天晚上打麻将到两点"), ("agent", "具体在哪里？"),
            ("caller", "清江东路，靠近公交站")]
    assert topic_of(said, ["file_complaint", "file_complaint"]) == ("noise", "茶楼每天晚上打麻将到两点")
    said = [("caller", "我要投诉"), ("caller", "小区电梯坏了")]
    assert topic_of(said, ["file_complaint", "file_complaint"])[0] == "property"
    assert topic_of([("caller", "我要投诉一件事")], ["file_complaint"])[0] == "other"


def test_the_problem_said_over_several_turns_and_restated_by_the_agent():
    said = [("caller", "我要反映个事，我们这边有个工地"), ("agent", "工地怎么了？"),
            ("caller", "每天晚上十一点多了还在打桩"), ("agent", "您反映的是夜间施工扰民的问题对吧")]
    assert topic_of(said, ["file_complaint", "inform"])[0] == "noise"
    said = [("caller", "我们院子这个月停了四次电了"), ("caller", "问了供电所也没个说法")]
    assert topic_of(said, ["file_complaint", "inform"])[0] == "utilities_outage"


def test_entities_masked_deduplicated_and_invalid_ids_flagged():
    t = turns(("我的电话13982104576，身份证510105197911032628", "inform", 0.99,
               [Entity("phone", "13982104576"), Entity("phone", "13982104576"), Entity("id_number", "12345")]),
              ("另一个号510105197911032621", "inform", 0.99, [Entity("district", "武侯")]))
    entities, contact, invalid = masked_entities(t)
    assert entities == [
        {"entity": "phone", "value": "139****4576"},
        {"entity": "id_number", "value": "510***********2628", "valid": True},
        {"entity": "district", "value": "武侯区"},
        {"entity": "id_number", "value": "510***********2621", "valid": False},
    ]
    assert contact == "13982104576" and invalid == 1


def test_an_annoyed_question_about_a_service_is_that_query_whatever_the_model_says():
    t = turns(("医保报销的钱怎么还没到账，都两个月了", "file_complaint", 0.99), ("好嘛，谢谢", "thank", 0.9))
    assert decide_intents(t) == ("query_medical_insurance", [])
    t = turns(("你们这个水费咋个这么贵哦，我想查一下账单", "file_complaint", 0.9),)
    assert decide_intents(t) == ("query_utility_bill", [])
    t = turns(("办个体户营业执照要带啥子东西嘛，窗口那个人态度差得很", "file_complaint", 0.9),)
    assert decide_intents(t)[0] in ("query_business_registration", "ask_service_guide")


def test_a_complaint_asked_to_be_handled_stays_main_a_follow_up_of_one_is_a_progress_query():
    t = turns(("我想问下公积金余额", "query_housing_fund", 0.95), ("还有我要投诉楼下烧烤油烟", "file_complaint", 0.8))
    assert decide_intents(t) == ("file_complaint", ["query_housing_fund"])
    t = turns(("我之前投诉那个美容院不退卡的，工单号是GD20261112004519，想问下现在啥子情况了", "file_complaint", 0.9),)
    assert decide_intents(t) == ("query_my_affairs", [])


def test_a_problem_mentioned_on_the_way_does_not_make_the_call_a_complaint():
    t = turns(("我想问一下护照怎么办理", "ask_service_guide", 0.97), ("上次去那个窗口排了两个小时的队", "file_complaint", 0.6))
    assert decide_intents(t) == ("ask_service_guide", ["file_complaint"])


def test_a_follow_up_of_an_earlier_complaint_asks_its_progress_unless_it_asks_for_an_act_again():
    t = turns(("我上周投诉了楼下烧烤的油烟，工单是GD20261120003385，到现在没人联系我", "file_complaint", 1.0),
              ("好，麻烦你催一下", "affirm", 0.9))
    assert decide_intents(t)[0] == "query_my_affairs"
    t = turns(("我之前反映过小区门口垃圾桶的事，你们说三天回复", "file_complaint", 1.0),)
    assert decide_intents(t)[0] == "query_my_affairs"
    t = turns(("上个月反映了工地噪音的事，你们回访说处理了，其实晚上还在干", "file_complaint", 1.0),
              ("还是那个工地，你们再去管一下", "inform", 0.99))
    assert decide_intents(t)[0] == "file_complaint"


def test_a_grumble_beside_a_question_weighs_little_a_described_problem_does_not():
    t = turns(("我想查一下医保账户还有好多钱", "query_medical_insurance", 0.95),
              ("以前都刷得起的嘛，莫名其妙的", "file_complaint", 1.0))
    assert decide_intents(t) == ("query_medical_insurance", ["file_complaint"])
    t = turns(("我们整个小区燃气都没得气了，从昨天到现在", "file_complaint", 1.0),
              ("我们交了费的，不是欠费", "query_utility_bill", 0.84))
    assert decide_intents(t)[0] == "file_complaint"


def test_own_record_is_a_personal_query_what_to_bring_is_a_guide_item():
    assert decide_intents(turns(("我的公积金缴存记录在哪里能查", "ask_service_guide", 0.9),))[0] == "query_housing_fund"
    assert decide_intents(turns(("我想看下我自己社保交了好多个月", "ask_service_guide", 0.8),))[0] == \
        "query_social_security"
    assert decide_intents(turns(("租房提取公积金要带哪些材料", "query_housing_fund", 0.9),))[0] == "ask_service_guide"
    assert decide_intents(turns(("社保卡补办在哪里办，要好久", "query_social_security", 0.9),))[0] == "ask_service_guide"
    # An annoyed how-to, read as a complaint, naming a service: still what to bring.
    t = turns(("办个体户营业执照要带啥子东西嘛，窗口那个人态度差得很", "file_complaint", 0.9),)
    assert decide_intents(t)[0] == "ask_service_guide"
    # Materials handed in long ago: the state of the caller's matter, not a guide question.
    t = turns(("我问下，我妈住院报销的钱，材料交上去两个多月了，一分钱都没看到", "file_complaint", 1.0),)
    assert decide_intents(t)[0] == "query_medical_insurance"


def test_the_words_of_a_work_order_speak_of_the_topic_it_is_routed_for():
    """The model may route a call for another problem than the rules' loudest turn: the work
    order's 市民反映 is then the caller's turn about that problem."""
    said = [("caller", "我们小区物业电梯坏了一个月都不修"), ("caller", "还有楼下烧烤店油烟天天往屋头灌")]
    c = a_call(*said)
    t = turns(*[(text, "file_complaint", 0.9) for text in c.caller_texts()])
    rules_topic, rules_words = complaint_topic(c, t)
    other = "sanitation" if rules_topic != "sanitation" else "property"
    topic, words = complaint_topic(c, t, other)
    assert topic == rules_topic                         # the rules' own reading is unchanged
    assert words != rules_words and words in c.caller_texts()
    # a topic no caller turn names: the rules' best turn
    assert complaint_topic(c, t, "traffic")[1] == rules_words
