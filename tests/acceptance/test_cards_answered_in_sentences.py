"""Issue 12 through the real stack: a card answered in a sentence, as citizens answer it
("确认 辛苦你们了", "算了算了 就这样交上去嘛", "还是不提交了 我怕…"), and the times of a booking
left to the assistant ("就这样 确认预约": the earliest free one of the half-day asked)."""
from tests.fixtures.chat import WANG, offered
from tests.fixtures.clock import at

MONDAY = at("2026-11-16T10:00")


def _complaint_at_the_card(c):
    c.say("投诉 锦江区水井坊有家烧烤店 天天晚上油烟熏到楼上")
    card = c.say("不留")
    if "什么时候" in card:
        card = c.say("每天晚上七点到十二点")
    assert "请确认您的诉求" in card, c.transcript


def test_a_yes_with_thanks_or_a_grumble_files_the_complaint(talk):
    for yes in ("确认 辛苦你们了", "算了算了 就这样交上去嘛", "对头 发过去嘛", "没得要改的了 提交嘛"):
        c = talk()
        _complaint_at_the_card(c)
        assert "已为您提交12345工单" in c.say(yes), yes


def test_a_no_in_a_sentence_files_nothing_and_a_question_at_the_card_files_nothing(talk, stack_runtime):
    c = talk()
    _complaint_at_the_card(c)
    said = c.say("还是不提交了 我怕他们晓得是我举报的")
    assert "没有提交" in said and stack_runtime.sessions.load(c.user_key).form is None
    c = talk()
    _complaint_at_the_card(c)
    asked = c.say("确认提交了以后多久有人处理？")
    assert "已为您提交" not in asked


def test_a_yes_where_the_times_are_offered_books_the_earliest_of_the_half_day(talk, travel):
    travel(MONDAY)
    c = talk()
    c.bind(WANG)
    c.say("帮我约周三下午去锦江区办护照")
    times = offered(c.replies)
    assert times and all(t.reply >= "12:00" for t in times)
    booked = c.say("对的 就这样 确认预约 谢了")
    assert "预约成功" in booked and times[0].reply in booked


def test_a_half_day_turned_down_in_dialect_or_taken_back_for_another(talk, stack_runtime, travel):
    travel(MONDAY)
    for said in ("上午也不得行哦 下午哈", "取消上午 改下午"):
        c = talk()
        c.bind(WANG)
        c.say("帮我约周三上午去锦江区办护照")
        c.say(said)
        form = stack_runtime.sessions.load(c.user_key).form
        assert form is not None and form.data["part"] == "pm" and form.data["date"] == "2026-11-18", said


def test_no_phone_said_where_the_time_was_asked_cancels_nothing(talk, stack_runtime):
    c = talk()
    c.say("青羊区抚琴西路 停水了 好几回了 投诉")
    asked = c.say("不用留电话")
    form = stack_runtime.sessions.load(c.user_key).form
    assert "已取消" not in asked and form is not None and form.slots.get("contact") == ""


def test_a_time_of_day_said_as_an_hour_is_the_half_day(talk, stack_runtime, travel):
    travel(MONDAY)
    c = talk()
    c.bind(WANG)
    c.say("我要预约换身份证")
    c.say("金牛 下礼拜二 9点半")
    data = stack_runtime.sessions.load(c.user_key).form.data
    assert (data["district"], data["date"], data["part"]) == ("金牛区", "2026-11-24", "am")


def test_asking_for_a_person_by_another_word_is_no_personal_query(talk, stack_runtime):
    c = talk()
    said = c.say("我要找工作人员 问下营业执照变更")
    assert "实名" not in said and "核实您的身份" not in said


def test_a_character_of_a_name_the_backend_turned_down_corrected_in_words(talk, stack_runtime):
    c = talk()
    said = c.say("实名认证 赵莉 510122197811250069")
    assert "核对不一致" in said
    c.say("莉字错了 是美丽的丽")
    form = stack_runtime.sessions.load(c.user_key).form
    assert form is not None and form.step == "code"           # 赵丽 matches: the code was sent
    assert "身份核验成功" in c.say("123465 啊打反了 是123456")   # the last code said


def test_a_cancel_leading_a_long_message_at_the_code_step(talk, stack_runtime):
    c = talk()
    c.say("实名认证 王建国 510104198506122310")
    said = c.say("算了不弄了 短信发到我以前那个号上去了 收不到")
    assert "已取消" in said and stack_runtime.sessions.load(c.user_key).form is None


