"""Slot validators: return the clean value or raise SlotInvalid with a reply for the citizen."""
from __future__ import annotations

import datetime as dt
import re

# The identifier shapes are bot.core.privacy's: the one definition.
from bot.city.person_names import find_person_name, looks_like_bare_name
from bot.conversation.contract import SlotInvalid
from bot.core import clock
from bot.core.privacy import (APPLICATION_NO, ID_LIKE, PHONE, TAKEN_BACK, compact, corrected_number,  # noqa: F401
                               is_valid_id_number, is_valid_phone)

APPLICATION_PREFIX = {
    "CJ": "exit_entry", "QY": "market_regulation", "GJ": "housing_fund", "SB": "social_insurance",
    "YB": "medical_insurance", "GD": "workorders", "YY": "appointments",
}


def id_number(value: str) -> str:
    found = ID_LIKE.finditer(value)
    m = found[-1] if found else None   # the last one: "输错了，应该是5101…" corrects the first
    if not m:
        raise SlotInvalid("身份证号应为18位（最后一位可能是X），请再输入一次。")
    v = compact(m.group(0))
    if not is_valid_id_number(v):
        # Never query anything with a number that fails its check character.
        raise SlotInvalid("这个身份证号校验不通过，可能有一位输错了，请核对后重新输入。")
    return v


def application_no(prefixes: tuple[str, ...]) -> "callable":
    def check(value: str) -> str:
        m = APPLICATION_NO.search(value.upper().replace(" ", ""))
        if not m:
            raise SlotInvalid("受理编号是2个字母加14位数字，例如 " + prefixes[0] + "20261101000123，请再输入一次。")
        if m.group(1) not in prefixes:
            raise SlotInvalid(f"编号 {m.group(0)} 不是这类业务的受理编号（应以 {'/'.join(prefixes)} 开头），请核对。")
        if not _real_date(m.group(0)[2:10]):
            raise SlotInvalid(f"编号 {m.group(0)} 中的日期不对（第3到10位是受理日期），请核对后再输入。")
        return m.group(0)
    return check


def _real_date(yyyymmdd: str) -> bool:
    try:
        day = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return 2000 <= day.year <= clock.today().year + 1


# Looks like an attempt at an application number (to validate even when NLU
# did not extract it, so that a mistyped number gets a precise answer).
APPLICATION_NO_ATTEMPT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{8,18}(?!\d)")


def application_no_in(text: str) -> str | None:
    """An attempt at an application number in the text, upper-cased (Slot.prefill)."""
    attempt = APPLICATION_NO_ATTEMPT.search(text)
    return attempt.group(0).upper() if attempt else None

def phone(value: str) -> str:
    found = PHONE.finditer(value)
    m = found[-1] if found else None   # the last one: "138… 哦不对 是139…" corrects the first
    if not m:
        raise SlotInvalid("手机号应为11位数字，请再输入一次。")
    number = corrected_number(compact(m.group(0)), value[m.end:])
    if not is_valid_phone(number):
        raise SlotInvalid("手机号应为11位数字，请再输入一次。")
    return number


def verification_code(value: str) -> str:
    m = re.search(r"(?<!\d)\d{6}(?!\d)", value)
    if not m:
        raise SlotInvalid("验证码是6位数字，请查看短信后输入。")
    return m.group(0)


def person_name(value: str) -> str:
    v = find_person_name(value) or looks_like_bare_name(value)
    if not v:
        raise SlotInvalid("请输入身份证上的中文姓名。")
    return v


# Slot.recognise: a slot's value found by its shape anywhere in a message (None when absent).
def id_number_in(text: str) -> str | None:
    found = ID_LIKE.finditer(text)
    return found[-1].value if found else None


def phone_in(text: str) -> str | None:
    """The phone the text gives: the last one, with a correction said after it applied; none when
    the words after it take it back."""
    found = PHONE.finditer(text)
    if not found or TAKEN_BACK.search(text[found[-1].end:]):
        return None
    number = corrected_number(found[-1].value, text[found[-1].end:])
    return number if is_valid_phone(number) else found[-1].value


def person_name_in(text: str) -> str | None:
    return find_person_name(text)
