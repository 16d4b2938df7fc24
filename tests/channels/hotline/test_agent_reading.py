"""What the agent's side of a call says (agent_reading.py), and the rules of the fifth pass on the
caller's side (purpose.py): pinned without a model, on parses written here."""
from __future__ import annotations

import pytest

from bot.channels.hotline.agent_reading import agent_reading
from bot.channels.hotline.understanding import analyse
from tests.channels.hotline.test_understanding import PURPOSES, a_call, decide_intents, turns

ROUTING = {"noise": "生态环境局", "education": "教育局", "other": "12345热线办"}


def analysed(said, parses):
    """analyse() of a call; `parses`: (intent, confidence) of each caller turn, in order."""
    call = a_call(*said)
    caller = turns(*[(text, intent, conf) for text, (intent, conf) in zip(call.caller_texts(), parses)])
    return analyse(call, caller, ROUTING, 0.55, PURPOSES)


@pytest.mark.parametrize("agent, caller, confirmed", [
    ("您是想查一下报销进度？", "对，到底走到哪一步了", "query_medical_insurance"),
    ("您是想查燃气费明细吗？", "对头，看一下是不是抄表抄错了", "query_utility_bill"),
    ("您想了解这个工单的处理情况？", "对，说好的五个工作日回复", "query_my_affairs"),
    ("您是想预约明天在新津区政务服务中心办营业执照注销，对吧？", "对，明天上午", "book_appointment"),
    ("您是要投诉他们乱收费吗？", "是的，太过分了", "file_complaint"),
    # no purpose agreed: both offered, or the caller does not say yes
    ("您是想投诉还是咨询？", "对", None),
    ("您是想查一下报销进度？", "不是，我是说他们态度太差了", None),
    ("您是想查一下报销进度？", "是哪个部门在管嘛", None),
])
def test_a_purpose_asked_back_and_confirmed(agent, caller, confirmed):
    call = a_call(("agent", "您好，12345。"), ("caller", "你们这个也太慢了嘛"), ("agent", agent), ("caller", caller))
    assert agent_reading(call, PURPOSES).confirmed == confirmed


@pytest.mark.parametrize("agent, forwards", [
    ("好的，我们转交相关部门。", True),
    ("好的，我们会转教育局核实。", True),
    ("好的，我登记一下，转给医保部门，工作人员核实身份后给您回电。", False),
    ("目前工单在承办单位处理中，已经派给街道了。", False),
    ("可以代办，需要老人身份证和代办人身份证。", False),
])
def test_a_complaint_taken_is_one_passed_to_a_department(agent, forwards):
    call = a_call(("agent", "您好。"), ("caller", "我娃在学校被罚站了一天"), ("agent", agent))
    assert agent_reading(call, PURPOSES).forwards is forwards


def test_a_confirmed_query_is_main_however_annoyed_the_caller_sounded():
    said = (("agent", "您好，12345。"), ("caller", "你们燃气公司乱收费哦，我这个月燃气费三百多"),
            ("agent", "您是想查燃气费明细吗？"), ("caller", "对头，看一下是不是抄表抄错了"))
    result = analysed(said, [("file_complaint", 0.98), ("deny", 0.83)])
    assert (result.intent, result.topic) == ("query_utility_bill", None)


def test_a_call_the_agent_passed_on_is_a_complaint_though_the_caller_asked_what_to_do():
    said = (("agent", "您好，12345。"), ("caller", "我娃在学校被老师罚站了一整天，我想问一下这种情况我们家长该怎么办"),
            ("agent", "请问是哪个学校？"), ("caller", "龙泉驿区的一个小学"), ("agent", "好的，我们会转教育局核实。"),
            ("caller", "要得，一定要查一下哈"))
    result = analysed(said, [("file_complaint", 0.99), ("inform", 0.94), ("nlu_fallback", 0.5)])
    assert (result.intent, result.topic, result.department) == ("file_complaint", "education", "教育局")