def test_a_problem_told_without_a_word_of_complaining_opens_a_complaint(talk, stack_runtime):
    c = talk()
    c.say("我叫罗小燕 住在成华区沙河堡 对面工地的塔吊天天晚上开起大灯 直接照到我屋头")
    form = stack_runtime.sessions.load(c.user_key).form
    assert form is not None and form.intent == "file_complaint"
    assert "塔吊" in form.slots["content"] and "天天晚上" in form.slots["when"] and "沙河堡" in form.slots["location"]
    d = talk()
    d.say("我住在武侯区玉林路 昨天晚上回来的")        # where and when, but no trouble told: no complaint
    assert stack_runtime.sessions.load(d.user_key).form is None


def test_a_yes_that_holds_back_or_a_question_where_times_are_offered_books_nothing(talk, stack_runtime, travel):
    travel(MONDAY)
    for said in ("好的 我看一下", "这几个时间哪个都不行 我要上班", "有没有早点的", "可以 等我问下我老婆再说"):
        c = talk()
        c.bind(WANG)
        c.say("帮我约周三下午去锦江区办护照")
        reply = c.say(said)
        assert "预约成功" not in reply, said
        form = stack_runtime.sessions.load(c.user_key).form
        assert form is not None and form.intent == "book_appointment", said


def test_a_cancel_with_no_phone_left_cancels_and_staff_asked_to_come_is_a_complaint(talk, stack_runtime):
    c = talk()
    c.say("投诉 楼下烧烤店天天开到凌晨三点 吵得睡不着")
    assert "已取消" in c.say("算了 不投诉了 电话也不想留了")
    c = talk()
    said = c.say("我们小区门口的垃圾堆了一个星期没人清 想找个工作人员来处理一下")
    assert "转接人工" not in said
    c = talk()
    c.say("我要实名认证")
    c.say("我们小区的路灯坏了半个月了 怎么一直没人管")
    form = stack_runtime.sessions.load(c.user_key).form
    assert form is not None and form.intent == "file_complaint"


def test_the_phone_dropped_with_a_sigh_at_the_card_keeps_the_complaint(talk, stack_runtime):
    c = talk()
    _complaint_at_the_card(c)
    c.say("电话不留了哈 算了")
    form = stack_runtime.sessions.load(c.user_key).form
    assert form is not None and form.intent == "file_complaint"


def test_a_call_back_number_given_with_a_no_to_calling_now(talk, stack_runtime, travel):
    travel(at("2026-11-16T21:00"))
    c = talk()
    c.say("转人工")
    reply = c.say("不用现在打 明天打就行 13730896624")
    assert "已为您登记回电" in reply
    assert stack_runtime.sessions.load(c.user_key).form is None


def test_a_booking_corrected_in_its_request_moved_by_a_day_or_stopped(talk, stack_runtime, travel):
    travel(MONDAY)
    c = talk()
    c.bind(WANG)
    c.say("帮我约周三上午 锦江区，哦不是锦江 是武侯区 办居住证")
    data = stack_runtime.sessions.load(c.user_key).form.data
    assert data["district"] == "武侯区" and data["date"] == "2026-11-18"
    c.say("日子往后推一天")
    assert stack_runtime.sessions.load(c.user_key).form.data["date"] == "2026-11-19"
    assert "已取消" in c.say("取消预约")
    assert stack_runtime.sessions.load(c.user_key).form is None


def test_praise_with_a_place_and_a_time_opens_no_complaint(talk, stack_runtime):
    c = talk()
    c.say("昨天下午在武侯区人民医院看的病 那个医生很负责 谢谢他")
    form = stack_runtime.sessions.load(c.user_key).form
    assert form is None or form.intent != "file_complaint"


def test_an_afternoon_hour_where_a_morning_was_held_and_the_earliest_asked(talk, stack_runtime, travel):
    travel(MONDAY)
    c = talk()
    c.bind(WANG)
    c.say("帮我约周三上午去锦江区办护照")
    c.say("上午不行 改成14:30")
    assert stack_runtime.sessions.load(c.user_key).form.data["part"] == "pm"
    d = talk()
    d.bind(WANG)
    d.say("帮我约周四下午去锦江区办护照")
    assert "预约成功" in d.say("要最早那个")
