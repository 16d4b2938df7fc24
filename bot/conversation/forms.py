"""Forms: filling the slots a handler declares, one question at a time.

    open_form()     a new form for a request, its slots pre-filled from the request itself
                    (shapes: each slot's `recognise`; then NLU's entities, else `prefill`)
    take_answer()   any message while the form is open: every slot whose shape the message
                    carries (a new value replaces an old one: a correction), then the asked slot
                    from NLU's entities or, for a free-text slot, the whole message (not when the
                    message corrects another slot, nor when it asks the bot what it is, nor when it
                    is plainly another slot's value: a place where the time was asked)
    next_question() every filled slot validated first (a wrong check character is pointed out at
                    once, whatever was asked), then the first missing one is asked; None once all
                    are filled and valid
    asked_slot()    the slot the open form is asking for
    keep_line()     the citizen's own words while the form is open, for handlers that pass them on

The dispatcher owns the turn around a form (when it starts, continues, is cancelled, or gives
way to a new request); this module owns what a form holds and asks. A form is stored in the
session (bot.stores.sessions.Form).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.city.complaint_parts import CLAUSE
from bot.city.corrections import corrects, pieces
from bot.city.person_names import corrected_name
from bot.conversation.contract import Handler, Slot, SlotInvalid, slot_values
from bot.conversation.words import asks_the_bot, only_confirms
from bot.core.messages import Reply, Text
from bot.core.privacy import TAKEN_BACK, corrected_number, find_identifiers, mask_text
from bot.stores.sessions import Form

MAX_REPROMPTS = 3
# How many of the citizen's own messages a form keeps (Handler.keeps_citizen_lines).
MAX_KEPT_LINES = 20
GIVE_UP = "输入有误的次数较多，已退出本次办理。需要时可以重新开始。"


@dataclass(frozen=True)
class Question:
    replies: list[Reply]
    give_up: bool = False      # too many invalid answers: the form ends


def open_form(handler: Handler, entities: dict[str, str], text: str, said: str | None = None) -> Form:
    """`said`: the message as the citizen wrote it (shapes read it: NLU's normalised `text` has
    lost the spaces between words)."""
    form = Form(intent=handler.intent)
    recognised = _recognise(handler, text if said is None else said)
    for slot in handler.slots:
        value = recognised.get(slot.name)
        if not value and slot.recognise is None:
            value = entities.get(slot.name)
        if not value and slot.prefill is not None:
            value = slot.prefill(text)   # validated like an answer: a typo gets a precise reply
        if value:
            form.slots[slot.name] = value
    return form


# A message of acknowledgements only.
_ONLY_ACKS = re.compile(r"[嗯哦噢喔好的对是啊呀哈行要得\s。，,.!！~～👌👍]*")

# Words that only introduce an identifier ("电话 181…", "我身份证是…"): no answer of their own.
# ... and the words around them that ask to be called back ("你们打我电话嘛 182…", "你们先记到").
_INTRODUCERS = re.compile(r"电话|手机|号码|联系方式|联系|身份证|证件|号|我的|我|是|这个|打|找|你们|你|直接|先|记到|记下|记一下|\+?86|"
                          r"回我|回个|有事|方便|随时|[嘛哈吧呢哦嗯啊]|[\s\W_]")


def _says_more(text: str, besides: tuple[str, ...] = ()) -> bool:
    """Does the message say something besides its identifiers (then it may answer a free-text
    question too: "我是138…，楼下工地半夜施工太吵" describes the problem) and the values in
    `besides` (other slots' values read from it: "天天都这样" asked where says only when)?"""
    rest = _without_identifiers(text)
    for value in besides:
        # the whole clause that gave the value: a time is kept as its phrase (天天), but the clause
        # it came in (天天都这样) says nothing more
        rest = "".join(c for c in CLAUSE.findall(rest) if value not in c) if value else rest
    return len(_INTRODUCERS.sub("", rest)) >= 3


def _without_identifiers(text: str) -> str:
    out, last = [], 0
    for f in find_identifiers(text):
        out.append(text[last:f.start])
        last = f.end
    return "".join(out) + text[last:]


def _recognise(handler: Handler, text: str) -> dict[str, str]:
    return slot_values(handler.slots, text)


def slot_values_in(handler: Handler, text: str) -> dict[str, str]:
    """The values the form's own readers find in a message (slot name → value)."""
    return _recognise(handler, text)


def says_more_than_identifiers(text: str) -> bool:
    """Does the message say anything besides its identifiers and the words that introduce them
    ("你直接打我电话嘛 +86 139 8012 3344" does not)?"""
    return _says_more(text)


def take_values(handler: Handler, form: Form, values: dict[str, str]) -> None:
    form.slots.update(values)


def carries_a_value(handler: Handler | None, entities: dict[str, str], text: str) -> bool:
    """Does the message give a value for one of the form's slots ("不对，名字是李芳")? Then a
    "no" in it corrects the form rather than cancels it."""
    if handler is None:
        return False
    return bool(_recognise(handler, text)) or any(entities.get(s.name) for s in handler.slots)


def asked_slot(handler: Handler | None, form: Form) -> Slot | None:
    if handler is None or form.step != "slots" or not form.asking:
        return None
    return next((s for s in handler.slots if s.name == form.asking), None)


def take_answer(handler: Handler, form: Form, entities: dict[str, str], text: str, said: str | None = None) -> None:
    slot = asked_slot(handler, form)
    said = text if said is None else said
    if asks_the_bot(said) or asks_the_bot(text):
        return   # "你是真人还是机器人哦" is no value of any slot
    before = dict(form.slots)
    if fix_held_number(form, said) or fix_held_name(form, said) or fix_held_words(form, said):
        # "啊打错了 最后两位是32", "莉字错了 是美丽的丽", "不是东三段 是东二段": a held value corrected;
        # and the values of other slots the same message gives are taken too ("不是王健国 是王建国
        # 身份证号5101…": the name corrected, the ID number filled)
        _take_besides_the_fix(handler, form, said, before)
        return
    if _ONLY_ACKS.fullmatch(said.strip()) or only_confirms(said):
        return   # "嗯嗯", "好的", "确认提交": no value of any slot (a place asked is not "嗯嗯", nor "确认")
    if form.step == "slots" and restates_a_held_value(handler, form, said):
        return   # "不对 主要是污水 … 在成华区府青路二段": what happened replaced, and the place taken
    if slot is not None and _skips_the_phone(handler, form, slot, said):
        return   # "不用留电话" where the time was asked: the phone skipped, the time asked again
    if slot is not None and form.step == "slots" and _plainly_another(handler, form, slot, said):
        return   # "金牛区茶店子 西华苑" where the time was asked: the place, and the time asked again
    recognised = _recognise(handler, said) if form.step == "slots" else {}
    form.slots.update(recognised)   # several at once, in any order; a new value corrects an old one
    if slot is not None and slot.name in recognised and slot.free_text and not slot.validate:
        # The asked free-text slot read by its words: the answer runs from them to the end of the
        # message ("锦江区的府南河边上 合江亭那段" is all where), unless another slot was read too.
        start = said.find(recognised[slot.name])
        if len(recognised) == 1 and start >= 0:
            form.slots[slot.name] = said[start:].strip()
    if slot is not None and slot.name not in recognised:
        value = entities.get(slot.name) if slot.recognise is None else None
        if not value and slot.skip_words and any(w in text for w in slot.skip_words):
            value = text
        # A slot with words of its own (where, when) is not answered by a message that only gives
        # other slots' values; a description (no words of its own) may hold them all.
        besides = tuple(recognised.values()) if slot.recognise is not None else ()
        # A correction fills the slot it names ("刚才说错了 地址是…" while when was asked), never
        # the asked one when that has words of its own (a description may well say 不是…).
        corrected_other = bool(recognised) and slot.recognise is not None and corrects(said)
        if not value and not corrected_other and (not recognised or _says_more(said, besides)) and (
                slot.free_text or (slot.validate and slot.recognise is None)) and (
                slot.accepts is None or slot.accepts(said)):
            # Free text is kept as the citizen wrote it (case, spaces: "ETC 扣费"), not as the NLU reads it.
            value = said.strip() if slot.free_text else text
            if slot.validate and slot.recognise is not None:
                # The whole message as a free-text answer: kept only when it passes (a message the
                # bot did not understand is asked again, and never counts towards a lock-out).
                try:
                    value = slot.validate(said)
                except SlotInvalid:
                    value = None
        if value:
            form.slots[slot.name] = value
    if form.step == "slots":   # a message may answer more than the question asked
        for other in handler.slots:
            if other.name not in form.slots and other.recognise is None and entities.get(other.name):
                form.slots[other.name] = entities[other.name]


def restates_a_held_value(handler: Handler, form: Form, said: str) -> bool:
    """A held free-text value corrected as a whole (Slot.restated: "不对 主要是污水 …"): replaced, and
    the other slots' values the message gives read by their own readers (the place in it)."""
    for slot in handler.slots:
        if slot.restated is None or not form.slots.get(slot.name):
            continue
        value = slot.restated(said)
        if value:
            form.slots[slot.name] = value
            form.slots.update(_recognise(handler, said))
            return True
    return False


def _take_besides_the_fix(handler: Handler, form: Form, said: str, before: dict) -> None:
    """After a held value was corrected in words: the other slots' values the message carries, read
    by their shapes. Not the corrected slot (its reader may find the old value named as the mistake),
    and not a free-text slot already held (its words would hold the correction again)."""
    if form.step != "slots":
        return
    fixed = {name for name in form.slots if form.slots.get(name) != before.get(name)}
    for name, value in _recognise(handler, said).items():
        slot = next((s for s in handler.slots if s.name == name), None)
        if name in fixed or slot is None or (slot.free_text and form.slots.get(name)):
            continue
        form.slots[name] = value


def _plainly_another(handler: Handler, form: Form, asked: Slot, said: str) -> bool:
    """A message that is plainly another slot's value (Slot.plainly) where a free-text slot with
    words of its own was asked and its reader finds nothing in it, or one without words of its own
    that does not take it (Slot.accepts: "茶店子 西华苑" where the complaint asks what happened): that
    slot takes it, nothing else."""
    if not asked.free_text or corrects(said):
        return False
    if asked.recognise is None and (asked.accepts is None or asked.accepts(said)):
        return False
    if asked.recognise is not None and asked.recognise(said):
        return False
    for other in handler.slots:
        if other is asked or other.plainly is None:
            continue
        value = other.plainly(form.slots.get(other.name), said)
        if value:
            form.slots[other.name] = value
            return True
    return False


def _skips_the_phone(handler: Handler, form: Form, asked: Slot, said: str) -> bool:
    """A message that only says "no phone" ("不用留电话", "电话就不留了") while another slot is asked:
    the optional phone slot is skipped (its validator reads the skip word) and nothing else taken."""
    phone = next((s for s in handler.slots if s.name in ("contact", "phone") and s.skip_words), None)
    if phone is None or asked is phone or form.slots.get(phone.name) is not None:
        return False
    m = TAKEN_BACK.search(said)
    rest = _ONLY_ACKS.sub("", said[:m.start()] + said[m.end():]) if m else ""
    if m is None or len(_INTRODUCERS.sub("", rest)) > 2:
        return False
    form.slots[phone.name] = ""
    return True


_NAMES_A_SLOT = re.compile(r"地方|地址|地点|位置|时间|日期|名字|姓名|电话|号码|手机|身份证|事项|问题")
# Where a number turned down by its check is kept for a correction in words (form.data).
TURNED_DOWN = "turned_down_"
# The slots that hold a number people correct digit by digit, and the words that name each.
_NUMBER_SLOTS = (("contact", re.compile(r"电话|手机|号码|联系")), ("phone", re.compile(r"电话|手机|号码")),
                 ("id_number", re.compile(r"身份证|证件")))


def fix_held_number(form: Form, said: str) -> bool:
    """A correction of some digits of a number the form holds, in a message that gives no number
    of its own ("最后两位是32", "身份证最后一位是X"): the slot it names, else the only one held."""
    if find_identifiers(said):
        return False
    # (a number held, or one just turned down by its check: "最后两位搞反了 是69" after an ID that failed)
    numbers = {name: form.slots.get(name) or form.data.get(TURNED_DOWN + name) for name, _ in _NUMBER_SLOTS}
    held = [(name, words) for name, words in _NUMBER_SLOTS if numbers[name]]
    named = [name for name, words in held if words.search(said)] or [name for name, _ in held]
    if len(named) != 1:
        return False
    fixed = corrected_number(numbers[named[0]], said)
    if fixed == numbers[named[0]]:
        return False
    form.slots[named[0]] = fixed
    form.data.pop(TURNED_DOWN + named[0], None)
    return True


def fix_held_name(form: Form, said: str) -> bool:
    """One character of the held name corrected by describing it ("莉字错了 是美丽的丽")."""
    # (the name held, or the one just turned down by the backend: the citizen corrects what they typed)
    fixed = corrected_name(form.slots.get("person_name") or form.data.get("name_said"), said)
    if fixed is None:
        return False
    form.slots["person_name"] = fixed
    return True


def fix_held_words(form: Form, said: str) -> bool:
    """Words of a held free-text value turned down and others said instead ("不是东三段 是东二段 我看错了"
    where the place holds 东三段): those words replaced in it, the rest of it kept."""
    if not corrects(said):
        return False
    said_pieces = pieces(said)
    for i, (piece, refused) in enumerate(said_pieces):
        # the words right after the turned-down ones say what instead ("不是东三段 是东二段"), never a
        # word naming a slot ("不是下午 地方是…": 地方 starts something else)
        instead, instead_refused = said_pieces[i + 1] if i + 1 < len(said_pieces) else (None, True)
        if not refused or instead_refused or len(piece) < 2 or len(instead) < 2 or _NAMES_A_SLOT.search(instead):
            continue
        if find_identifiers(instead) or (instead.isdigit() and len(instead) >= 6):
            continue   # "不是赵莉 5101…": the number is another slot's value, never the words instead
            # (a short one is: "不是28 是82" corrects a house number)
        if len(instead) >= max(6, len(piece) + 4):
            continue   # "不是楼下 是楼上那家在装修": a whole new value, never words spliced into the held one
        held = [name for name, value in form.slots.items() if isinstance(value, str) and piece in value
                and not value.isdigit() and instead not in value]
        if held:
            # the shortest value that holds them is the one meant (the place, not the description
            # that also names it: "投诉 青羊区抚琴西路 隔三差五就停水")
            name = min(held, key=lambda n: len(form.slots[n]))
            form.slots[name] = form.slots[name].replace(piece, instead, 1)
            return True
    return False


def fixes_a_held_value(form: Form, said: str) -> bool:
    """Would the message correct a held number or name in words (without changing the form)?"""
    trial = Form(intent=form.intent, slots=dict(form.slots), data=dict(form.data))
    return fix_held_number(trial, said) or fix_held_name(trial, said) or fix_held_words(trial, said)


def next_question(handler: Handler, form: Form) -> Question | None:
    """What to ask next, validating the filled slots first (all of them, whatever was asked);
    None when the handler may run. Only a value that is wrong (a recognised ID number whose check
    character fails, a malformed code) counts towards giving up, never a message not understood."""
    for slot in handler.slots:
        value = form.slots.get(slot.name)
        if value is None or not slot.validate or value == "":
            continue
        try:
            form.slots[slot.name] = slot.validate(value)
        except SlotInvalid as bad:
            if any(slot.name == name for name, _ in _NUMBER_SLOTS):
                form.data[TURNED_DOWN + slot.name] = value   # its digits may be corrected in words next
            del form.slots[slot.name]
            form.reprompts += 1
            form.asking = slot.name
            if form.reprompts > MAX_REPROMPTS:
                return Question([Text(str(bad)), Text(GIVE_UP)], give_up=True)
            return Question([Text(str(bad))])
    for slot in handler.slots:
        if form.slots.get(slot.name) is None and not slot.optional:
            form.asking = slot.name
            return Question([Text(slot.prompt)])
    form.asking = None
    return None


def keep_line(handler: Handler, form: Form, text: str) -> None:
    """The citizen's own words while this form is open (masked), for handlers that pass them on."""
    if handler.keeps_citizen_lines and text:
        said = form.data.setdefault("said", [])
        if len(said) < MAX_KEPT_LINES:
            said.append(mask_text(text))
