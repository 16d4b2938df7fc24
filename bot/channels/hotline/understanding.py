"""What a hotline call was about: its intents, complaint topic and department,
district and (masked) entities, from the NLU parses of the caller's turns.

How the main intent is chosen (docs/hotline.md has the reasons):
- each caller turn is parsed on its own; a turn counts only when its top
  intent reaches `min_confidence` (the chat's clarification threshold);
- "purpose" intents (queries, guides, appointments, complaints …) say why the
  citizen called; small talk and bare answers (greet, thank, inform …) do not;
- a complaint is the main intent whenever the caller makes one: it is what the
  hotline must act on (a work order); other purposes are secondary;
- otherwise the purpose with the most evidence (summed confidence over turns)
  is main, ties to the one said first; the rest are secondary, in the order said;
- a call with no purpose at all gets its best-supported other intent
  (e.g. out_of_scope), or nlu_fallback when no turn was understood.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from bot.city.complaint_topics import classify
from bot.city.districts import find_district
from bot.core.privacy import ID_LIKE, PHONE, compact, is_valid_id_number, mask_id_number, mask_phone, mask_text
from bot.nlu.client import FALLBACK_INTENT, Parse

from bot.channels.hotline.transcripts import Call

COMPLAINT = "file_complaint"
# Turns the NLU placed in no service: they may still describe a complaint's problem.
UNPLACED = ("out_of_scope", FALLBACK_INTENT)
# "Where is my matter" is what a follow-up question about a specific query
# ("那大概哪天能去拿？") is often parsed as; next to a specific query it adds nothing.
GENERIC_QUERY = "query_my_affairs"


@dataclass
class TurnParse:
    index: int          # position among the call's caller turns
    text: str           # the caller's words, as said (not masked: stays in memory)
    parse: Parse


@dataclass
class Analysis:
    intent: str
    secondary_intents: list[str]
    topic: str | None
    department: str | None
    district: str | None
    entities: list[dict]
    # Raw caller words and numbers, for the work order only: kept out of repr() so
    # that no log line or traceback can carry them.
    contact_phone: str | None = field(default=None, repr=False)   # first valid phone: the call-back number
    complaint_text: str = field(default="", repr=False)            # the complaint turn that decided the topic
    invalid_id_numbers: int = 0
    turns: list[TurnParse] = field(default_factory=list, repr=False)

    @property
    def is_complaint(self) -> bool:
        return self.intent == COMPLAINT


def parse_caller_turns(call: Call, parse: Callable[[str], Parse]) -> list[TurnParse]:
    """NLU parse of each caller turn; NluUnavailable propagates (the call fails as a whole)."""
    return [TurnParse(i, text, parse(text)) for i, text in enumerate(call.caller_texts())]


def analyse(call: Call, turns: list[TurnParse], routing: dict[str, str], min_confidence: float,
            purposes: frozenset[str]) -> Analysis:
    understood = [t for t in turns if t.parse.intent != FALLBACK_INTENT and t.parse.confidence >= min_confidence]
    intent, secondary = decide_intents(understood, purposes)
    topic = department = None
    complaint_text = ""
    if intent == COMPLAINT:
        topic, complaint_text = complaint_topic(turns)
        department = routing.get(topic) or routing["other"]
    entities, contact_phone, invalid_ids = masked_entities(turns)
    return Analysis(intent=intent, secondary_intents=secondary, topic=topic, department=department,
                    district=call_district(call, turns), entities=entities, contact_phone=contact_phone,
                    complaint_text=complaint_text, invalid_id_numbers=invalid_ids, turns=turns)


# -- intents ------------------------------------------------------------------------------------
def decide_intents(understood: list[TurnParse], purpose_intents: frozenset[str]) -> tuple[str, list[str]]:
    """The call's main intent and the other purposes. `purpose_intents`: the intents that say why
    a citizen calls (the handlers declare them: Handler.purpose)."""
    evidence: dict[str, float] = {}
    first_said: dict[str, int] = {}
    for t in understood:
        evidence[t.parse.intent] = evidence.get(t.parse.intent, 0.0) + t.parse.confidence
        first_said.setdefault(t.parse.intent, t.index)
    purposes = [i for i in evidence if i in purpose_intents]
    if GENERIC_QUERY in purposes and any(i.startswith("query_") and i != GENERIC_QUERY for i in purposes):
        purposes.remove(GENERIC_QUERY)
    if not purposes:
        if not evidence:
            return FALLBACK_INTENT, []
        return max(evidence, key=lambda i: (evidence[i], -first_said[i])), []
    if COMPLAINT in purposes:
        main = COMPLAINT
    else:
        main = max(purposes, key=lambda i: (evidence[i], -first_said[i]))
    secondary = sorted((i for i in purposes if i != main), key=first_said.__getitem__)
    return main, secondary


# -- complaint topic ----------------------------------------------------------------------------
def complaint_topic(turns: list[TurnParse]) -> tuple[str, str]:
    """(topic, the text that decided it). The caller describes the problem first;
    later turns answer the agent's questions (where, when), whose words are
    landmarks, not the problem (清江东路靠近公交站 is not a traffic complaint).
    So the earliest caller turn that may describe the problem decides: a turn read
    as a complaint, or one the NLU could not place in any service (callers describe
    a nuisance in words the model may not link to a complaint: 茶楼打麻将到两点).
    Failing that, all those turns together; failing that, `other`."""
    describing = [t for t in turns if t.parse.intent in (COMPLAINT, *UNPLACED)]
    for t in describing:
        topic = classify(t.text)
        if topic != "other":
            return topic, t.text
    complaint_turns = [t for t in turns if t.parse.intent == COMPLAINT]
    joined = "，".join(t.text for t in describing)
    return classify(joined), (complaint_turns[0].text if complaint_turns else "")


# -- district -----------------------------------------------------------------------------------
def call_district(call: Call, turns: list[TurnParse]) -> str | None:
    """The transcript's district; else one the NLU tagged; else one named in the
    caller's words; else one the agent named (e.g. while confirming the place)."""
    if call.district:
        return call.district
    for t in turns:
        for e in t.parse.entities:
            if e.entity == "district":
                named = find_district(e.value)
                if named:
                    return named
    return (find_district(" ".join(t.text for t in turns))
            or find_district(" ".join(x.text for x in call.turns if x.speaker == "agent")))


