"""Where and when in a complaint told in one message (bot.city.complaint_parts)."""
import pytest

from bot.city.complaint_parts import place_and_time, place_in, time_in


@pytest.mark.parametrize("text, place, when", [
    ("春熙路那个工地每天晚上11点过后还在施工", "春熙路那个工地", "每天晚上11点过后还在施工"),
    ("投诉：金牛区营门口路的菜市场，昨天早上开始污水横流", "金牛区营门口路的菜市场", "昨天早上开始污水横流"),
    ("锦绣小区楼下的烧烤摊，吵了一个多月了", "锦绣小区楼下的烧烤摊", "吵了一个多月了"),
    # the time first: the place is what follows it, up to what happens there; the clause is the time
    ("上周三开始在双流东升街有人乱倒建筑垃圾", "在双流东升街", "上周三开始在双流东升街有人乱倒建筑垃圾"),
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


@pytest.mark.parametrize("text", ["你们几点下班？", "今天能处理吗", "这个投诉几天能处理完？", "昨天反映的问题什么时候有结果",
                                  "春熙路那边有人管吗"])
def test_a_question_names_no_place_and_no_time(text):
    assert place_and_time(text) == (None, None)


@pytest.mark.parametrize("text", ["我们小区物业乱收停车费", "马路上有个大坑", "市场监管局不作为", "大学生找工作被骗",
                                  "那个路口红绿灯坏了"])
def test_a_place_without_a_name_is_no_place(text):
    assert place_and_time(text)[0] is None


def test_a_place_with_a_name_after_the_words_about_home_is_a_place():
    assert place_and_time("我家楼下的锦绣小区烧烤摊太吵")[0] == "我家楼下的锦绣小区烧烤摊"


@pytest.mark.parametrize("text, when", [("声音小一点", None), ("快一点处理", None),
                                        ("晚上一点还在放音乐", "晚上一点还在放音乐")])
def test_a_little_is_no_time_but_one_oclock_is(text, when):
    assert place_and_time(text)[1] == when


# -- corrections, month and day words, a verb + 路 (issue 12, batch 5 of the dev conversations) ----
@pytest.mark.parametrize("text, place, when", [
    ("说错了 不是上周五 是上周四晚上", None, "上周四晚上"),       # the last said, never the turned-down
    ("不是晚上是凌晨三点多", None, "凌晨三点多"),                  # no pause between them
    ("搞错了，不是营门口路，是营康西路", "营康西路", None),
    ("地址换成高新区", "高新区", None),
    ("时间不对 改成每个周末", None, "每个周末"),
    ("刚才说错了 地址应该是成华区杉板桥路", "成华区杉板桥路", None),
])
def test_in_a_correction_the_last_said_wins(text, place, when):
    assert (place_in(text), time_in(text)) == (place, when)


@pytest.mark.parametrize("text, when", [
    ("九月份就开始了", "九月份就开始了"), ("从八月份一直到现在", "从八月份一直到现在"),
    ("上个月二十号", "上个月二十号"), ("3月5号那天", "3月5号那天"), ("十一月三号买的", "十一月三号买的"),
    ("二十号晚上", "二十号晚上"), ("12月1日", "12月1日"),
])
def test_months_and_days_of_the_month_are_times(text, when):
    assert place_and_time(text) == (None, when)


@pytest.mark.parametrize("text", ["青羊区光华村街12号", "武侯区玉林北路18号院", "锦江区东大街3号楼"])
def test_a_house_number_is_no_day(text):
    assert place_and_time(text) == (text, None)


@pytest.mark.parametrize("text", ["晚上一个人走路心里发毛", "卖菜的把路占了一半", "开车的从不给行人让路",
                                  "路过那里的时候闻到一股臭味", "污水都流到街面上了", "外卖车直接冲进小区",
                                  "问路的时候被骂了"])
def test_a_verb_before_a_road_is_no_place(text):
    assert place_in(text) is None


@pytest.mark.parametrize("text, place", [("玉林北路那个工地", "玉林北路那个工地"), ("营康西路有个井盖", "营康西路有个井盖"),
                                         ("二环路高架下面", "二环路高架下面"), ("人民南路四段", "人民南路四段")])
def test_a_named_road_is_still_a_place(text, place):
    assert place_in(text) == place


@pytest.mark.parametrize("text, when", [
    ("玉林北路那个工地每天晚上11点过后还在施工", "每天晚上11点过后"),
    ("青羊区草市街有家酒吧昨晚凌晨2点还在放音乐", "昨晚凌晨2点"),
    ("从早上八点到晚上十点都在打桩", "早上八点到晚上十点"),
    ("每天半夜开始就有货车进出", "每天半夜开始"),
    ("上个月二十号开始就停水", "上个月二十号开始"),
])
def test_the_time_kept_is_the_time_phrase_not_the_whole_clause(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text", ["物业一个月收五百停车费", "一年要交两千的管理费", "一天才挣八十块", "租金一个月三千五"])
def test_a_period_that_is_the_unit_of_a_price_is_no_time(text):
    assert time_in(text) is None


@pytest.mark.parametrize("text, place", [
    ("哦 地址说错了 应该是荷花池 不是驷马桥", "荷花池"),
    ("地点不对，是在九眼桥那边", "九眼桥那边"),
    ("地点改成营门口那个站 电话留15208836641", "营门口那个站"),
])
def test_a_correction_of_the_address_gives_the_place_without_a_place_word(text, place):
    assert place_in(text) == place


@pytest.mark.parametrize("text, when", [
    ("小区门口的垃圾好几天没人收了", "好几天"),
    ("不对 记错了 是上上个礼拜", "上上个礼拜"),
    ("上个礼拜三晚上", "上个礼拜三晚上"),
])
def test_weeks_said_as_libai_and_haoji_days_are_times(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text, when", [
    ("网吧放未成年人进去上网 每天放学后都是", "每天放学后"),
    ("路灯礼拜一晚上开始就不亮了", "礼拜一晚上开始"),
    ("嗯…应该是礼拜天晚上 我记岔了", "礼拜天晚上"),
])
def test_moments_said_by_what_happens_and_days_said_as_libai(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text", ["地址是对的，时间说错了 是昨天晚上", "地址对的 电话说错了 应该是13880000001",
                                  "地点没错 不是上周 是上上周"])
def test_a_correction_of_something_else_gives_no_place(text):
    assert place_in(text) is None


def test_round_here_is_no_time():
    assert time_in("我们这周边的路灯全坏了") is None


@pytest.mark.parametrize("text, when", [
    ("投诉 青白江区大弯镇 化工厂晚上偷偷排废气 臭得睡不着 每天晚上九点多", "每天晚上九点多"),
    ("投诉 锦江区合江亭附近 晚上有人飙车 炸街 每天十二点左右", "每天十二点左右"),
    ("时间说错了 是上上个月就开始收了", "上上个月"),
])
def test_the_time_said_with_a_clock_wins_over_a_part_of_the_day(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text, when", [
    ("成华区府青路有个废品站 三天两头在路边烧垃圾", "三天两头"),
    ("抚琴西路 隔三差五就停水", "隔三差五"),
    ("每周一三五晚上", "每周一三五晚上"),
    ("每个星期六早上七点就开始装修", "每个星期六早上七点"),
    ("每逢下雨就淹", "每逢下雨"),
    ("其实不只周末 天天都是", "天天"),        # widened: the later time is the time
    ("不止晚上 白天也吵", "白天"),
])
def test_how_often_is_a_time_and_a_widened_time_gives_way(text, when):
    from bot.city.complaint_parts import time_in
    assert time_in(text) == when


