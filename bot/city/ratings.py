"""好差评: the five levels of the national rating scheme for government services, and the plain
words citizens use for them. The counts are kept by bot.stores.ratings (RatingBook)."""
from __future__ import annotations

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


def level_from_text(text: str | None) -> str | None:
    text = (text or "").strip()
    for word, level in _WORDS:
        at = text.find(word)
        # 一星期, 两星期 are no stars
        while at >= 0 and word.endswith("星") and text[at + len(word):at + len(word) + 1] == "期":
            at = text.find(word, at + 1)
        if at >= 0:
            return level
    return None
