"""Slips of the input method in the name of a service: a character typed as another of the same or a
near sound (港奥通行证 for 港澳通行证, 护招 for 护照, 港澳同行证, 新生儿落护). Only the slips listed here, one
in a name, and only where exactly one of the known names is meant: 离婚登记 is not 结婚登记 (离 is no
slip of 结), and a name said as it is written always wins over one read through a slip. Also the items'
names in English or pinyin (passport, ID card, huzhao): OTHER_NAMES."""
from __future__ import annotations

import re
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
    if len(window) != len(name):
        return False
    diffs = [(meant, typed) for meant, typed in zip(name, window) if meant != typed]
    return len(diffs) == 1 and diffs[0][1] in SLIPS.get(diffs[0][0], "")


def named_with_a_slip(names: Iterable[str], text: str | None) -> str | None:
    """The one name of `names` the text gives with a slip in it ("约个号办港奥通行证" -> 港澳通行证);
    None when none does, or when more than one might be meant."""
    text = text or ""
    found = {name for name in names if len(name) >= 2
             and any(_slipped(name, text[i:i + len(name)]) for i in range(len(text) - len(name) + 1))}
    return found.pop() if len(found) == 1 else None


def mended(words: Iterable[str], text: str | None) -> str:
    """The text with every stretch that is one of `words` typed with one listed slip put right, where
    exactly one word is meant ("换身分证" -> "换身份证" with 身份证 among the words); as it is elsewhere."""
    text = text or ""
    words = sorted({w for w in words if len(w) >= 2}, key=len, reverse=True)
    out, i = [], 0
    while i < len(text):
        meant = {w for w in words if _slipped(w, text[i:i + len(w)])}
        longest = max(meant, key=len, default=None)
        if longest is not None and len([w for w in meant if len(w) == len(longest)]) == 1 \
                and not any(w in text for w in meant):   # a name said as written wins
            out.append(longest)
            i += len(longest)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# The hall items by the names people write in English or in pinyin ("办passport", "renew ID card",
# "huzhao"): lower case, words apart by spaces (any run of spaces, hyphens or none stands for one), each
# matched as a whole phrase. An item whose Chinese name needs its act (身份证换领, 社保卡补办, 公积金提取) is
# named only with the act ("renew ID card", "provident fund withdrawal"); the thing alone is written as the
# thing (THINGS: "ID card丢了" -> "身份证丢了", which names no item, as in Chinese).
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "护照": ("passport", "huzhao"),
    "身份证换领": ("renew id card", "renew my id card", "renew identity card", "renew my identity card",
              "replace id card", "replace my id card", "id card renewal", "id card replacement",
              "identity card renewal", "identity card replacement", "id renewal", "new id card",
              "shenfenzheng huanling"),
    "营业执照": ("business license", "business licence", "yingye zhizhao"),
    "居住证": ("residence permit", "residence card", "residency permit", "juzhuzheng"),
    "结婚登记": ("marriage registration", "marriage certificate", "marriage license", "jiehun dengji"),
    "出生登记": ("birth registration", "birth certificate", "chusheng dengji"),
    "新生儿落户": ("newborn hukou", "hukou for newborn", "hukou for my baby", "baby hukou"),
    "社保卡补办": ("replace social security card", "replace my social security card", "social security card replacement",
              "reissue social security card", "social insurance card replacement", "shebaoka buban", "shebao ka buban"),
    "医保报销": ("medical insurance reimbursement", "medical reimbursement", "yibao baoxiao"),
    "生育津贴": ("maternity allowance", "maternity benefit", "shengyu jintie"),
    "失业登记": ("unemployment registration", "shiye dengji"),
    "公积金提取": ("housing fund withdrawal", "provident fund withdrawal", "withdraw housing fund",
              "withdraw my housing fund", "withdraw provident fund", "withdraw my provident fund", "gongjijin tiqu"),
    "港澳通行证": ("hong kong macau pass", "hk macau pass", "hong kong and macau pass", "hk pass",
              "hk passport", "hong kong passport", "macau passport", "gangao tongxingzheng"),
    "台湾通行证": ("taiwan pass", "taiwan permit", "taiwan travel permit", "taiwan tongxingzheng"),
    "签注": ("visa endorsement", "travel endorsement", "hk macau endorsement", "hong kong macau endorsement",
           "hong kong and macau endorsement", "hk endorsement", "macau endorsement", "gangao qianzhu", "qianzhu"),
    "不动产登记": ("real estate registration", "property registration", "budongchan dengji"),
}
# Things of the items above said in English or pinyin without the act: written as the Chinese thing.
THINGS: dict[str, tuple[str, ...]] = {
    "身份证": ("id card", "identity card", "shenfenzheng"),
    "社保卡": ("social security card", "social insurance card", "shebaoka", "shebao ka"),
    "公积金": ("housing fund", "provident fund", "gongjijin"),
}


def _other_name_pattern(name: str) -> str:
    return r"[\s\-_]*".join(re.escape(word) for word in name.split())


_OTHER_NAMES = [(re.compile(rf"(?<![a-z]){_other_name_pattern(other)}s?(?![a-z])", re.I), item)
                for item, others in (*OTHER_NAMES.items(), *THINGS.items())
                for other in sorted(others, key=len, reverse=True)]


def in_chinese(text: str | None) -> str:
    """The text with a hall item named in English or pinyin written as the item ("办passport" -> "办护照")."""
    text = text or ""
    if not re.search(r"[A-Za-z]", text):
        return text
    for pattern, item in sorted(_OTHER_NAMES, key=lambda p: -len(p[0].pattern)):
        text = pattern.sub(item, text)
    # English act words next to a thing, written as the Chinese act after it ("lost social security card" ->
    # "社保卡丢了", "ID card expired" -> "身份证过期", "renewal of ID card" -> "身份证换"): then the Chinese act
    # logic decides, as for "社保卡丢了", "身份证过期" ("lost ID card" -> "身份证丢了", as in Chinese no item).
    while True:
        written = text
        for thing, acts in _ENGLISH_ACTS.items():
            for english, act in acts:
                text = re.sub(rf"(?<![a-z])(?:{english})(?![a-z])[\s\-]*(?:(?:of|for|my|the|a|an|this|that)\s+)*"
                              rf"{thing}", thing + act, text, flags=re.I)
                text = re.sub(rf"{thing}[\s\-]*(?:(?:is|was|has|have|got|been|just)\s+)*(?:{english})(?![a-z])",
                              thing + act, text, flags=re.I)
        if text == written:
            return text


# English act words of a thing (THINGS) and the Chinese act they are.
_BOOK = [(r"book(?:ing)?|apply(?:ing)?(?:\s+for)?|application\s+for", "办")]
_ENGLISH_ACTS: dict[str, list[tuple[str, str]]] = {
    "身份证": [(r"renew(?:al|ing|ed)?|replac(?:e|ing|ement)|new", "换"), (r"expired?|expires|expiring", "过期"),
            (r"lost|stolen", "丢了"), *_BOOK],
    "社保卡": [(r"replac(?:e|ing|ement)|reissue|renew(?:al|ing)?", "补办"), (r"lost|stolen", "丢了"), *_BOOK],
    "公积金": [(r"withdraw(?:al|ing|n)?|take\s+out", "提取"), *_BOOK],
}
