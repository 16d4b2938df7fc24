"""Forms: filling the slots a handler declares, one question at a time.

    open_form()     a new form for a request, its slots pre-filled from the request itself
                    (NLU's entities, else each slot's `prefill`)
    take_answer()   a message while a slot is asked: the asked slot, and any other it fills
    next_question() the slots in order: the first one missing is asked, the first invalid one
                    is asked again with the validator's reason; None once all are filled and valid
    asked_slot()    the slot the open form is asking for
    keep_line()     the citizen's own words while the form is open, for handlers that pass them on

The dispatcher owns the turn around a form (when it starts, continues, is cancelled, or gives
way to a new request); this module owns what a form holds and asks. A form is stored in the
session (bot.stores.sessions.Form).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.contract import Handler, Slot, SlotInvalid
from bot.core.messages import Reply, Text
from bot.core.privacy import mask_text
from bot.stores.sessions import Form

MAX_REPROMPTS = 3
# How many of the citizen's own messages a form keeps (Handler.keeps_citizen_lines).
MAX_KEPT_LINES = 20
GIVE_UP = "输入有误的次数较多，已退出本次办理。需要时可以重新开始。"


@dataclass(frozen=True)
class Question:
    replies: list[Reply]
    give_up: bool = False      # too many invalid answers: the form ends


def open_form(handler: Handler, entities: dict[str, str], text: str) -> Form:
    form = Form(intent=handler.intent)
    for slot in handler.slots:
        value = entities.get(slot.name)
        if not value and slot.prefill is not None:
            value = slot.prefill(text)   # validated like an answer: a typo gets a precise reply
        if value:
            form.slots[slot.name] = value
    return form


def asked_slot(handler: Handler | None, form: Form) -> Slot | None:
    if handler is None or form.step != "slots" or not form.asking:
        return None
    return next((s for s in handler.slots if s.name == form.asking), None)


def take_answer(handler: Handler, form: Form, entities: dict[str, str], text: str) -> None:
    slot = asked_slot(handler, form)
    if slot is not None:
        value = entities.get(slot.name)
        if not value and (slot.free_text or slot.validate or slot.skip_words):
            value = text
        if value:
            form.slots[slot.name] = value
    if form.step == "slots":   # a message may answer more than the question asked
        for other in handler.slots:
            if other.name not in form.slots and entities.get(other.name):
                form.slots[other.name] = entities[other.name]


def next_question(handler: Handler, form: Form) -> Question | None:
    """What to ask next, validating the filled slots in order; None when the handler may run."""
    for slot in handler.slots:
        value = form.slots.get(slot.name)
        if value is None:
            if slot.optional:
                continue
            form.asking = slot.name
            return Question([Text(slot.prompt)])
        if slot.validate and value != "":
            try:
                form.slots[slot.name] = slot.validate(value)
            except SlotInvalid as bad:
                del form.slots[slot.name]
                form.reprompts += 1
                form.asking = slot.name
                if form.reprompts > MAX_REPROMPTS:
                    return Question([Text(str(bad)), Text(GIVE_UP)], give_up=True)
                return Question([Text(str(bad))])
    form.asking = None
    return None


def keep_line(handler: Handler, form: Form, text: str) -> None:
    """The citizen's own words while this form is open (masked), for handlers that pass them on."""
    if handler.keeps_citizen_lines and text:
        said = form.data.setdefault("said", [])
        if len(said) < MAX_KEPT_LINES:
            said.append(mask_text(text))