# -- entities -----------------------------------------------------------------------------------
def masked_entities(turns: list[TurnParse]) -> tuple[list[dict], str | None, int]:
    """(entities with personal values masked, the first valid phone (raw), number of invalid IDs).

    The NLU's id_number and phone entities are completed by the exact patterns
    of both identifiers over the caller's words: a number the model missed is
    still personal data and still worth reporting (masked)."""
    seen: set[tuple[str, str]] = set()
    out: list[dict] = []
    contact: str | None = None
    invalid_ids = 0

    def add(kind: str, raw: str) -> None:
        nonlocal contact, invalid_ids
        entry = _masked_entity(kind, raw)
        if entry is None or (kind, entry["_key"]) in seen:
            return
        seen.add((kind, entry.pop("_key")))
        if kind == "phone" and contact is None:
            contact = raw.strip()
        if kind == "id_number" and not entry["valid"]:
            invalid_ids += 1
        out.append(entry)

    for t in turns:
        for e in t.parse.entities:
            add(e.entity, e.value)
        for candidate in _id_like(t.parse.text):
            add("id_number", candidate)
        for m in PHONE.finditer(t.parse.text):
            add("phone", m.group(0))
    return out, contact, invalid_ids


def _masked_entity(kind: str, raw: str) -> dict | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if kind == "id_number":
        value = compact(raw)
        if not ID_LIKE.fullmatch(value):
            return None   # the model sometimes tags a house or order number as an ID
        # A number failing its check character is reported (flagged), never used.
        return {"entity": kind, "value": mask_id_number(value), "valid": is_valid_id_number(value), "_key": value}
    if kind == "phone":
        if not PHONE.fullmatch(raw):
            return None
        return {"entity": kind, "value": mask_phone(raw), "_key": compact(raw)}
    if kind == "district":
        named = find_district(raw)
        return {"entity": kind, "value": named, "_key": named} if named else None
    if kind == "person_name":
        return {"entity": kind, "value": raw[0] + "*" * (len(raw) - 1), "_key": raw}
    if kind == "verification_code":
        return {"entity": kind, "value": "*" * len(raw), "_key": raw}
    # application numbers, service items …: not personal, but mask any identifier inside.
    value = mask_text(raw)
    return {"entity": kind, "value": value, "_key": raw}


def _id_like(text: str) -> list[str]:
    return [m.group(0) for m in ID_LIKE.finditer(text)]