def test_a_grievance_asked_as_a_question_is_a_complaint_a_how_to_question_is_not():
    said = (("agent", "您好，12345。"), ("caller", "我娃在学校被老师罚站了一整天，我想问一下这种情况我们家长该怎么办"),
            ("agent", "嗯。"), ("caller", "要得"))
    assert analysed(said, [("file_complaint", 0.99), ("affirm", 0.9)]).intent == "file_complaint"
    said = (("agent", "您好，12345。"), ("caller", "我想问一下娃娃转学该怎么办手续，学校说要教育局盖章"),
            ("agent", "需要转出学校和转入学校的证明。"), ("caller", "要得"))
    assert analysed(said, [("file_complaint", 0.7), ("affirm", 0.9)]).intent == "ask_service_guide"


def test_a_query_the_agent_recorded_after_the_caller_chose_is_main():
    said = (("agent", "您好。"), ("caller", "我是想反映个事情哈，我妈的报销材料交到医保中心两个月了，钱还没看到"),
            ("agent", "您是想投诉医保中心，还是想了解这笔报销办到哪一步了？"), ("caller", "嗯，主要是想晓得钱好久到"),
            ("agent", "明白，我们登记查询报销进度，核实身份后回电告诉您。"), ("caller", "好嘛，谢谢哈"))
    result = analysed(said, [("file_complaint", 0.96), ("file_complaint", 0.88), ("thank", 0.94)])
    assert result.intent == "query_medical_insurance"


def test_a_wrong_number_has_no_purpose():
    said = (("agent", "您好，12345。"), ("caller", "喂，是不是修空调的？我昨天打了电话说今天上午来的嘛"),
            ("agent", "这里是12345政务服务热线，不是空调维修。"), ("caller", "啊？哦哦，打错了打错了，不好意思哈"))
    assert analysed(said, [("file_complaint", 0.87), ("file_complaint", 0.9)]).intent == "out_of_scope"


def test_a_turn_the_model_did_not_place_counts_for_the_service_it_asks_about():
    t = turns(("我想问下我的医保卡办好没有，上个月在社区办的", "nlu_fallback", 0.5), ("要得", "affirm", 1.0))
    said = (("agent", "您好。"), ("caller", t[0].text), ("agent", "需要核实身份后给您回电。"), ("caller", "要得"))
    assert analysed(said, [("nlu_fallback", 0.5), ("affirm", 1.0)]).intent == "query_medical_insurance"


def test_praise_is_a_rating_and_not_a_complaint():
    t = turns(("我不是来反映问题的哈，我是专门打来感谢你们的，路灯修好了", "file_complaint", 1.0),
              ("我就是想给你们点个赞，给个好评，非常满意", "file_complaint", 0.97))
    assert decide_intents(t)[0] == "rate_service"


def test_a_request_to_send_someone_is_a_request_to_handle():
    t = turns(("楼上天天晚上跳来跳去，一两点都不睡", "file_complaint", 1.0),
              ("沟通过，人家说在自己屋头想咋个就咋个", "ask_service_guide", 0.62),
              ("你们能不能找人来说一下嘛", "request_human", 0.99))
    assert decide_intents(t)[0] == "file_complaint"


@pytest.mark.parametrize("text, follow_up", [
    ("我上个礼拜打你们电话反映了我们小区门口占道经营的事情，到现在都没人来回复", True),
    ("我想问一下我投诉的那个事情到底有没有人管", True),
    ("有，我短信收到的，G D 二零二六 一一零五 零零 零八 四四", True),
    ("我们小区电梯又坏了，我给物业打过电话了，他们就说等师傅", False),
    ("隔壁装修从早上七点就开始打电钻，我打过电话给他们老板，人家根本不理", False),
])
def test_a_follow_up_of_an_earlier_call_is_one_to_the_hotline(text, follow_up):
    from bot.channels.hotline.purpose import FOLLOW_UP
    assert bool(FOLLOW_UP.search(text)) is follow_up


def test_someone_elses_age_is_no_own_record():
    from bot.channels.hotline.purpose import OWN_RECORD
    assert not OWN_RECORD.search("我想给我妈办个社保卡，她七十多了走不动，能不能代办，要带些啥子")
    assert OWN_RECORD.search("我这个月的社保扣多了")


