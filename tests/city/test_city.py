"""The city's parts, without Redis or network: complaint topics, 好差评 levels, the catalogue,
office hours and the holiday calendar, and the checks of the service settings."""
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from adapters.records import CST
from bot.city.complaint_topics import KEYWORDS, TOPICS, classify
from bot.city.office_hours import OfficeHours
from bot.city.ratings import level_from_text
from bot.city.service_catalogue import THEMES, LifeEvent, ServiceItem, load_catalogue
from bot.city.service_settings import load_service_settings
from bot.core.errors import ConfigError
from bot.core.settings import load_settings
from bot.core.workdays import WorkCalendar, statutory_holidays
from tests.fixtures.clock import calendar_known_until

ROOT = Path(__file__).resolve().parents[2]


# -- complaint topics --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, topic", [
    ("小区旁边工地夜间施工噪音太吵", "noise"), ("楼下广场舞声音太大", "noise"), ("茶楼打麻将到半夜", "noise"),
    ("物业不作为，电梯坏了没人修", "property"), ("老板拖欠工资三个月", "wages"), ("楼顶私搭乱建彩钢房", "illegal_building"),
    ("垃圾三天没人清运", "sanitation"), ("饭店油烟太大", "sanitation"), ("公交改线后很不方便", "traffic"),
    ("门口长期占道停车", "traffic"), ("健身房预付卡跑路", "consumer"), ("小区突然停水了", "utilities_outage"),
    ("孩子入学学位不够", "education"), ("医院乱收费", "healthcare"), ("邻居家的狗老是乱叫", "other"),
])
def test_complaint_topics(text, topic):
    assert classify(text) == topic


def test_every_topic_has_rules_and_a_route():
    assert set(KEYWORDS) == set(TOPICS) - {"other"}
    routing = load_settings(env={}).extra["complaint_routing"]
    assert set(routing) == set(TOPICS)
    assert routing["noise"] == "生态环境局" and routing["other"] == "12345 热线办公室"


def test_a_route_given_by_department_code_reaches_the_departments_full_name():
    settings = load_settings(env={}, overrides={"complaint_routing.noise": "sthj"})
    assert load_service_settings(settings.extra).complaint_routing["noise"] == "生态环境局"


def test_a_record_under_a_former_department_name_is_that_departments():
    from bot.city.departments import same_department
    assert same_department("社会保险事业管理局", "人力资源和社会保障局")
    assert same_department("人力资源和社会保障局", "人力资源和社会保障局")
    assert not same_department("教育局", "人力资源和社会保障局") and not same_department(None, "教育局")


# -- ratings -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, level", [("非常满意", "非常满意"), ("满意", "满意"), ("基本满意", "基本满意"),
                                         ("不满意", "不满意"), ("非常不满意", "非常不满意"), ("差评", "不满意"),
                                         ("给个好评", "满意"), ("哈哈", None)])
def test_rating_levels(text, level):
    assert level_from_text(text) == level


# -- catalogue -----------------------------------------------------------------------------------------
def test_catalogue_covers_themes_items_and_nlu_names():
    cat = load_catalogue()
    assert len(cat.items) >= 40
    assert set(THEMES) <= set(cat.themes)
    names = [line.strip() for line in (ROOT / "nlu_data" / "service_items.txt").read_text().splitlines() if line.strip()]
    assert [n for n in names if n not in cat.items] == []
    for item in cat.items.values():
        assert item.materials and item.where and item.hours and item.fee and item.time_limit and item.online
    assert {"生孩子", "结婚", "退休", "开公司", "买房", "失业"} <= set(cat.events)
    assert [s.item for s in cat.events["生孩子"].steps][:4] == ["生育登记", "出生登记", "新生儿落户", "城乡居民医保参保"]


@pytest.mark.parametrize("text, name, kind", [
    ("结婚登记要什么材料", "结婚登记", ServiceItem), ("领证要带什么", "结婚登记", ServiceItem),
    ("生孩子要办哪些事", "生孩子", LifeEvent), ("开公司要办什么", "开公司", LifeEvent),
    ("失业金怎么领", "失业金申领", ServiceItem), ("身份证丢了怎么办", "身份证补领", ServiceItem),
])
def test_catalogue_finds_items_and_events(text, name, kind):
    found = load_catalogue().find(text)
    assert isinstance(found, kind) and found.name == name