@pytest.mark.parametrize("text, place", [
    ("刚才打错了 应该是T1航站楼", "T1航站楼"),
    ("刚刚说岔了 是IFS背后那个", "IFS背后那个"),     # a correction naming no slot: the place
    ("说错了 是前天下午", None),                      # a time: no place
    ("刚刚说错了", None),
    ("说错了 是楼上那家在装修", None),               # what happened corrected, not where
])
def test_a_place_corrected_without_saying_it_is_the_place(text, place):
    from bot.city.complaint_parts import place_in
    assert place_in(text) == place


def test_how_often_then_the_hour_a_few_words_on_is_one_time():
    from bot.city.complaint_parts import time_in
    assert time_in("温江区光华大道边上有个KTV 天天唱歌唱到夜里11点过").startswith("天天")
    assert "11点" in time_in("温江区光华大道边上有个KTV 天天唱歌唱到夜里11点过")
    assert time_in("天天都这样") == "天天"


def test_a_price_per_month_is_no_time_however_often_it_is_said():
    from bot.city.complaint_parts import time_in
    assert time_in("小区物业 每个月多收我们两百块电梯费") is None
    assert time_in("每个月都停好几次电") == "每个月"


def test_festivals_and_the_new_year_are_times():
    from bot.city.complaint_parts import time_in
    assert time_in("火锅店油烟大得很 从年前一直到现在") == "年前"