def test_an_agents_offer_on_the_way_is_no_record_and_the_last_word_of_the_agent_counts():
    said = (("agent", "您好。"), ("caller", "我这个月电费咋个这么贵，交了三百多"),
            ("agent", "您可以提供户号，我帮您查一下账单。"), ("caller", "算了。我主要是要说物业乱涨物业费，也不开业主大会"),
            ("agent", "好的，我们会转交相关部门核实物业收费是否合规。"), ("caller", "要得"))
    reading = agent_reading(a_call(*said), PURPOSES)
    assert (reading.recorded, reading.forwards) == (None, True)
    said = (("agent", "您好。"), ("caller", "物业乱收费，燃气费也不对"), ("agent", "好的，我们转交相关部门。"),
            ("caller", "等一下，我主要是想查燃气费"), ("agent", "好的，那就是查询燃气费，核实后回电。"))
    reading = agent_reading(a_call(*said), PURPOSES)
    assert (reading.recorded, reading.forwards) == ("query_utility_bill", False)


def test_a_personal_querys_call_back_recorded_by_the_agent_is_that_query():
    said = (("agent", "您好。"), ("caller", "我等了十几分钟哦，你们这个热线是不是人手不够嘛"),
            ("agent", "嗯，不好意思。"), ("caller", "算了，我问一下，我妈的医保卡里头还有好多钱"),
            ("agent", "好的，医保个人账户余额需要核实参保人身份后查询，我们登记下来给您回电。"), ("caller", "那好嘛"))
    result = analysed(said, [("file_complaint", 0.97), ("file_complaint", 0.93), ("affirm", 0.59)])
    assert result.intent == "query_medical_insurance"


def test_a_complaint_asked_after_the_agent_recorded_a_query_is_still_filed():
    said = (("agent", "您好。"), ("caller", "我想查一下我们屋头电费欠了好多"), ("agent", "好的，电费需要核实户号，我们登记后回电。"),
            ("caller", "还有，我们小区这个月停了四五回电了，你们要帮我们反映一下，喊供电的来看一下"),
            ("agent", "好的，您小区是哪个？"), ("caller", "龙泉大面这边的"))
    result = analysed(said, [("query_utility_bill", 0.95), ("file_complaint", 1.0), ("inform", 0.96)])
    assert result.intent == "file_complaint" and "query_utility_bill" in result.secondary_intents


def test_the_agents_generic_progress_record_gives_way_to_the_service_asked():
    said = (("agent", "您好。"), ("caller", "我问一下我那个医保报销的钱，说是十五个工作日，现在都一个月了"),
            ("agent", "我们登记后核实身份回电告诉您进度。"), ("caller", "你们每次都是这样说"))
    assert analysed(said, [("file_complaint", 0.94), ("file_complaint", 0.99)]).intent == "query_medical_insurance"


def test_a_complaint_the_caller_drops_is_no_request():
    t = turns(("我要反映一下，那个民政的网站登不进去，一直转圈圈", "file_complaint", 1.0),
              ("哎算了算了，网站那个我不说了，你直接告诉我结婚登记要带些啥子嘛", "file_complaint", 0.79))
    assert decide_intents(t)[0] == "ask_service_guide"


def test_praise_of_a_matter_reported_before_and_a_call_only_to_thank():
    t = turns(("我上周在你们这儿反映过路口下水道堵了，今天上午已经弄好了", "file_complaint", 1.0),
              ("我就直接打过来说嘛，非常满意，给你们打个好评", "rate_service", 0.57))
    assert decide_intents(t)[0] == "rate_service"
    t = turns(("我不是来反映问题的哈，我是专门打电话来说声谢谢", "greet", 0.54),
              ("上个月我打过你们电话，说下水道盖子烂了，第三天就有人来换了", "file_complaint", 1.0))
    assert decide_intents(t)[0] == "thank"


def test_a_matter_the_agent_declines_has_no_purpose():
    said = (("agent", "您好。"), ("caller", "我问一下哈，四川台放川剧的是哪个频道哦"),
            ("agent", "不好意思，电视频道的问题我们这边查不到，您可以问一下运营商的客服。"), ("caller", "哦，那好嘛，谢谢你哈"))
    assert analysed(said, [("file_complaint", 0.83), ("thank", 0.76)]).intent == "out_of_scope"


