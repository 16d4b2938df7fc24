"""What a correction keeps: the value said last, never one turned down.

    说错了 不是昨天 是前天下午     -> 前天下午
    不是周三是周四                -> 周四
    周四不行周五吧                -> 周五
    地址换成高新区                -> 高新区
    不对不对，改成后天上午         -> 后天上午
    是周四哈 我刚才说成周三了      -> 周四
    不对 改成周五，周四我要上班     -> 周五
    时间说错了 是昨晚 前天我出差了   -> 昨晚

A message is cut into pieces at its pauses (，。！？；、 and spaces) and at the words that lead a
correction (不是, 是, 说错了, 改成, 换成, 应该是 …) or turn down what came just before (不行,
去不了, 不方便 …). A piece right after 不是, or right before 不行 / 去不了, is turned down; the
others are read from the last one back, so the later words win — except that a value the citizen
chooses in so many words (after 改成, 换到, 应该是, 是, 还是, or a bare 改 / 换 leading it) wins over the
words that follow it, which only explain (`改成周五，周四我要上班`: 周四 is why, not what).

`corrects()` tells a message that corrects something ("时间说错了 是每天早上六点") from one that
only answers: a correction fills the slot it names, never the one that was asked.
"""
from __future__ import annotations

import re
from typing import Callable, TypeVar

T = TypeVar("T")

# Words that say "what I said before was wrong" (a correction follows, or the value comes alone).
_WRONG = (r"说错了?|打错了?|搞错了?|弄错了?|写错了?|记错了?|填错了?|输错了?|记岔了?|搞岔了?|说岔了?|弄混了?|搞混了?|记混了?|"
          r"错了|不对(?!劲)|更正一下|"
          r"更正|纠正一下|"
          r"改成|改为|改到|改在|换成|换到|换为|应该是|其实是|而是")
WRONG = _WRONG   # (for readers that look for a message led by one)
# Words after a value that turn it down ("周四不行", "上午去不了").
_REFUSED_AFTER = (r"不行了?|不可以|不方便|去不了|来不了|去不到|来不到|去不成|来不成|没空|没时间|不得空|没得空|不得行|不合适|有事|"
                  r"走不开|走不脱|"
                  # (上午要送娃娃, 上午有课, 上午我要值班: the morning is out, whatever the words between)
                  r"(?:要|得|在)(?:上班|上课|考试|值班|加班|出差|开会|带娃娃?|带孩子|送娃娃?|接娃娃?|送孩子|接孩子)|"
                  # (not when denied: 周四下午我没有课, 上午不是很忙, 周四没有考试)
                  r"(?<![没不])有课|(?<![没不])有考试|(?<![没不])有个会|(?<![没不])有会|起不来|赶不过来|赶不到|"
                  r"过不来|忙得很|忙不过来|(?<!不是)(?<!不)太忙了?|(?<!不是)(?<!不)很忙")
# Words before a value that turn it down: "我刚才说成周三了" (the value said by mistake).
_SAID_AS = r"说成|写成|按成|打成|记成|填成|弄成|输成|点成|选成"
# A value taken back and another said instead: "取消上午 改下午", "取消锦江 换成武侯".
_TAKEN_BACK_FOR = r"取消(?=[^，,。；;]{1,8}?[\s，,]*(?:改|换))"
# (A dot between digits is no pause: 12.22, 5101.0819…)
_PAUSE = r"(?:[\s，,。；;！!？?、~～…]|(?<!\d)\.|\.(?!\d))+"
# Wrong-words that take back what was just said, and pieces that are no value to take back.
_TURNS_BACK = r"不对|哦不对|噢不对|错了|哦不|噢不|啊不|改"
# Words that only fill a pause ("哦", "那个", "不好意思"): no value of any slot, no request.
_FILLER_SOUNDS = "哦噢喔嗯啊哎诶呃唉哈呀"
FILLER = re.compile(rf"[{_FILLER_SOUNDS}]+|那个|就是|不好意思")
# Fillers and pauses leading a message ("哈哈哈 笑死", "哦 那个，"), one character or word per repeat:
# a repeat of FILLER's own repeat ([哦…]+)* backtracks without end on a long run of 哈 that ends unmatched.
LEADING_FILLER = rf"(?:[{_FILLER_SOUNDS}\s，,。.!！]|那个|就是|不好意思)*"
_NOT_A_VALUE = (rf"{FILLER.pattern}|我|刚才|我刚才|"
                r".{0,2}(?:地址|地点|位置|时间|日期|名字|姓名|电话|号码|手机|身份证|事项)")
# (a bare 改 between two values: "周五改周四", "锦江改武侯": the first is turned down)
_PIECES = re.compile(rf"{_PAUSE}|(不是|{_TAKEN_BACK_FOR}|{_SAID_AS}|{_WRONG}|{_REFUSED_AFTER}|[哦噢啊]不(?![用要是对行会能])|"
                     r"(?<=[\u4e00-\u9fff])改(?![成为到在一下])(?=[\u4e00-\u9fff])|是)")