# -- office hours and settings ---------------------------------------------------------------------------
# The calendars of these tests know the notices up to 2026's, whatever the package's version.
KNOWN_UNTIL = 2026


@pytest.fixture
def hours_at(travel):
    """Office hours as the settings (with `overrides`) give them, the clock moved to `when`."""
    def build(when: dt.datetime, overrides: dict | None = None) -> OfficeHours:
        travel(when)
        settings = load_settings(env={}, overrides=overrides)
        hours = load_service_settings(settings.extra).office_hours
        return OfficeHours(dataclasses.replace(hours, calendar=calendar_known_until(KNOWN_UNTIL, hours.calendar)))
    return build


@pytest.mark.parametrize("when, open_", [
    (dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST), True),     # Friday morning
    (dt.datetime(2026, 11, 27, 17, 0, tzinfo=CST), False),    # closing time
    (dt.datetime(2026, 11, 28, 10, 0, tzinfo=CST), False),    # Saturday
    (dt.datetime(2026, 10, 2, 10, 0, tzinfo=CST), False),     # National Day holiday
    (dt.datetime(2026, 10, 10, 10, 0, tzinfo=CST), True),     # a Saturday worked in exchange
    (dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.timezone.utc), True),  # 10:00 in Chengdu
    (dt.datetime(2026, 12, 31, 10, 0, tzinfo=CST), True),     # the last day of the year, a Thursday
    # 2027's notice is not in the package yet: the days the law fixes still count.
    (dt.datetime(2027, 1, 1, 10, 0, tzinfo=CST), False),      # New Year's Day
    (dt.datetime(2027, 2, 8, 10, 0, tzinfo=CST), False),      # 初三 of the Spring Festival
])
def test_office_hours(hours_at, when, open_):
    assert hours_at(when).is_open() is open_


@pytest.mark.parametrize("when, next_open", [
    (dt.datetime(2026, 11, 27, 18, 0, tzinfo=CST), dt.date(2026, 11, 30)),   # Friday evening -> Monday
    (dt.datetime(2026, 9, 30, 18, 0, tzinfo=CST), dt.date(2026, 10, 8)),     # the National Day week
    (dt.datetime(2026, 10, 9, 18, 0, tzinfo=CST), dt.date(2026, 10, 10)),    # a Saturday worked in exchange
    (dt.datetime(2026, 12, 31, 18, 0, tzinfo=CST), dt.date(2027, 1, 4)),     # across the year boundary
])
def test_next_opening(hours_at, when, next_open):
    nxt = hours_at(when).next_open()
    assert (nxt.date(), nxt.hour) == (next_open, 9)


def test_the_settings_give_a_year_the_package_does_not_know(hours_at):
    # When 2027's notice is out before the package has it, an operator writes its days in.
    overrides = {"office_hours.holidays": ["2027-02-09", "2027-02-10"], "office_hours.extra_workdays": ["2027-02-20"],
                 "office_hours.calendar_years": [2027]}
    # The days the law fixes still close the offices without being written in.
    assert not hours_at(dt.datetime(2027, 1, 1, 10, 0, tzinfo=CST), overrides).is_open()     # 元旦, a Friday
    assert not hours_at(dt.datetime(2027, 2, 8, 10, 0, tzinfo=CST), overrides).is_open()     # 初三, a Monday
    assert hours_at(dt.datetime(2027, 1, 4, 10, 0, tzinfo=CST), overrides).is_open()          # a Monday
    assert not hours_at(dt.datetime(2027, 2, 9, 10, 0, tzinfo=CST), overrides).is_open()
    assert hours_at(dt.datetime(2027, 2, 20, 10, 0, tzinfo=CST), overrides).is_open()       # a Saturday
    assert hours_at(dt.datetime(2027, 2, 9, 10, 0, tzinfo=CST)).is_open()                   # not given: a Tuesday
    hours = hours_at(dt.datetime(2026, 12, 20, 10, 0, tzinfo=CST), overrides)
    assert hours.s.calendar.uncovered_from(dt.date(2026, 12, 20)) is None