# -- what the rules must not take (found in review) ---------------------------------------------
@pytest.mark.parametrize("said, parses, intent", [
    ((("agent", "您好。"), ("caller", "我想问下社保卡补办要带啥子"), ("agent", "带身份证。"), ("caller", "好的，感谢你们哈")),
     [("ask_service_guide", 0.95), ("thank", 0.9)], "ask_service_guide"),
    ((("agent", "您好。"), ("caller", "你好，工单GD20261105000844处理结果我不是很满意"), ("agent", "好的。")),
     [("file_complaint", 0.9)], "query_my_affairs"),
    ((("agent", "您好。"), ("caller", "我要投诉，路边摊把路占完了，你们要管一下"), ("agent", "好的。"),
      ("caller", "先对你们表示感谢"), ("agent", "不客气。"), ("caller", "那先跟你说声谢谢哈")),
     [("file_complaint", 1.0), ("thank", 0.9), ("thank", 0.9)], "file_complaint"),
    ((("agent", "您好。"), ("caller", "我要投诉楼下烧烤油烟，你们处理一下"), ("agent", "在哪里？"),
      ("caller", "我已经确认了就是那家店，电话就算了")),
     [("file_complaint", 1.0), ("inform", 0.9)], "file_complaint"),
    ((("agent", "您好。"), ("caller", "我营业执照上的名字打错了，咋个改嘛"), ("agent", "到窗口办理变更。")),
     [("query_business_registration", 0.9)], "query_business_registration"),
    ((("agent", "您好。"), ("caller", "我想问下医保余额"), ("agent", "医保余额我们这边没有办法直接查，需要核实身份。")),
     [("query_medical_insurance", 0.9)], "query_medical_insurance"),
    ((("agent", "您好。"), ("caller", "你好，我反映的问题是楼下烧烤店油烟太大，你们管一下"), ("agent", "好的。")),
     [("file_complaint", 1.0)], "file_complaint"),
    ((("agent", "您好。"), ("caller", "我上次投诉那个事"), ("agent", "您是想问一下投诉的处理进度吗？"), ("caller", "对")),
     [("file_complaint", 0.9), ("affirm", 0.9)], "query_my_affairs"),
])
def test_ordinary_words_do_not_decide_the_purpose(said, parses, intent):
    assert analysed(said, parses).intent == intent


def test_a_praise_call_keeps_its_other_purposes_listed():
    t = turns(("我想问下公积金余额", "query_housing_fund", 0.9), ("上次的事办好了，非常满意，给你们个好评", "rate_service", 0.9))
    assert decide_intents(t) == ("rate_service", ["query_housing_fund"])


def test_a_call_back_recorded_about_progress_keeps_the_service_the_caller_confirmed():
    said = (("agent", "您好。"), ("caller", "我那个个体户执照注销，网上申请一个月了还显示存续，拖起好恼火"),
            ("agent", "您是想查一下个体户注销申请现在的办理进度，对吗？"), ("caller", "是的，到底卡到哪一步了"),
            ("agent", "好的，我们登记后请相关部门核实进度，回电告诉您。"))
    result = analysed(said, [("file_complaint", 0.9), ("query_my_affairs", 0.8)])
    assert result.intent == "query_business_registration"


def test_a_follow_up_that_says_it_is_no_new_complaint_asks_for_progress():
    said = (("agent", "您好。"), ("caller", "我有个工单号GD20261127000964，反映的小区门口占道卖菜"),
            ("caller", "我不是要重新投诉哈，我就想晓得现在是哪个单位在办，办到哪了"),
            ("agent", "目前在承办单位处理中，我们会催办。"), ("caller", "那好嘛"))
    result = analysed(said, [("file_complaint", 0.9), ("file_complaint", 0.8), ("affirm", 0.9)])
    assert result.intent == "query_my_affairs"


