"""Handler parts without Redis or network: the ledger's plain-word filters and reading dates and times."""
import datetime as dt

import pytest

from adapters.records import CST, Affair
from handlers.dates import parse_day, parse_time, part_of_day
from handlers.ledger_filters import parse_filter

TODAY = dt.date(2026, 11, 27)   # a Friday


def affair(domain="公积金", done=False, district="武侯区", updated=dt.datetime(2026, 10, 18, 14, 20, tzinfo=CST)):
    return Affair(domain=domain, item="x", status="s", stage="s", place="p", district=district, updated_at=updated,
                  next_step="", ref_no="GJ20261015000311", done=done, backend="housing_fund")


# -- ledger filters ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, keeps, drops", [
    ("还没办完的", affair(done=False), affair(done=True)),
    ("办完的", affair(done=True), affair(done=False)),
    ("上个月在武侯区办的", affair(), affair(district="锦江区")),
    ("上个月在武侯区办的", affair(), affair(updated=dt.datetime(2026, 9, 30, tzinfo=CST))),
    ("公积金的", affair(), affair(domain="社保")),
    ("签注办到哪了", affair(domain="出入境"), affair(domain="公积金")),
    ("最近一周的", affair(updated=dt.datetime(2026, 11, 25, tzinfo=CST)), affair()),
    ("10月份的", affair(), affair(updated=dt.datetime(2026, 11, 2, tzinfo=CST))),
    ("高新的", affair(district="高新区"), affair()),
])
def test_ledger_filter_plain_words(text, keeps, drops):
    f = parse_filter(text, TODAY)
    assert f.keeps(keeps) and not f.keeps(drops)


def test_ledger_filter_understood_words_and_empty_filter():
    f = parse_filter("上个月在武侯区办的还没办完的公积金", TODAY)
    assert f.words == ("公积金", "未办结", "上个月", "武侯区")
    assert f.since == dt.date(2026, 10, 1) and f.until == dt.date(2026, 10, 31)
    assert parse_filter("我的办件", TODAY).empty


# -- dates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, day", [
    ("明天", dt.date(2026, 11, 28)), ("后天上午", dt.date(2026, 11, 29)), ("下周一", dt.date(2026, 11, 30)),
    ("周三", dt.date(2026, 12, 2)), ("12月3日", dt.date(2026, 12, 3)), ("2026-12-01", dt.date(2026, 12, 1)),
    ("1月5号", dt.date(2027, 1, 5)), ("3号", dt.date(2026, 12, 3)), ("随便", None),
    ("下下个星期一", dt.date(2026, 12, 7)), ("看一下周六行不", dt.date(2026, 11, 28)),
])
def test_parse_day(text, day):
    assert parse_day(text, TODAY) == day


@pytest.mark.parametrize("text, day", [
    # On a Monday, where "this week's" and "next week's" Wednesday differ: 下个礼拜 / 这个星期 as well
    # as 下周, and the 下 of 一下 is no "next" (the NLU's text has no spaces: 约一下周三)
    ("下个礼拜三", dt.date(2026, 11, 25)), ("下个星期三", dt.date(2026, 11, 25)), ("这个周三", dt.date(2026, 11, 18)),
    ("约一下周三上午", dt.date(2026, 11, 18)), ("约一下 周三", dt.date(2026, 11, 18)), ("看一下下周三", dt.date(2026, 11, 25)),
])
def test_parse_day_this_or_next_week_on_a_monday(text, day):
    assert parse_day(text, dt.date(2026, 11, 16)) == day


@pytest.mark.parametrize("text, hhmm", [("09:30", "09:30"), ("9点半", "09:30"), ("下午2点", "14:00"), ("十点", "10:00"),
                                        ("早点", None)])
def test_parse_time(text, hhmm):
    assert parse_time(text) == hhmm


@pytest.mark.parametrize("text, day", [
    ("二十五号上午", dt.date(2026, 11, 25)), ("11月二十六号下午", dt.date(2026, 11, 26)),
    ("十二月三号", dt.date(2026, 12, 3)), ("十号", dt.date(2026, 12, 10)), ("三十号", dt.date(2026, 11, 30)),
    ("12月3日", dt.date(2026, 12, 3)), ("12/3", dt.date(2026, 12, 3)),
])
def test_a_day_of_the_month_in_chinese_numerals(text, day):
    assert parse_day(text, dt.date(2026, 11, 16)) == day



@pytest.mark.parametrize("text, day, near, near_day", [
    # the numeral after 周 / 星期 / 礼拜 that starts a word is no day (一直, 一样, 一天, 天天, 一般, 一起, 三天),
    # while one followed by words that go with a day still is (周一下午, 周一点半, 周三天气)
    ("这个礼拜一直没空 下周二嘛", dt.date(2026, 11, 24), "周一下午", dt.date(2026, 11, 16)),
    ("这周一样不得空 星期五可以", dt.date(2026, 11, 20), "这周一点半", dt.date(2026, 11, 16)),
    ("这个礼拜一天都没得空 礼拜四嘛", dt.date(2026, 11, 19), "这个礼拜一晚上", dt.date(2026, 11, 16)),
    ("这个礼拜天天上班 周六行不", dt.date(2026, 11, 21), "这个礼拜天", dt.date(2026, 11, 22)),
    ("这个星期一般都忙", None, "这个星期一", dt.date(2026, 11, 16)),
    ("这周一起去办", None, "从周一起就可以", dt.date(2026, 11, 16)),
    ("礼拜三天都要开会", None, "周三天气好的话", dt.date(2026, 11, 18)),
])
def test_a_weekday_numeral_that_starts_a_word_is_no_day(text, day, near, near_day):
    assert (parse_day(text, dt.date(2026, 11, 16)), parse_day(near, dt.date(2026, 11, 16))) == (day, near_day)


@pytest.mark.parametrize("text, part", [
    ("帮我book一个号 下下周一 am 郫都区 办港澳通行证", "am"), ("下周三pm 锦江区", "pm"), ("AM", "am"), ("周五 PM", "pm"),
    ("上午am", "am"), ("明天 a.m. 去", "am"),
    ("team", None), ("ipm3", None), ("pm2.5超标", None), ("gmail", None),
])
def test_the_half_day_in_english_only_as_a_token_of_its_own(text, part):
    assert part_of_day(text) == part