def test_the_settings_correct_a_day_of_the_package(hours_at):
    overrides = {"office_hours.extra_workdays": ["2026-10-02"], "office_hours.holidays": ["2026-11-27"]}
    assert hours_at(dt.datetime(2026, 10, 2, 10, 0, tzinfo=CST), overrides).is_open()
    assert not hours_at(dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST), overrides).is_open()


def test_a_day_both_off_and_worked_is_refused():
    settings = load_settings(env={}, overrides={"office_hours.extra_workdays": ["2026-11-27"],
                                                "office_hours.holidays": ["2026-11-27"]})
    with pytest.raises(ConfigError) as err:
        load_service_settings(settings.extra)
    assert "2026-11-27" in str(err.value)


@pytest.mark.parametrize("today, uncovered, days_ahead", [
    (dt.date(2026, 11, 1), None, 61),                  # 2026 is known to its last day
    (dt.date(2026, 12, 3), dt.date(2027, 1, 1), 29),   # within 30 days of an unknown year
    (dt.date(2027, 3, 1), dt.date(2027, 3, 1), 0),
])
def test_how_far_the_calendar_reaches(today, uncovered, days_ahead):
    calendar = calendar_known_until(KNOWN_UNTIL)
    assert calendar.uncovered_from(today, 30) == uncovered
    assert calendar.days_covered_ahead(today) == days_ahead


@pytest.mark.parametrize("year", [2026, 2027, 2030])
def test_the_law_fixes_thirteen_days_off_a_year(year):
    # 元旦 1, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3 (the 2024 revision).
    days = statutory_holidays(year)
    assert len(days) == 13 and dt.date(year, 1, 1) in days and dt.date(year, 10, 3) in days


def test_a_year_the_notices_lack_gets_no_days_off_from_another_notice():
    # The holidays package knows 2026's 调休 days off (01-02, 02-20, 02-23, 05-05, 10-06, 10-07);
    # a calendar whose notices end with 2025 must not take them for the law's.
    calendar = calendar_known_until(2025)
    for swapped in ("2026-01-02", "2026-02-20", "2026-02-23", "2026-05-05", "2026-10-06", "2026-10-07"):
        assert not calendar.is_holiday(dt.date.fromisoformat(swapped)), swapped
        assert calendar.is_workday(dt.date.fromisoformat(swapped)), swapped
    assert calendar.is_holiday(dt.date(2026, 1, 1)) and calendar.is_holiday(dt.date(2026, 2, 16))   # 元旦, 除夕


@pytest.mark.parametrize("last", [2024, 2025, 2026])
def test_the_calendar_takes_the_notices_it_knows_as_parameters(last):
    calendar = calendar_known_until(last)
    assert calendar.uncovered_from(dt.date(last, 12, 3), 30) == dt.date(last + 1, 1, 1)
    assert calendar.days_covered_ahead(dt.date(last, 12, 3)) == 29
    # The package's own days of a year it is not given: only the law's days count there.
    assert WorkCalendar().is_makeup_workday(dt.date(2026, 10, 10))
    assert calendar.is_makeup_workday(dt.date(2026, 10, 10)) is (last >= 2026)   # a Saturday worked for 国庆


@pytest.mark.parametrize("override, setting", [
    ({"complaint_routing.noise": None}, "complaint_routing"),
    ({"complaint_routing.noise": "环保局"}, "complaint_routing.noise"),   # no department of the spec
    ({"office_hours.open": "9am"}, "office_hours.open"),
    ({"office_hours.timezone": "Mars/Base"}, "office_hours.timezone"),
    ({"ratings.callback_levels": ["很差"]}, "ratings.callback_levels"),
    ({"ledger.deadline_s": 0}, "ledger.deadline_s"),
    ({"identity_binding.max_failures": 0}, "identity_binding.max_failures"),
])
def test_bad_service_settings_name_the_setting(override, setting):
    settings = load_settings(env={}, overrides=override)
    with pytest.raises(ConfigError) as err:
        load_service_settings(settings.extra)
    assert err.value.path.startswith(setting)