@pytest.mark.parametrize("text, place", [("搞错了 在荷花池", "荷花池"), ("刚刚说错了 是在九眼桥", "九眼桥"),
                                         ("说错了 是建发那个楼盘", "建发那个楼盘")])
def test_a_place_corrected_with_zai_or_a_building_word(text, place):
    from bot.city.complaint_parts import place_in
    assert place_in(text) == place


def test_square_dancing_is_no_square():
    from bot.city.complaint_parts import place_in
    assert place_in("你好 我叫司马春燕 想反映一下我们楼下广场舞太吵了") is None
    assert place_in("天府广场") == "天府广场"


@pytest.mark.parametrize("text", ["青羊区光华街道 清江东路那边的锦绣苑", "金牛区 花照壁 一品天下旁边那个小区",
                                  "高新区大源 中海城南一号", "武侯区簇锦街道 新北小区 3栋2单元", "成华区建设路 万科城十二号"])
def test_a_district_or_street_followed_by_more_of_the_place_is_one_place(text):
    assert place_and_time(text) == (text, None)
    assert place_in(text) == text and time_in(text) is None


@pytest.mark.parametrize("text, place", [("金牛区蜀汉路 烧烤摊油烟好大", "金牛区蜀汉路"),
                                         ("武侯区玉林路 每天晚上都吵", "武侯区玉林路")])
def test_what_happens_after_a_place_is_no_part_of_it(text, place):
    assert place_and_time(text)[0] == place


@pytest.mark.parametrize("text, when", [("油烟天天往我屋头灌 从上个月就开始了", "上个月"),
                                        ("每天晚上都吵 上周开始的", "上周开始"),
                                        ("楼下经常有人打牌 去年起就这样", "去年起"),
                                        ("电梯天天坏", "天天")])
def test_a_start_beats_how_often(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text, when", [("大前天晚上就开始搭了", "大前天晚上"), ("大前天开始的", "大前天开始")])
def test_three_days_ago_is_kept_whole(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text, place", [("地铁2号线洪河站C口外头 共享单车堆成山了", "地铁2号线洪河站C口外头"),
                                         ("天府广场站B口 有人乱摆摊", "天府广场站B口"),
                                         ("7号线 太平园站 扶梯坏了", "7号线 太平园站")])
def test_metro_lines_stations_and_exits_are_places(text, place):
    assert place_in(text) == place


@pytest.mark.parametrize("text", ["网站打不开", "他一直站在门口不走"])
def test_a_station_needs_a_name(text):
    assert place_in(text) is None


@pytest.mark.parametrize("text, rest", [("有家健身房办了卡就跑路了", "有家健身房办了卡就跑路了"),
                                        ("老板卷钱跑路", "老板卷钱跑路"), ("在春熙路被偷了", "被偷了")])
def test_a_verb_and_its_road_is_no_place_to_take_out_of_a_story(text, rest):
    from bot.city.complaint_parts import without_places
    assert without_places(text) == rest


@pytest.mark.parametrize("text, when", [
    ("我餐厅隔壁的工地天天半夜施工 在高新区天府三街地铁站旁边 最近半个月都这样", "最近半个月 天天半夜"),
    ("楼下烧烤 每天晚上都吵 一个多月了", "一个多月 每天晚上"),
    ("这段时间 楼上经常半夜拖椅子", "这段时间 经常半夜"),
    ("电梯天天坏", "天天"),                              # how often alone
    ("锦绣小区楼下的烧烤摊，吵了一个多月了", "一个多月了"),  # how long alone
])
def test_how_often_and_how_long_in_clauses_of_their_own_are_one_time(text, when):
    assert time_in(text) == when