def test_a_booking_the_agent_took_is_the_purpose_and_a_restaurant_call_is_a_wrong_number():
    said = (("agent", "您好。"), ("caller", "我那个社保卡旧的，银行的人说要换第三代的，我弄不来，你们帮我约一下嘛"),
            ("agent", "好的，帮您登记下周一上午在青白江区政务服务中心办理社保卡换卡的预约，请问您的姓名？"),
            ("caller", "姓罗，对对对，要得"))
    assert analysed(said, [("file_complaint", 0.8), ("affirm", 0.9)]).intent == "book_appointment"
    said = (("agent", "您好。"), ("caller", "喂，是不是那个蹄花店嘛？我订个位子，今天晚上六个人"),
            ("agent", "您好，这里是12345政务服务热线，不是餐馆，您可能打错了。"), ("caller", "哦，好嘛，不好意思哈"))
    assert analysed(said, [("book_appointment", 0.8), ("affirm", 0.9)]).intent == "out_of_scope"


def test_what_the_caller_says_they_mainly_want_is_main():
    said = (("agent", "您好。"), ("caller", "我想查两个东西。先问一下我医保卡上个月进钱没有"), ("agent", "余额一百三十六元。"),
            ("caller", "好嘛。主要是另外一个，我要查一下我交社保交了多少个月了"), ("agent", "累计八十七个月。"))
    assert analysed(said, [("query_medical_insurance", 0.8), ("query_social_security", 0.66)]).intent \
        == "query_social_security"


def test_a_matter_said_on_the_side_is_listed_not_main():
    said = (("agent", "您好。"), ("caller", "我查一下医保余额"), ("agent", "两千三百一十五元。"),
            ("caller", "顺便帮我反映一下嘛，那个医保的服务电话打一上午都打不通，你们给他们说一下嘛"))
    result = analysed(said, [("query_medical_insurance", 0.95), ("file_complaint", 0.99)])
    assert result.intent == "query_medical_insurance" and "file_complaint" in result.secondary_intents


def test_after_a_follow_up_a_caller_who_only_wants_to_know_asks_no_act():
    said = (("agent", "您好。"), ("caller", "我上个月反映过一个事情，想问问处理得咋样了，单号是GD20261106004127"),
            ("agent", "目前处理中，要求商家整改。"), ("caller", "整改，整改了好久嘛。好嘛，我就是问一哈到哪一步了"))
    assert analysed(said, [("query_my_affairs", 0.71), ("nlu_fallback", 0.5)]).intent == "query_my_affairs"


@pytest.mark.parametrize("number, intent", [("QY二零二六一一三零零零四零一三", "query_business_registration"),
                                            ("Y，B，二零二六，零八一四，零零五二六幺", "query_medical_insurance")])
def test_a_number_read_out_names_its_service(number, intent):
    said = (("agent", "您好。"), ("caller", "我那个申请交上去好久了，到现在还没消息"), ("agent", "有编号吗？"),
            ("caller", f"有，{number}。"), ("agent", "这边显示需要补充材料。"))
    assert analysed(said, [("file_complaint", 0.6), ("inform", 0.9)]).intent == intent


def test_a_new_complaint_about_an_earlier_call_and_a_rating_by_phone():
    said = (("agent", "您好。"), ("caller", "我要投诉你们的一个接线员。我前天打电话反映事情，她话没听完就把电话挂了"),
            ("agent", "我们会调取录音核查。"))
    assert analysed(said, [("file_complaint", 0.99)]).intent == "file_complaint"
    said = (("agent", "您好。"), ("caller", "你们短信喊我给工单评价，我回不成功，打电话来评"), ("agent", "您的评价是？"),
            ("caller", "不满意。他们就来看了一眼。不用重新派单了，我就是要给个评价"))
    assert analysed(said, [("rate_service", 0.7), ("file_complaint", 0.8)]).intent == "rate_service"


