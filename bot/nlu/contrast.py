"""The clause that says what the citizen wants when the message first says what they do not.

    不是要投诉，我就是问一下社保怎么查      -> 我就是问一下社保怎么查
    不用预约 我就想知道营业执照批下来没有   -> 我就想知道营业执照批下来没有
    社保就算了，帮我看看公积金            -> 帮我看看公积金

The first clause names a service only to turn it down ("投诉", "预约"), and its keyword is often
the strongest word of the message: read as a whole, the message goes to the service refused.
The rule is one shape, not a list of sentences: a short first clause that opens with a negation
(不是 / 不用 / 不要 / 不想 / 别 / 没有要 / 不 + a service verb) or closes by dropping its subject
(…就算了 / …不查了), a pause, then the rest. A bare "不用了" is a refusal of its own (deny), never a
contrast: something must stand between the negation and the pause — except a correction
("不对，名字是李芳": a bare 不对 / 不是 / 错了, then the right answer).

The rest decides only when the message as a whole went where the turned-down words point (or
nowhere): `reading()` checks that with the classifier itself, so a complaint that merely
starts with 不是 ("不是我说 这个物业真的太差了") keeps its intent.
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple

FALLBACK_INTENT = "nlu_fallback"
# The longest first clause read as "what I do not want" (a longer one is a story, not a contrast).
FIRST_CLAUSE_MAX_CHARS = 14
_PAUSE = re.compile(r"[\s,，;；。!！、~～]+")
_PARTICLES = r"(?:了|啦|啊|嘛|哈|呢|的|吧|呀|哦)*"
_NEGATED = re.compile(
    r"^(?:我|也|并|倒)?(?:不是|不用|不要|不想|别|没有要|没要|"
    r"不(?=查|投诉|举报|预约|约|咨询|办|问|绑定?|认证|转))"
    rf"(?!{_PARTICLES}$)(?P<subject>.+)$")
_DROPPED = re.compile(r"^(?P<subject>.+?)(?:就算了|先算了|算了|不查了|不问了|不用查了|不说了|先不管)$")
# A correction: "不对，名字是李芳", "不是，我叫王芳". The no alone is the first clause (read as deny);
# what follows is the answer. Not 不用 / 不要 / 算了: those refuse ("不用了，谢谢" still cancels).
_CORRECTION = re.compile(rf"^(?P<subject>不对|不是|错了|说错了|搞错了){_PARTICLES}$")


class Contrast(NamedTuple):
    turned_down: str   # what the first clause refuses, without its negation ("要投诉", "社保")
    rest: str          # the clause that carries the intent


def split(text: str) -> Contrast | None:
    """The message's contrast, or None when it has no such shape. Read the citizen's text
    (spaces are pauses: "不用预约 我就想…"), not the normalised one."""
    text = text.strip()
    pause = _PAUSE.search(text)
    if pause is None or pause.start() == 0:
        return None
    first, rest = text[:pause.start()], text[pause.end():].strip()
    if len(first) > FIRST_CLAUSE_MAX_CHARS or len(re.sub(r"\W", "", rest)) < 2:
        return None
    m = _NEGATED.match(first) or _DROPPED.match(first) or _CORRECTION.match(first)
    return Contrast(m.group("subject"), rest) if m else None


# A whole message read with less than this is unsure: a clearly surer rest (by MARGIN) decides, even
# when the whole went somewhere else than the turned-down words ("不是要投诉，我就是问一下社保怎么查"
# read as the guide at 0.71, its rest as the social-insurance query at 0.92).
UNSURE_WHOLE = 0.8
MARGIN = 0.15


def reading(text: str, whole_intent: str, intent_of: Callable[[str], tuple[str, float]],
            confident: float, whole_confidence: float = 1.0) -> str | None:
    """The clause whose intent the message has, or None to keep the whole message's reading.

    `intent_of(text)` classifies a text ((intent, confidence)); it is called only for messages of
    the contrast shape. The rest wins when it is understood with `confident` confidence or more
    and the whole message was read as the turned-down clause (or not understood at all), or was
    read unsurely (`whole_confidence` under UNSURE_WHOLE) and the rest clearly surer (MARGIN)."""
    found = split(text)
    if found is None:
        return None
    rest_intent, rest_confidence = intent_of(found.rest)
    if rest_intent in (whole_intent, FALLBACK_INTENT) or rest_confidence < confident:
        return None
    if whole_intent == FALLBACK_INTENT or intent_of(found.turned_down)[0] == whole_intent:
        return found.rest
    if whole_confidence < UNSURE_WHOLE and rest_confidence >= whole_confidence + MARGIN:
        return found.rest
    return None