@pytest.mark.parametrize("text, district", [("武候区那个", "武侯区"), ("郫县犀浦", "郫都区"), ("龙泉大面", "龙泉驿区")])
def test_a_district_by_a_former_name_a_short_form_or_a_common_slip(text, district):
    from bot.city.districts import find_district
    assert find_district(text) == district


@pytest.mark.parametrize("said, level", [("给你们打五颗星", "非常满意"), ("⭐⭐⭐⭐⭐", "非常满意"), ("⭐⭐⭐", "基本满意"),
                                         ("两颗星", "不满意"), ("等了一星期", None),
                                         ("⭐️⭐️⭐️⭐️⭐️", "非常满意")])   # stars with their variation selector
def test_stars_counted_with_a_count_word_or_drawn(said, level):
    from bot.city.ratings import level_from_text
    assert level_from_text(said) == level


@pytest.mark.parametrize("text, topic", [
    ("楼上在装修，礼拜天早上七点钟就开始打电钻，物业劝了也不听", "noise"),        # not property: 物业 only tried
    ("巷子里头又是一滩泔水，油汪汪的，我妈差点滑倒", "sanitation"),
    ("旁边那个公共厕所，要么锁起，要么脏得下不去脚", "sanitation"),
    ("小区门口天天晚上停满了车，消防车救护车都进不来", "traffic"),
    ("五金店门口往外面搭了一个铁皮棚子，把人行道都占完了", "illegal_building"),
    ("我娃娃报的英语培训班，交了一万二，机构要搬校区，剩下的钱他不退", "education"),   # 校外培训
    ("我在网上一个培训机构报了个会计课，交了八千，考不过也不退钱", "consumer"),        # an adult's course
])
def test_complaints_told_in_everyday_words(text, topic):
    assert classify(text) == topic


@pytest.mark.parametrize("text, topic", [("楼上装修天天砸墙 吵得很", "noise"), ("隔壁在装修 天天在敲墙 吵死了", "noise")])
def test_renovation_is_noise_not_a_building(text, topic):
    assert classify(text) == topic


def test_a_high_salary_is_no_district():
    from bot.city.districts import find_district
    assert find_district("招聘的时候说是高薪 结果三个月工资都没发") is None
    assert find_district("高薪区那个大厅") == "高新区"


HALL_ITEMS = ("不动产登记", "公积金提取", "出生登记", "医保报销", "台湾通行证", "失业登记", "居住证", "护照", "新生儿落户",
              "港澳通行证", "生育津贴", "社保卡补办", "签注", "结婚登记", "营业执照", "身份证换领")


@pytest.mark.parametrize("text, item", [
    ("约个号办港奥通行证", "港澳通行证"), ("约个号办护招", "护照"), ("港澳同行证", "港澳通行证"), ("台弯通行证", "台湾通行证"),
    ("社保咔补办", "社保卡补办"), ("营业直照", "营业执照"), ("不动产等记", "不动产登记"), ("身份正换领", "身份证换领"),
    ("离婚登记", None),          # 离 is no slip of 结
    ("护照", None),              # as written: no slip (the caller matches it directly)
    ("办个户口", None), ("我想约一下", None), ("预约武侯区政务中心", None), ("签约 住房", None),
])
def test_a_service_named_with_one_slip_of_the_input_method(text, item):
    from bot.city.slips import named_with_a_slip
    assert named_with_a_slip(HALL_ITEMS, text) == item


def test_a_slip_that_could_mean_two_names_means_none():
    from bot.city.slips import named_with_a_slip
    assert named_with_a_slip(("护照", "户照"), "沪照") is None