# -- a place stops before what happens there; a period with 都…了; a time told by an event (自从…过后);
# a day and a time of day together (heldout set 12) ------------------------------------------------
@pytest.mark.parametrize("text, place", [
    ("喊了好多回了，天府新区华阳正北上街那个垃圾站一直莫得人清，臭得很", "天府新区华阳正北上街那个垃圾站"),
    ("东安湖公园北门那个公共厕所就一直锁起的", "东安湖公园北门那个公共厕所"),
    ("锦江区春熙路那家火锅店天天把油倒进下水道", "锦江区春熙路那家火锅店"),
    ("高新区天府三街那个路口又堵死了", "高新区天府三街那个路口"),
    ("金牛区停水了都没得人通知", "金牛区"),
    ("温江区光华大道三段有个红绿灯坏了", "温江区光华大道三段有个红绿灯"),
    ("成华区建设路的公交站被人占道摆摊", "成华区建设路的公交站"),
])
def test_a_place_stops_before_what_happens_there(text, place):
    assert place_in(text) == place


@pytest.mark.parametrize("text, when", [
    ("臭得很，都一个多星期了", "一个多星期了"), ("两个多礼拜了还没修", "两个多礼拜了"),
    ("自从大运会过后 就一直锁起的", "自从大运会过后"), ("自打搬过来以后天天吵", "自打搬过来以后天天"),
    ("打从开学以后 早上堵得很", "打从开学以后"), ("疫情以来就没开过门", "疫情以来"),
    ("周末一大早就开始打电钻", "周末一大早"), ("礼拜六大清早 隔壁在装修", "礼拜六大清早"),
    ("昨天大半夜还在放音乐", "昨天大半夜"), ("每天中午都在放", "每天中午"),
])
def test_a_period_an_event_and_a_time_of_day_with_its_day_are_times(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text, place, when", [
    ("自从大运会过后 东安湖公园北门那个公共厕所就一直锁起的", "东安湖公园北门那个公共厕所", "自从大运会过后"),
    ("自从地铁站修好过后 成华区建设路那个路口天天堵", "成华区建设路那个路口", "自从地铁站修好过后"),
])
def test_a_time_told_by_an_event_and_the_place_in_one_message(text, place, when):
    assert (place_in(text), time_in(text)) == (place, when)


def test_a_place_word_inside_the_event_is_no_place():
    assert place_in("自从小区交房以来") is None and time_in("自从小区交房以来") == "自从小区交房以来"


def test_a_long_repetition_of_period_words_is_read_at_once():
    """A period's 了 / 多 / 来 read by one part only: "一天了" said over and over (a paste, a stuck key)
    once took seconds per repeat (backtracking); it is read like any other text now."""
    from bot.city.complaint_parts import _PERIOD
    assert _PERIOD.fullmatch("都一个多星期了") and _PERIOD.fullmatch("好几天了")
    time_in("一天了" * 40 + "过后")          # returns (with whatever reading) instead of hanging


@pytest.mark.parametrize("unit", ["哈", "哦", "嗯 ", "啊，", "那个", "每", "每周末", "每天", "是在"])
@pytest.mark.parametrize("tail", [" 笑死 你们到底管不管", "x过后以后之后？", ""])
def test_a_long_repetition_of_fillers_or_frequency_words_is_read_at_once(unit, tail):
    """No repeat inside a repeat in the complaint readers: "哈"*24 + " 笑死…" once took seconds, doubling
    per 哈 (the leading fillers' [哈…]+ inside a *; 每\\S{0,4} inside the frequency's +). 400 characters
    are read like any other text (the test returns instead of hanging)."""
    from bot.city.complaint_parts import _BARE_CORRECTION, _FREQUENCY, place_and_time
    from handlers.complaints import places_named, plainly_a_place, restated_what, says_what
    said = (unit * 400)[:400] + tail
    _BARE_CORRECTION.match(said)
    _FREQUENCY.fullmatch(said)
    place_and_time(said, places_named)
    restated_what(said)
    says_what(said)
    plainly_a_place(None, said)
    assert _FREQUENCY.fullmatch("每周末") and _FREQUENCY.fullmatch("每天晚上") and _FREQUENCY.fullmatch("每个礼拜三")


