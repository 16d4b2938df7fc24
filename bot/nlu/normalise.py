"""Text normalisation applied before NLU and before the parse cache.

Citizens type full-width digits and letters (１２３, ＣＪ), stray spaces and
mixed case; Rasa should see one spelling of each so that the regexes for ID
and application numbers match and the cache key is stable. They also write in
traditional characters (公積金) and dictate with hesitations and stutters
(嗯 那个 我我我想 转 转人工): those become the simplified, fluent message the
model was trained on. Every step only replaces or drops characters, so each
character of the result still points back to the one it came from.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

from bot.core.traditional import to_simplified

_SPACES = re.compile(r"\s+")
# Spaces between two CJK characters or between CJK and a digit carry no
# meaning in Chinese and break regex matches such as "CJ 2026 1101 000123".
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_INNER_SPACE = re.compile(rf"(?<=[{_CJK}0-9A-Za-z])\s+(?=[{_CJK}0-9])|(?<=[{_CJK}])\s+(?=[A-Za-z])")


def to_half_width(text: str) -> str:
    """Map full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) and the ideographic
    space to ASCII. Chinese punctuation (，？！：) stays: the training data uses it."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


# Hesitations that carry no meaning when something else follows: at the start of the message
# or of a clause, followed by a pause (space, comma, ellipsis). A message that is only "嗯"
# (a yes) or "哦" keeps it; "额度" keeps its 额 (no pause after it).
_BREAK = r"[\s,，、。.…~～]"
_HESITATION = re.compile(
    rf"(?:(?<=^)|(?<={_BREAK}))(?:嗯|呃|额|唔|哦|啊|哎|诶|欸|emm*|umm*|uh+|那个|这个|就是说|就是|然后|那啥)+"
    rf"{_BREAK}+(?=\S)", re.IGNORECASE)
# Chinese numerals: a run of them is a number (幺三八零零零零…, a transcript's phone), never a
# stutter or a restart.
_NUMERALS = "零〇一幺二两三四五六七八九十百千万"
# A stutter: one character said three times or more ("我我我想", "嗯嗯嗯") is said once; the
# few that are words when doubled (谢谢, 拜拜, 哈哈) keep two.
_STUTTER = re.compile(rf"((?![{_NUMERALS}])[\u4e00-\u9fff])\1{{2,}}")
_DOUBLED_WORDS = frozenset("谢拜哈")
# A word said again as the start of the next one ("转 转人工", "公积金 公积金余额", "附近有啥 有啥
# 好吃的"): the first, unfinished try is dropped. Inside a clause only a repeat of two characters
# or more counts ("公积金 金额" is no restart).


def _stutters(text: str) -> set[int]:
    drop: set[int] = set()
    for m in _STUTTER.finditer(text):
        keep = 2 if m.group(1) in _DOUBLED_WORDS else 1
        drop.update(range(m.start() + keep, m.end()))
    return drop


def _restarts(text: str) -> set[int]:
    drop: set[int] = set()
    for m in re.finditer(r"[\s,，]+", text):
        before, after = text[:m.start()], text[m.end():]
        clause_start = max(before.rfind(c) for c in " ,，") + 1
        for size in range(min(6, len(before) - clause_start), 0, -1):
            word = before[-size:]
            if (size >= 2 or size == len(before) - clause_start) and re.fullmatch(r"[\u4e00-\u9fff]+", word) \
                    and not any(ch in _NUMERALS for ch in word) and after.startswith(word):
                drop.update(range(m.start() - size, m.end()))
                break
    return drop


def _hesitations(text: str) -> set[int]:
    return {i for m in _HESITATION.finditer(text) for i in range(m.start(), m.end())}


def _without(chars: list[str], where: list[int], find) -> tuple[list[str], list[int]]:
    """`chars` without the positions `find` names in them; never the whole message."""
    drop = find("".join(chars))
    if not drop or len(drop) >= len(chars):
        return chars, where
    return ([c for i, c in enumerate(chars) if i not in drop], [w for i, w in enumerate(where) if i not in drop])


def normalise(text: str) -> str:
    """Return the canonical form of a citizen's message.

    - full-width digits and letters to half-width (Chinese punctuation such as ，。？ stays)
    - Unicode NFC so that composed and decomposed forms compare equal
    - traditional characters to simplified (OpenCC t2s)
    - hesitations (嗯 / 呃 / 那个 / 就是 before a pause), stutters (我我我) and restarted words
      (转 转人工) dropped, never the whole message
    - letters upper-cased where they are part of an identifier (cj2026... -> CJ2026...,
      trailing x of an ID number) and lower-cased elsewhere (GJJ -> gjj)
    - runs of whitespace collapsed; whitespace inside digit/CJK runs removed
    """
    return normalise_with_offsets(text)[0]


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """normalise(text), and for each of its characters the position in `text` it came from:
    what turns an entity span found in the normalised text into one in the citizen's text."""
    if not text:
        return "", []
    half = to_half_width(text)
    chars = list(half)
    where = list(range(len(half)))
    nfc = unicodedata.normalize("NFC", half)
    if nfc != half:
        where = _align(half, nfc, where)
        chars = list(nfc)
    joined = "".join(chars)
    simple = to_simplified(joined)
    if simple != joined:
        # Names are read from the citizen's own words (the forms' shapes), so OpenCC's 乾 -> 干
        # changes only what NLU reads.
        where = where if len(simple) == len(joined) else _align(joined, simple, where)
        chars = list(simple)
    for find in (_stutters, _restarts, _hesitations):
        chars, where = _without(chars, where, find)
    # Runs of whitespace become one space; none at either end.
    kept_c, kept_w = [], []
    for ch, w in zip(chars, where):
        if ch.isspace() and _SPACES.fullmatch(ch):
            if not kept_c or kept_c[-1] == " ":
                continue
            ch = " "
        kept_c.append(ch)
        kept_w.append(w)
    if kept_c and kept_c[-1] == " ":
        kept_c.pop(), kept_w.pop()
    joined = "".join(kept_c)
    drop = {i for m in _INNER_SPACE.finditer(joined) for i in range(m.start(), m.end())}
    chars = [c for i, c in enumerate(kept_c) if i not in drop]
    where = [w for i, w in enumerate(kept_w) if i not in drop]
    lowered_c, lowered_w = [], []
    for ch, w in zip(chars, where):
        for low in ch.lower():   # a few letters lower-case to two characters
            lowered_c.append(low)
            lowered_w.append(w)
    out = "".join(lowered_c)
    # Identifiers are upper-case by contract (docs/contracts.md): restore them (same length).
    out = re.sub(r"(?<![a-z])([a-z]{2})(\d{14})(?!\d)", lambda m: m.group(1).upper() + m.group(2), out)
    out = re.sub(r"(?<!\d)(\d{17})x(?![a-z0-9])", r"\1X", out)
    return out, lowered_w


def _align(before: str, after: str, where: list[int]) -> list[int]:
    """Positions for `after` (an NFC form of `before`): composed characters take the position of
    the first character they were composed from."""
    out = [0] * len(after)
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        for k in range(b1, b2):
            out[k] = where[min(a1 + (k - b1), a2 - 1)] if a2 > a1 else where[max(a1 - 1, 0)]
    return out


def to_citizen_span(where: list[int], text: str, start: int, end: int) -> tuple[int, int]:
    """A span of the normalised text as the span of the citizen's `text` it came from."""
    if not where or start >= len(where) or end <= start:
        return start, end
    return where[start], where[min(end, len(where)) - 1] + 1
