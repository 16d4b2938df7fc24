"""What a hotline call was about: its intents (purpose.py), complaint topic and department,
district and (masked) entities, from the NLU parses of the caller's turns.

Each caller turn is parsed on its own; a turn counts for the intents only when its top intent
reaches `min_confidence` (the chat's clarification threshold). docs/hotline.md has the reasons.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from bot.city.complaint_topics import best_topic, scores as topic_scores
from bot.city.districts import find_district
from bot.core.privacy import ID_LIKE, PHONE, compact, is_valid_id_number, mask_id_number, mask_phone, mask_text
from bot.nlu.client import FALLBACK_INTENT, Parse

from bot.channels.hotline.call_model import CallModel, Reading
from bot.channels.hotline.gazetteer import Place, gazetteer
from bot.channels.hotline.agent_reading import agent_reading
from bot.channels.hotline.purpose import (GUIDE, ASKS_TO_HANDLE, ASKS_TO_HANDLE_IN_ANY_TURN, ASKS_TO_KNOW,  # noqa: F401
                                          COMPLAINT, TurnParse, about_staff_conduct, decide_intents,
                                          PRAISES, THANKS_CALL, question_subject,
                                          service_subject)
from bot.channels.hotline.transcripts import Call

# Turns the NLU placed in no service: they may still describe a complaint's problem.
UNPLACED = ("out_of_scope", FALLBACK_INTENT)


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
    place: Place | None = None      # the place named (gazetteer), for the city's picture

    @property
    def is_complaint(self) -> bool:
        return self.intent == COMPLAINT


def parse_caller_turns(call: Call, parse: Callable[[str], Parse],
                       parse_many: Callable[[list[str]], list[Parse]] | None = None) -> list[TurnParse]:
    """NLU parse of each caller turn (all at once with `parse_many`: one cache round trip a call);
    NluUnavailable propagates (the call fails as a whole)."""
    texts = call.caller_texts()
    parses = parse_many(texts) if parse_many is not None else [parse(text) for text in texts]
    return [TurnParse(i, text, parsed) for i, (text, parsed) in enumerate(zip(texts, parses))]


# Where the rules' reading stands over the model's (model_decides). Leaving each labelled set out in
# turn: where the model said complaint with its topic below this and the rules read anything else
# (49 calls of 946), the rules were right on 41 and the model on 3 (a pension "not paid", 退休工资,
# read as unpaid wages).
UNSURE_COMPLAINT_TOPIC = 0.4


def analyse(call: Call, turns: list[TurnParse], routing: dict[str, str], min_confidence: float,
            purposes: frozenset[str], model: CallModel | None = None) -> Analysis:
    """With `model` (call_model.py), the model of the whole call decides the purpose and the topic;
    the rules give the rest (and decide alone without one)."""
    # a turn the NLU did not place still counts when it asks for something to be handled (你们再来管一下嘛),
    # or asks about a named service (我想问下我的医保卡办好没有: as that question, not as the NLU's guess)
    understood = []
    for t in turns:
        if (t.parse.intent != FALLBACK_INTENT and t.parse.confidence >= min_confidence) \
                or ASKS_TO_HANDLE_IN_ANY_TURN.search(t.text) or PRAISES.search(t.text) or THANKS_CALL.search(t.text):
            understood.append(t)
        elif ASKS_TO_KNOW.search(t.text) and question_subject(t.text, purposes):
            understood.append(TurnParse(t.index, t.text, replace(t.parse, intent=FALLBACK_INTENT)))
    agent = agent_reading(call, purposes)
    intent, secondary = decide_intents(understood, purposes, agent.confirmed, agent.forwards, agent.recorded,
                                       agent.declines, agent.recorded_after)
    topic = department = None
    complaint_text = ""
    reading = model.read(call) if model is not None else None
    if reading is not None and model_decides(call, turns, understood, reading, intent):
        return _with_model(call, turns, routing, reading, intent, secondary)
    if intent == COMPLAINT:
        topic, complaint_text = complaint_topic(call, turns)
        # A complaint about a service's staff stays one (about_staff_conduct), whatever service it names.
        # (Nor one the agent took as a complaint: asked back and confirmed, or passed to a department.)
        subject = None if topic != "other" or about_staff_conduct(understood) or agent.confirmed == COMPLAINT \
            or agent.forwards else service_subject(understood, purposes)
        if subject is None and topic == "other" and secondary and \
                not any(ASKS_TO_HANDLE.search(t.text) for t in understood):
            # A grumble on the way (你们效率也太低了) with no problem to route and nothing asked to be
            # handled, beside a real query: the query is what the caller wanted.
            subject = secondary[0]
        if subject:
            # A "complaint" with no problem of the routing table, about a service's own matter
            # (my 社保 record, my 公积金 withdrawal): the caller wants that matter known or done.
            intent, secondary = subject, [COMPLAINT] + [i for i in secondary if i != subject]
            topic, complaint_text = None, ""
        else:
            department = routing.get(topic) or routing["other"]
    return _analysis(call, turns, intent, secondary, topic, department, complaint_text)


def model_decides(call: Call, turns: list[TurnParse], understood: list[TurnParse], reading: Reading,
                  rules_intent: str) -> bool:
    """Whether the model's reading stands, which it does except where the rules know better:
    - no caller turn was understood at all (喂？喂？, 我们小区物业 and nothing more): the model
      always answers something, and a work order for a call nobody understood helps no one;
    - the model says complaint without seeing which problem (topic below UNSURE_COMPLAINT_TOPIC)
      while the rules read something else;
    - the rules read a complaint asked to be handled (管一下, 处理一下) about a problem of the
      routing table, and the model reads no complaint: losing a complaint costs most."""
    if not understood:
        return False
    if reading.intent == COMPLAINT and rules_intent != COMPLAINT and reading.topic_p < UNSURE_COMPLAINT_TOPIC:
        return False
    if rules_intent == COMPLAINT and reading.intent != COMPLAINT \
            and any(ASKS_TO_HANDLE.search(t.text) for t in understood) and complaint_topic(call, turns)[0] != "other":
        return False
    return True


def _with_model(call: Call, turns: list[TurnParse], routing: dict[str, str], reading: Reading,
                rules_intent: str, rules_secondary: list[str]) -> Analysis:
    """The model's purpose and topic. A query the rules took as the main one stays listed when the
    model's is another (asked on the way); a complaint the rules saw beside a query is not added (a
    grumble is not a request)."""
    intent = reading.intent
    secondary = [i for i in rules_secondary if i != intent]
    if rules_intent != intent and (rules_intent.startswith("query_") or rules_intent == GUIDE) \
            and rules_intent not in secondary:
        secondary.insert(0, rules_intent)
    topic = department = None
    complaint_text = ""
    if intent == COMPLAINT:
        topic = reading.topic or "other"
        complaint_text = complaint_topic(call, turns, topic)[1]
        department = routing.get(topic) or routing["other"]
    return _analysis(call, turns, intent, secondary, topic, department, complaint_text)


def _analysis(call: Call, turns: list[TurnParse], intent: str, secondary: list[str], topic: str | None,
              department: str | None, complaint_text: str) -> Analysis:
    entities, contact_phone, invalid_ids = masked_entities(turns)
    place = call_place(call, turns)
    return Analysis(intent=intent, secondary_intents=secondary, topic=topic, department=department,
                    district=call_district(call, turns, place), entities=entities, contact_phone=contact_phone,
                    complaint_text=complaint_text, invalid_id_numbers=invalid_ids, turns=turns, place=place)


# -- complaint topic ----------------------------------------------------------------------------
# How much a turn's words count towards the topic. The caller's description of the problem counts
# most; the agent's turns count too (agents restate the problem: 您反映的是夜间施工噪音); an answer
# to "where?" counts least (its landmarks are not the problem: 靠近公交站的那家 is not about buses).
WEIGHT_COMPLAINT, WEIGHT_UNPLACED, WEIGHT_OTHER_CALLER, WEIGHT_AGENT, WEIGHT_PLACE_ANSWER = 1.0, 0.8, 0.5, 0.4, 0.25
ASKS_WHERE = re.compile(r"(哪里|哪儿|哪个|什么地方|具体位置|地址|哪条|哪个小区|在哪)")


def complaint_topic(call: Call, turns: list[TurnParse], wanted: str | None = None) -> tuple[str, str]:
    """(topic, the caller's words that say most about it), from the whole call: every turn's
    topic words, weighted by what the turn is (a complaint, an unplaced description, an answer to
    "where?", the agent's restatement) and summed. `other` only when no turn names a problem of
    the routing table (the 12345 office triages it by hand).

    With `wanted` given (the model's topic), the words are the caller's turn that says most about that
    topic, so that the work order's 市民反映 speaks of the problem it is routed for; the rules'
    best turn only where no caller turn names that topic."""
    by_text = {t.text: t for t in turns}
    totals: dict[str, float] = {}
    best_turn, best_turn_score = "", 0.0
    for_topic, for_topic_score = "", 0.0
    previous_agent = ""
    for turn in call.turns:
        text = turn.text.strip()
        if not text:
            continue
        if turn.speaker == "agent":
            weight = WEIGHT_AGENT
            previous_agent = text
        else:
            parsed = by_text.get(text)
            intent = parsed.parse.intent if parsed else FALLBACK_INTENT
            weight = (WEIGHT_COMPLAINT if intent == COMPLAINT else
                      WEIGHT_UNPLACED if intent in UNPLACED else WEIGHT_OTHER_CALLER)
            if ASKS_WHERE.search(previous_agent):
                weight = min(weight, WEIGHT_PLACE_ANSWER)
        turn_scores = topic_scores(text)
        for name, score in turn_scores.items():
            totals[name] = totals.get(name, 0.0) + weight * score
        if turn.speaker == "caller" and turn_scores and weight * max(turn_scores.values()) > best_turn_score:
            best_turn, best_turn_score = text, weight * max(turn_scores.values())
        if turn.speaker == "caller" and wanted and weight * turn_scores.get(wanted, 0.0) > for_topic_score:
            for_topic, for_topic_score = text, weight * turn_scores[wanted]
    best_turn = for_topic or best_turn
    topic = best_topic(totals)
    if not best_turn:
        complaint_turns = [t.text for t in turns if t.parse.intent == COMPLAINT]
        best_turn = complaint_turns[0] if complaint_turns else (turns[0].text if turns else "")
    return topic, best_turn


# -- district and place -----------------------------------------------------------------------
def call_place(call: Call, turns: list[TurnParse]) -> Place | None:
    """The first place the caller names (a district, 街道, street, landmark: gazetteer.py), else
    the first the agent names (agents repeat the place back: 您说的是龙泉驿区的汽车城是吧)."""
    g = gazetteer()
    for text in [t.text for t in turns] + [x.text for x in call.turns if x.speaker == "agent"]:
        place = g.first_place(text)
        if place is not None:
            return place
    return None


def call_district(call: Call, turns: list[TurnParse], place: Place | None = None) -> str | None:
    """The transcript's district; else one the NLU tagged; else the district of the place named
    (None for a place outside the city's 14 districts: the 12345 office triages it)."""
    if call.district:
        return call.district
    for t in turns:
        for e in t.parse.entities:
            if e.entity == "district":
                named = find_district(e.value)
                if named:
                    return named
    place = place if place is not None else call_place(call, turns)
    return place.district if place else None


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
            # The form backends take (11 digits): callers' 186-2830-5147, +86 186 2830 5147 …
            contact = compact(raw)
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
