"""Small helpers the handlers share: how figures and dates are written, how a
yes/no answer is read, and how each backend is called in replies."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from bot.conversation.contract import Turn
from bot.conversation.words import KEEP, NO_WORDS, YES_WORDS, says_yes_or_no, turns_a_cancel_down

# How citizens know each backend (error replies, ledger notes).
BACKEND_NAMES = {
    "identity": "身份核验系统", "housing_fund": "公积金中心系统", "social_insurance": "社保系统",
    "medical_insurance": "医保系统", "exit_entry": "出入境系统", "market_regulation": "市场监管系统",
    "utilities": "水电气缴费系统", "appointments": "大厅预约系统", "workorders": "12345工单系统",
}



def yuan(amount: Decimal | float | str) -> str:
    return f"{Decimal(str(amount)):,.2f} 元"


def month_cn(yyyy_mm: str) -> str:
    """'2026-10' -> '2026年10月'."""
    try:
        y, m = yyyy_mm.split("-")
        return f"{int(y)}年{int(m)}月"
    except (ValueError, AttributeError):
        return str(yyyy_mm)


def date_cn(day: dt.date, today: dt.date | None = None) -> str:
    """'11月20日' this year, '2025年12月15日' otherwise."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if today is not None and day.year == today.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def datetime_cn(at: dt.datetime, today: dt.date | None = None) -> str:
    return f"{date_cn(at.date(), today)} {at:%H:%M}"


WEEKDAYS_CN = "一二三四五六日"


def date_with_weekday(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS_CN[day.weekday()]}）"


ASKS_BACK = re.compile(r"[吗？?]|多久|好久|什么时候|啥时候|怎么|咋个|哪个|哪里|几天")


def read_yes_no(turn: Turn) -> bool | None:
    """True for a yes, False for a no, None when the message is neither."""
    said = turn.said_intent
    text = (turn.text or "").strip().rstrip("。!！~")
    if turns_a_cancel_down(text):
        # "别取消 我再看一眼": no no (whatever the NLU hears in 别); a yes only if the rest says one
        # ("先别取消 提交嘛"), else neither: the card is kept
        return says_yes_or_no(text) or None
    if text in NO_WORDS:
        return False
    if text in YES_WORDS:
        return True
    if ASKS_BACK.search(text):
        # "确认，大概多久处理？", "好的 提交吧 多久有回复？": a yes or a no said first, then a question, counts;
        # "确认提交了以后多久有人处理？", "确认以后能取消吗？" ask before they answer, whatever the NLU hears
        # (the words as written: the NLU's text may have lost the pause, "好的提交吧多久有回复？")
        said = (turn.words or text).strip()
        first = re.split(r"[\s，,。.!！~～]+", said, maxsplit=1)[0]
        if first != said and first in YES_WORDS:
            return True
        if first != said and first in NO_WORDS:
            return False
        return None
    if said == "deny":
        return False
    if said == "affirm":
        return True
    if any(text.startswith(w) for w in ("不", "别", KEEP)):
        return False
    if any(text.startswith(w) for w in ("确认", "确定", "是的", "好的", "可以")):
        return True
    return says_yes_or_no(text)   # in a sentence: "确认 辛苦你们了", "还是不提交了 我怕…"