def test_words_that_decided_too_much_decide_nothing():
    # a grumble's 就晓得 after a follow-up is no "only asking"
    said = (("agent", "您好。"), ("caller", "我上个月反映过垃圾站臭的事情，工单GD20261101000123"),
            ("agent", "目前处理中。"), ("caller", "物业就晓得收钱，啥子都不管，你们帮我们反映一下嘛，赶紧派人来处理"))
    assert analysed(said, [("file_complaint", 0.9), ("file_complaint", 0.95)]).intent == "file_complaint"
    # the agent asking whether a phone number was mistyped is no wrong number
    said = (("agent", "您好。"), ("caller", "楼上天天晚上打麻将到两点，吵得睡不着，你们管一下"),
            ("agent", "您留的号码少了一位，您是不是打错了？"), ("caller", "哦，是13880000001"))
    assert analysed(said, [("file_complaint", 0.99), ("inform", 0.9)]).intent == "file_complaint"
    # telling how to book, after a complaint is taken, is no booking taken
    said = (("agent", "您好。"), ("caller", "小区门口占道经营，你们管一下"),
            ("agent", "好的，帮您登记了，会转交城管部门处理，以后办事可以在天府通办预约。"))
    assert analysed(said, [("file_complaint", 0.99)]).intent == "file_complaint"
    # 来评评理 asks for no rating
    said = (("agent", "您好。"), ("caller", "你们来评评理，物业凭什么每个月多收我们两百块钱，你们管一下"))
    assert analysed(said, [("file_complaint", 0.99)]).intent == "file_complaint"


def test_a_complaint_deferred_until_checked_is_a_query():
    said = (("agent", "您好。"), ("caller", "我要投诉电力公司！我一个人住，一个月电费八百多"),
            ("agent", "您是想先查一下用电量和欠费明细吗？"), ("caller", "那你先帮我查一下嘛，看到底用了好多度，我再说"))
    assert analysed(said, [("file_complaint", 0.99), ("query_utility_bill", 0.8)]).intent == "query_utility_bill"


def test_after_a_follow_up_how_it_goes_on_is_no_new_complaint_but_another_matter_is():
    said = (("agent", "您好。"), ("caller", "我十二月投诉过隔壁KTV噪音，工单号GD20261222007704，想问下处理得咋样了"),
            ("agent", "处理中，他们去现场检测过一次。"), ("caller", "检测过嗦？昨天晚上还是吵得很，一点钟都在唱"),
            ("agent", "我给您备注一下。"), ("caller", "好嘛，有结果了一定要给我打电话哈"))
    assert analysed(said, [("query_my_affairs", 0.9), ("file_complaint", 0.99), ("inform", 0.6)]).intent \
        == "query_my_affairs"
    said = (("agent", "您好。"), ("caller", "我上个月反映的下水道堵了，工单是GD20261119002548，处理得咋样了"),
            ("agent", "已办结。"), ("caller", "对，疏通了。我今天主要是另外一个事情，小区旁边空地晚上老有车来倒建筑垃圾"))
    assert analysed(said, [("query_my_affairs", 0.9), ("file_complaint", 0.99)]).intent == "file_complaint"


def test_several_services_at_once_and_a_booking_the_agent_made():
    said = (("agent", "您好。"), ("caller", "我最近办了好几个事，一个公积金提取，一个娃娃的港澳签注，都到哪一步了，能不能一起查"))
    assert analysed(said, [("query_housing_fund", 0.8)]).intent == "query_my_affairs"
    said = (("agent", "您好。"), ("caller", "我明天要去政务中心办老年证，我不会弄手机，你帮我约嘛"),
            ("agent", "好的甘叔叔，已经预约好了，明天下午两点带身份证过去就行。"))
    assert analysed(said, [("ask_service_guide", 0.7)]).intent == "book_appointment"


def test_the_number_asked_with_a_restatement_confirms_it_and_a_side_record_is_no_main():
    said = (("agent", "您好。"), ("caller", "我女儿的港奥签注，学校说一月二十号之前给，现在都三十号了还莫得"),
            ("agent", "您是查孩子的港澳团队旅游签注进度对吧？有受理编号吗？"), ("caller", "老师发在群里的，CJ二零二七零一零八零零四四一九"),
            ("caller", "二月三号就要走了哈，急得很"))
    assert analysed(said, [("file_complaint", 0.9), ("inform", 0.9), ("file_complaint", 0.8)]).intent \
        == "query_endorsement_status"
    said = (("agent", "您好。"), ("caller", "我申请了公积金退休销户提取，交上去两个礼拜了还没到账"),
            ("agent", "您是查公积金退休提取的进度对吧？"), ("caller", "对"),
            ("caller", "还有，我顺便问下，我社保最后一个月单位给我交了没有"),
            ("agent", "这个我也一并登记，请社保部门核实后回复。"))
    assert analysed(said, [("query_housing_fund", 0.9), ("affirm", 0.9), ("query_social_security", 0.9)]).intent \
        == "query_housing_fund"