@pytest.mark.parametrize("text, place, when", [
    ("昨天来福士广场门口有人打架", "来福士广场门口", "昨天"),
    ("昨天晚上半边街那家烧烤店好吵", "半边街那家烧烤店", "昨天晚上"),
    ("前天整个玉林小区都停电了", "整个玉林小区", "前天"),
    ("今天中午初心路那边堵车", "初心路那边", "今天中午"),
    ("上周起在玉林路有人乱倒垃圾", "玉林路", "上周起"),
    ("昨天下午三点一刻在春熙路", "春熙路", "昨天下午三点一刻"),
])
def test_words_after_a_time_that_start_the_place_stay_the_place(text, place, when):
    """(review h12 #4) 来 / 半 / 整 / 初 belong to the time only where they do (十点半, 九月初, 上周起):
    never the first character of the place's name that follows the time."""
    from handlers.complaints import places_named
    assert place_in(text, places_named) == place and time_in(text) == when


@pytest.mark.parametrize("text, when", [("每天晚上11点半还在施工", "每天晚上11点半"), ("九月初开始", "九月初开始"),
                                        ("晚上十点多钟", "晚上十点多钟"), ("从上个月起就没人管了", "上个月起")])
def test_words_that_belong_to_the_time_stay_the_time(text, when):
    assert time_in(text) == when


@pytest.mark.parametrize("text, when", [("自从一起投诉以后就没人管了", "自从一起投诉以后"), ("自从上个月起就没人管", "自从上个月起"),
                                        ("自从一起住进来以后 天天吵", "自从一起住进来以后"), ("自从上周起 天天吵", "自从上周起")])
def test_an_events_qi_ends_it_only_as_its_last_word(text, when):
    """(review h12 #11) 自从…起: 起 inside a word of the event (一起) does not end it."""
    assert time_in(text) == when


# -- 都 / 也 / 很 / 还 before 是 / 有 / 多 / 个, and 把, lead what happens there, never a name, whatever
# thing's name ends it (摊, 馆, 口 …); 门外头 is one locative word (last review B) ----------------------
@pytest.mark.parametrize("text, place", [
    ("成华区建设路都是小摊", "成华区建设路"), ("玉林路也是麻将馆", "玉林路"), ("府青路很多小摊", "府青路"),
    ("玉林北路还有个工地", "玉林北路"), ("建设路把路口", "建设路"), ("青羊区很多地摊", "青羊区"),
    ("金牛区茶店子都是麻将馆", "金牛区茶店子"), ("武侯区双楠也是小摊", "武侯区双楠"),
    ("高新区天府三街很多地摊", "高新区天府三街"), ("锦江区春熙路把店门口", "锦江区春熙路"),
])
def test_a_verb_phrase_led_by_an_adverb_is_no_name(text, place):
    from handlers.complaints import place_said
    assert place_in(text) == place and place_said(text) == place


@pytest.mark.parametrize("text, place", [
    ("就在四川大学望江校区东门外头", "四川大学望江校区东门外头"), ("就在成华区建设路小学门口头", "成华区建设路小学门口头"),
    ("在锦江区春熙路地铁站C口门外边", "锦江区春熙路地铁站C口门外边"), ("就在金牛区茶店子公交站门外面", "金牛区茶店子公交站门外面"),
])
def test_a_door_and_outside_it_is_one_locative_word(text, place):
    from handlers.complaints import place_said
    assert place_said(text) == place


@pytest.mark.parametrize("text, place", [
    ("武侯区太平园", "武侯区太平园"), ("锦江区不夜城", "锦江区不夜城"), ("金牛区就业服务中心", "金牛区就业服务中心"),
    ("成华区还建房", "成华区还建房"), ("锦江区春熙路太平洋百货门口", "锦江区春熙路太平洋百货门口"),
    ("郫都区犀浦镇太和村", "郫都区犀浦镇太和村"),
])
def test_a_name_led_by_an_adverb_is_still_kept_after_a_district(text, place):
    from handlers.complaints import place_said
    assert place_said(text) == place