@pytest.mark.parametrize("text, item", [
    ("我想约个号 换身分证", "身份证换领"), ("换个身分证", "身份证换领"), ("身分证到期了 想换一个", "身份证换领"),
    ("约个号 补办社保咔", "社保卡补办"), ("取公基金", "公积金提取"), ("约个号 身分证换领", "身份证换领"),
    ("约个号 身分证", None),     # the thing alone, no act: no item
    ("预约离婚登记", None),
])
def test_a_booking_item_whose_thing_is_said_apart_with_a_slip(text, item):
    """身分证 (份 typed as 分) in 换身分证: the thing of 身份证换领 said apart from its act, with a slip."""
    from handlers.appointments import _named_item
    assert _named_item(HALL_ITEMS, text) == item


def test_a_slip_is_read_only_over_a_whole_name():
    from bot.city.slips import mended
    assert mended(["身份证换领", "身份证"], "约个号 身分证") == "约个号 身份证"


@pytest.mark.parametrize("text, item", [
    ("想book一个下下周二的号 办passport 武侯区 上午哈", "护照"), ("预约 renew ID card", "身份证换领"),
    ("约个号办business license", "营业执照"), ("renew my Passport", "护照"), ("办个 Residence Permit", "居住证"),
    ("约个号 huzhao", "护照"), ("HK Macau pass 预约", "港澳通行证"), ("社保 social security card 掉了 补办", "社保卡补办"),
    ("book一个号", None), ("passporter", None),
])
def test_a_booking_item_named_in_english_or_pinyin(text, item):
    from handlers.appointments import _named_item
    assert _named_item(HALL_ITEMS, text) == item


@pytest.mark.parametrize("text, item", [
    ("ID card丢了", None), ("my ID card was stolen", None), ("预约 ID card", None), ("I need an endorsement letter", None),
    ("housing fund loan", None), ("provident fund balance", None), ("gongjijin 查询余额", None),
    ("hk passport", "港澳通行证"), ("Hong Kong passport 预约", "港澳通行证"),
    ("replace my ID card", "身份证换领"), ("换 ID card", "身份证换领"), ("预约 ID card renewal", "身份证换领"),
    ("provident fund withdrawal", "公积金提取"), ("取 housing fund", "公积金提取"), ("visa endorsement", "签注"),
])
def test_an_english_name_is_a_whole_phrase_of_the_item_with_its_act(text, item):
    """ID card alone is 身份证, the thing: as in Chinese it names no item without an act (换, 换领)."""
    from handlers.appointments import _named_item
    assert _named_item(HALL_ITEMS, text) == item


@pytest.mark.parametrize("text, item", [
    ("医保 销户", None), ("身份证号码被人用了 想换个", None), ("换个号码 身份证", None), ("社保卡号 记不得了", None),
    ("医保 报一下", "医保报销"), ("身份证到期了 想换一个", "身份证换领"), ("结婚 登个记", "结婚登记"), ("等记结婚", "结婚登记"),
])
def test_an_items_act_said_apart_is_a_word_of_the_act_never_one_character_of_another_word(text, item):
    from handlers.appointments import _named_item
    assert _named_item(HALL_ITEMS, text) == item


@pytest.mark.parametrize("text, item", [
    ("replace my lost ID card", "身份证换领"), ("ID card renew", "身份证换领"), ("renewal of ID card", "身份证换领"),
    ("HK Macau endorsement", "签注"), ("Hong Kong Macau endorsement 预约", "签注"), ("withdraw gongjijin", "公积金提取"),
    ("apply for social security card", "社保卡补办"), ("lost ID card", None), ("ID card丢了", None), ("book ID card", None),
])
def test_an_english_act_word_beside_a_thing_is_its_act_as_in_chinese(text, item):
    """"lost ID card" is "身份证丢了", "book ID card" is "办身份证": no item, as in Chinese."""
    from handlers.appointments import _named_item
    assert _named_item(HALL_ITEMS, text) == item


@pytest.mark.parametrize("text, written", [
    ("ID card expired", "身份证过期"), ("lost social security card", "社保卡丢了"), ("my ID card was stolen", "my 身份证丢了"),
    ("renewal of ID card", "身份证换"), ("provident fund balance", "公积金 balance"),
])
def test_an_english_act_word_is_written_after_its_thing_in_chinese(text, written):
    from bot.city.slips import in_chinese
    assert in_chinese(text) == written
