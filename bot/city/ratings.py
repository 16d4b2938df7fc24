"""好差评: the five levels of the national rating scheme for government services, and the plain
words citizens use for them. The counts are kept by bot.stores.ratings (RatingBook)."""
from __future__ import annotations

import re

LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")

# Checked in this order: "非常不满意" contains "不满意" and "满意".
_WORDS = (
    ("非常不满意", "非常不满意"), ("很不满意", "非常不满意"), ("特别不满意", "非常不满意"),
    ("不满意", "不满意"), ("差评", "不满意"), ("不太满意", "不满意"),
    ("非常满意", "非常满意"), ("很满意", "非常满意"), ("特别满意", "非常满意"),
    ("基本满意", "基本满意"), ("还行", "基本满意"), ("一般般", "基本满意"), ("比较一般", "基本满意"),
    ("满意", "满意"), ("好评", "满意"),
    # stars, as the rating buttons of other apps count them (五星 the best)
    ("五星", "非常满意"), ("5星", "非常满意"), ("四星", "满意"), ("4星", "满意"), ("三星", "基本满意"),
    ("3星", "基本满意"), ("两星", "不满意"), ("二星", "不满意"), ("2星", "不满意"), ("一星", "非常不满意"),
    ("1星", "非常不满意"),
)


# "五颗星", "打个5星": the count word between the number and 星 says nothing; "⭐⭐⭐⭐⭐" is five stars.
_COUNT_WORD = re.compile(r"([一二两三四五1-5])\s*[颗个]\s*(?=星)")
_STAR_EMOJI = re.compile(r"(?:⭐|🌟|★){1,5}")
_STARS = {1: "一星", 2: "两星", 3: "三星", 4: "四星", 5: "五星"}


def level_from_text(text: str | None) -> str | None:
    text = _COUNT_WORD.sub(r"\1", (text or "").replace("\ufe0f", "").strip())   # ⭐️: a star and its variation selector
    text = _STAR_EMOJI.sub(lambda m: _STARS[len(m.group(0))], text)
    for word, level in _WORDS:
        at = text.find(word)
        # 一星期, 两星期 are no stars
        while at >= 0 and word.endswith("星") and text[at + len(word):at + len(word) + 1] == "期":
            at = text.find(word, at + 1)
        if at >= 0:
            return level
    return None