# Words that lead the value chosen instead (改成周五, 应该是昨晚, 是周四, 还是上午): it wins over later
# pieces that only explain; and a piece led by a bare 改 / 换 ("改周五，周四去不到").
_CHOOSES = r"改成|改为|改到|改在|换成|换到|换为|应该是|其实是|而是|是"
_LED_BY_CHANGE = re.compile(r"^[改换](?![成为到在一下])(?=[\u4e00-\u9fff\d])")
# … or a short piece said as a choice: led by 约 / 就 / 那就, or ending in 吧 / 嘛 ("下午吧 上午我在学校",
# "约下午 上午…"): the value it names wins over a longer piece after it that only explains.
_ALTERNATIVE = re.compile(r"^[哦噢喔那就嗯\s]{0,3}[^\s我]{1,4}[吧嘛啊呢]?$|要不|还是|更方便|也可以|也行|那就")
_SAID_AS_CHOICE = re.compile(r"^(?:那就|就|约)[^\s]{1,6}$|^[^\s]{1,6}?(?:吧|嘛)$")
_CORRECTS = re.compile(rf"不是|{_TAKEN_BACK_FOR}|{_SAID_AS}|{_WRONG}")


def corrects(text: str | None) -> bool:
    """Does the message correct what was said before (不对, 说错了, 改成, 不是…是…)?"""
    return bool(_CORRECTS.search(text or ""))


def pieces(text: str | None) -> list[tuple[str, bool]]:
    """The message's pieces in order, each with whether it is turned down."""
    return [(piece, refused) for piece, refused, _ in _read(text)]


def _read(text: str | None) -> list[tuple[str, bool, bool]]:
    """(piece, turned down, chosen in so many words) for each piece of the message, in order."""
    out: list[tuple[str, bool, bool]] = []
    negate_next = choose_next = False
    weakly: list[int] = []
    for part in _PIECES.split(text or ""):
        if part is None or not part.strip() or re.fullmatch(_PAUSE, part):
            continue
        if part in ("不是", "取消") or re.fullmatch(_SAID_AS, part):
            negate_next, choose_next = True, False
            continue
        if re.fullmatch(_REFUSED_AFTER, part):
            if out and not negate_next:     # (…不是 很忙: the reason denied turns nothing down)
                out[-1] = (out[-1][0], True, out[-1][2])
            negate_next = choose_next = False
            continue
        if re.fullmatch(_TURNS_BACK, part):
            # "周四 哦不对 周五": what was said just before (not a filler, not the name of a slot) is wrong
            for i in range(len(out) - 1, -1, -1):
                if not re.fullmatch(_NOT_A_VALUE, out[i][0]):
                    out[i] = (out[i][0], True, out[i][2])
                    break
            negate_next, choose_next = False, part == "改"   # "周五改周四": 周四 chosen
            continue
        if re.fullmatch(rf"{_WRONG}|是", part):
            negate_next, choose_next = False, bool(re.fullmatch(_CHOOSES, part))
            continue
        strong = choose_next or bool(_LED_BY_CHANGE.match(part))
        weak = not strong and bool(_SAID_AS_CHOICE.match(part.strip()))
        out.append((part, negate_next, not negate_next and (strong or weak)))
        if weak:
            weakly.append(len(out) - 1)
        negate_next = choose_next = False
    # A choice said only by its tone (周四吧, 约周四) gives way to another value said after it as an
    # alternative (周四吧 不 周五, 周四嘛 要不周五, 周四吧 周五更方便), not to a reason (下午吧 上午我在学校).
    for i in weakly:
        if any(not refused and _ALTERNATIVE.search(later) for later, refused, _ in out[i + 1:]):
            out[i] = (out[i][0], out[i][1], False)
    return out


def last_said(text: str | None, read: Callable[[str], T | None]) -> T | None:
    """What `read` finds in the last piece of the message that names something and is not turned
    down: in a correction the later words win. A value chosen in so many words ("改成周五") wins
    over the pieces after it that only explain ("周四我要上班")."""
    kept = [(piece, chosen) for piece, refused, chosen in _read(text) if not refused]
    for only_chosen in (True, False):
        for piece, chosen in reversed(kept):
            if only_chosen and not chosen:
                continue
            value = read(piece)
            if value:
                return value
    return None


def chosen_first(text: str | None) -> list[str]:
    """The pieces not turned down, to be read from the last back: those chosen in so many words
    (改成…, 是…) first, then every one (for readers of several values at once)."""
    kept = [(piece, chosen) for piece, refused, chosen in _read(text) if not refused]
    return [p for p, chosen in reversed(kept) if chosen] + [p for p, _ in reversed(kept)]