def test_how_to_do_a_thing_and_whether_to_book_are_guide_questions():
    said = (("agent", "您好。"), ("caller", "厂里裁员把我裁了，我想问下失业金咋个领？"), ("agent", "可以在人社app上申领。"),
            ("caller", "那要不要预约嘛？"), ("agent", "不用。"))
    assert analysed(said, [("query_social_security", 0.8), ("book_appointment", 0.7)]).intent == "ask_service_guide"
    said = (("agent", "您好。"), ("caller", "我明天想去办房子过户，要不要预约？能不能帮我约一个？"),
            ("agent", "好的，已经约了明天上午九点到十点的号。"))
    assert analysed(said, [("book_appointment", 0.8)]).intent == "book_appointment"


def test_an_earlier_order_asked_after_with_nothing_new_to_handle_and_a_thanks_call():
    said = (("agent", "您好。"), ("caller", "我们那条巷子路灯坏了，我上个月晚上回家摔了一跤"),
            ("agent", "您是想反映路灯的问题吗？"),
            ("caller", "不是，我反映过了，给了个单号，我想问问到底修不修。单号是GD20270122004119"),
            ("agent", "目前处理中，我们帮您催办。"), ("caller", "处理中，一个月了还处理中，莫得人来处理"))
    assert analysed(said, [("file_complaint", 0.95), ("query_my_affairs", 0.8), ("file_complaint", 0.9)]).intent \
        == "query_my_affairs"
    said = (("agent", "您好。"), ("caller", "我不是来反映问题的哈，我就是想说声谢谢，门口的大坑第三天就补好了"))
    assert analysed(said, [("file_complaint", 0.9)]).intent == "thank"


def test_the_second_reviews_calls_read_as_an_operator_would():
    # asking to check first whether someone complained already is no complaint dropped
    said = (("agent", "您好。"), ("caller", "小区门口那个烧烤摊天天晚上开到两点，吵得睡不着，我要投诉"),
            ("agent", "好的，我给您登记。"), ("caller", "你先查一下，之前是不是有人投诉过了"))
    assert analysed(said, [("file_complaint", 0.99), ("query_my_affairs", 0.8)]).intent == "file_complaint"
    # the agent asking whether a booking was made is no booking made
    said = (("agent", "您好。"), ("caller", "去武侯区政务中心办居住证要带啥子"), ("agent", "身份证、租房合同。您已经约了吗？"))
    assert analysed(said, [("ask_service_guide", 0.9)]).intent == "ask_service_guide"
    # "I need to book" states a booking; a matter stuck for months is no how-to question
    said = (("agent", "您好。"), ("caller", "你好，我需要预约，下周一上午去武侯区政务中心办护照"))
    assert analysed(said, [("book_appointment", 0.95)]).intent == "book_appointment"
    said = (("agent", "您好。"), ("caller", "我的医保关系怎么转了半年都没转过来"))
    assert analysed(said, [("query_medical_insurance", 0.9)]).intent == "query_medical_insurance"
    # a number read out in lower case; thanks first, then a new matter to handle
    said = (("agent", "您好。"), ("caller", "我想问下我那个办件到哪一步了"), ("agent", "有受理编号吗？"),
            ("caller", "有，gj二零二六一一零一零零零一二三"))
    assert analysed(said, [("query_my_affairs", 0.8), ("inform", 0.9)]).intent == "query_housing_fund"
    said = (("agent", "您好。"), ("caller", "我就是想说声谢谢，上次噪音的事处理得快"),
            ("caller", "另外我们小区门口的路灯坏了一个月了，麻烦你们派人来修一下"))
    assert analysed(said, [("thank", 0.9), ("file_complaint", 0.99)]).intent == "file_complaint"
