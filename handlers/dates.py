"""Days and times as citizens type them: 明天, 后天, 下周一, 周三, 12月3日, 3号, 2026-12-03, and the
month and day in Chinese numerals (十一月二十六号, 二十五号); 9点半, 14:00."""
from __future__ import annotations

import datetime as dt
import re

from bot.city.weekdays import WEEKDAY

_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}


def parse_day(text: str | None, today: dt.date) -> dt.date | None:
    text = (text or "").strip()
    m = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for word, days in (("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("今天", 0), ("今日", 0)):
        if word in text:
            return today + dt.timedelta(days=days)
    # 下个礼拜三 / 这个星期五 as well as 下周三; but the 下 of 一下 is no "next" (约一下周三: this week's)
    # (the 一 of 这个礼拜一直 starts a word: bot.city.weekdays)
    m = re.search(rf"((?<!一)下下个?|(?<!一)下个?|这个?|本)?(?:周|星期|礼拜)({WEEKDAY})", text)
    if m:
        target = _WEEKDAY[m.group(2)]
        monday = today - dt.timedelta(days=today.weekday())
        weeks = {"下": 1, "下下": 2}.get((m.group(1) or "").replace("个", ""), 0)
        day = monday + dt.timedelta(days=7 * weeks + target)
        if not m.group(1) and day < today:   # a bare 周三 that has passed means next week's
            day += dt.timedelta(days=7)
        return day
    m = re.search(r"(\d{1,2})[/.-](\d{1,2})(?!\d)|(\d{1,2}|%s)月(\d{1,2}|%s)[日号]?" % (_CN_NUMBER, _CN_NUMBER), text)
    if m:
        month, day = (int(m.group(1)), int(m.group(2))) if m.group(1) else (number(m.group(3)), number(m.group(4)))
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
        return _date(year, month, day)
    m = re.search(r"(?<![\d一二三四五六七八九十])(\d{1,2}|%s)[日号]" % _CN_NUMBER, text)
    if m:
        day = number(m.group(1))
        year, month = today.year, today.month
        if day < today.day:
            month += 1
            if month > 12:
                year, month = year + 1, 1
        return _date(year, month, day)
    return None


# A month or a day of the month in Chinese numerals: 三, 十, 十五, 二十, 二十六, 三十一.
_CN_NUMBER = r"[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"


def number(word: str) -> int:
    """1-31 written in digits or Chinese numerals ("26", "二十六", "十五", "九")."""
    if word.isdigit():
        return int(word)
    if "十" not in word:
        return _CN_DIGITS[word]
    tens, _, units = word.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_time(text: str | None) -> str | None:
    """'9点半' -> '09:30', '14:00' -> '14:00', '下午2点' -> '14:00'."""
    text = (text or "").strip()
    m = re.search(r"(?<!\d)(\d{1,2})[:：](\d{2})(?!\d)", text)
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
    else:
        m = re.search(r"(?<!\d)(\d{1,2}|[一二两三四五六七八九十]{1,2})点(半|(\d{1,2})分?)?", text)
        if not m:
            return None
        raw = m.group(1)
        h = int(raw) if raw.isdigit() else _CN_DIGITS.get(raw, -1)
        mi = 30 if m.group(2) == "半" else int(m.group(3) or 0)
        if ("下午" in text or "晚上" in text) and 1 <= h < 12:
            h += 12
    if not (0 <= h < 24 and 0 <= mi < 60):
        return None
    return f"{h:02d}:{mi:02d}"


# The half-day in English, a token of its own (am, PM, 上午am; not the am of "team", "ipm3"): A.M. too.
_AM_PM = re.compile(r"(?<![A-Za-z0-9])([ap])\.?m\.?(?![A-Za-z0-9])", re.IGNORECASE)


def part_of_day(text: str | None) -> str | None:
    text = text or ""
    if "上午" in text or "早上" in text:
        return "am"
    if "下午" in text:
        return "pm"
    m = _AM_PM.search(text)
    if m:
        return "am" if m.group(1).lower() == "a" else "pm"
    return None
