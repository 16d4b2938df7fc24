"""Slips of the input method in the name of a service: a character typed as another of the same or a
near sound (港奥通行证 for 港澳通行证, 护招 for 护照, 港澳同行证, 新生儿落护). Only the slips listed here, one
in a name, and only where exactly one of the known names is meant: 离婚登记 is not 结婚登记 (离 is no
slip of 结), and a name said as it is written always wins over one read through a slip."""
from __future__ import annotations

from typing import Iterable

# A character of the services' names -> the characters people type for it by mistake (pinyin input:
# the same syllable, or one tone away).
SLIPS: dict[str, str] = {
    "澳": "奥傲噢", "港": "岗", "通": "同", "行": "形型", "证": "正政", "湾": "弯",
    "护": "户沪", "照": "招找罩兆", "签": "千迁", "注": "住著柱", "住": "注驻", "居": "局",
    "执": "直职", "营": "赢盈", "婚": "昏", "登": "等灯", "记": "纪计", "落": "洛", "户": "护沪",
    "保": "宝", "销": "消", "积": "基机", "领": "令零", "津": "金", "贴": "帖", "育": "玉", "卡": "咔",
    "换": "唤焕", "份": "分", "提": "题", "取": "娶",
}


def _slipped(name: str, window: str) -> bool:
    """Is `window` the name with exactly one of its characters typed as a listed slip?"""
    diffs = [(meant, typed) for meant, typed in zip(name, window) if meant != typed]
    return len(diffs) == 1 and diffs[0][1] in SLIPS.get(diffs[0][0], "")


def named_with_a_slip(names: Iterable[str], text: str | None) -> str | None:
    """The one name of `names` the text gives with a slip in it ("约个号办港奥通行证" -> 港澳通行证);
    None when none does, or when more than one might be meant."""
    text = text or ""
    found = {name for name in names if len(name) >= 2
             and any(_slipped(name, text[i:i + len(name)]) for i in range(len(text) - len(name) + 1))}
    return found.pop() if len(found) == 1 else None
