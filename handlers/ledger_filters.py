"""Filters for the personal ledger, read from plain words.

    "还没办完的"            -> not done
    "上个月在武侯区办的"     -> updated last month, in 武侯区
    "公积金的" / "签注"      -> one domain
    "最近三个月办完的社保"    -> domain + status + time

`parse_filter(text, today)` never fails: words it does not know are ignored, and
an empty filter keeps everything. Domains are those of adapters.records.Affair.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from bot.city.districts import DISTRICTS

# Affair.domain -> words citizens use for it.
DOMAIN_WORDS: dict[str, tuple[str, ...]] = {
    "公积金": ("公积金",),
    "社保": ("社保", "养老", "失业", "生育津贴", "社会保险"),
    "医保": ("医保", "报销", "医疗保险"),
    "出入境": ("出入境", "签注", "通行证", "护照"),
    "市场监管": ("营业执照", "执照", "公司", "企业", "市场监管", "个体户"),
    "水电气": ("水费", "电费", "燃气", "气费", "水电气", "账单"),
    "预约": ("预约",),
    "12345": ("投诉", "工单", "12345", "反映", "举报"),
}

_NOT_DONE = ("还没办完", "没办完", "未办完", "未办结", "没办结", "没完成", "未完成", "进行中", "办理中", "在办",
             "还在办", "待办", "没好", "没有办完", "还没好", "待领取", "没结束")
_DONE = ("办完", "办结", "已完成", "办好了的", "完成了的", "已办好", "结束了的")

_CN_NUM = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}


@dataclass(frozen=True)
class LedgerFilter:
    domains: frozenset[str] = frozenset()
    done: bool | None = None
    since: dt.date | None = None          # inclusive
    until: dt.date | None = None          # inclusive
    districts: frozenset[str] = frozenset()
    words: tuple[str, ...] = field(default=())   # what was understood, for the reply

    @property
    def empty(self) -> bool:
        return not (self.domains or self.done is not None or self.since or self.until or self.districts)

    def keeps(self, affair) -> bool:
        if self.domains and affair.domain not in self.domains:
            return False
        if self.done is not None and bool(affair.done) != self.done:
            return False
        if self.districts and affair.district not in self.districts:
            return False
        day = affair.updated_at.date() if isinstance(affair.updated_at, dt.datetime) else affair.updated_at
        if self.since and day < self.since:
            return False
        if self.until and day > self.until:
            return False
        return True

    def apply(self, affairs) -> list:
        return [a for a in affairs if self.keeps(a)]


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _CN_NUM.get(word)


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _time_range(text: str, today: dt.date) -> tuple[dt.date | None, dt.date | None, str | None]:
    if "上个月" in text or "上月" in text:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return (*_month_bounds(last.year, last.month), "上个月")
    if "这个月" in text or "本月" in text:
        return today.replace(day=1), today, "本月"
    if "今年" in text:
        return dt.date(today.year, 1, 1), today, "今年"
    if "去年" in text:
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31), "去年"
    if "今天" in text:
        return today, today, "今天"
    if "这周" in text or "本周" in text:
        return today - dt.timedelta(days=today.weekday()), today, "本周"
    m = re.search(r"(?:最近|近)([一两二三四五六七八九十\d]{1,2})(?:个)?(天|周|星期|月)", text)
    if m and _number(m.group(1)):
        n, unit = _number(m.group(1)), m.group(2)
        days = {"天": n, "周": 7 * n, "星期": 7 * n, "月": 30 * n}[unit]
        return today - dt.timedelta(days=days), today, m.group(0)
    if "最近" in text:
        return today - dt.timedelta(days=30), today, "最近一个月"
    m = re.search(r"(?:(\d{4})年)?(\d{1,2}|十一|十二|[一二三四五六七八九十])月份?", text)
    if m and _number(m.group(2)) and 1 <= _number(m.group(2)) <= 12:
        month = _number(m.group(2))
        year = int(m.group(1)) if m.group(1) else (today.year if month <= today.month else today.year - 1)
        return (*_month_bounds(year, month), f"{year}年{month}月")
    return None, None, None


def parse_filter(text: str | None, today: dt.date) -> LedgerFilter:
    text = text or ""
    words: list[str] = []
    domains = frozenset(d for d, ws in DOMAIN_WORDS.items() if any(w in text for w in ws))
    words += sorted(domains, key=list(DOMAIN_WORDS).index)
    done = None
    if any(w in text for w in _NOT_DONE):
        done, _ = False, words.append("未办结")
    elif any(w in text for w in _DONE):
        done, _ = True, words.append("已办结")
    since, until, label = _time_range(text, today)
    if label:
        words.append(label)
    districts = set()
    for d in DISTRICTS:
        short = d[:-1] if d.endswith("区") and len(d) > 3 else d
        if d in text or (short != d and short in text):
            districts.add(d)
    if "高新" in text:
        districts.add("高新区")
    words += sorted(districts, key=DISTRICTS.index)
    return LedgerFilter(domains, done, since, until, frozenset(districts), tuple(words))
