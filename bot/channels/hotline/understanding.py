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

import re

from dataclasses import dataclass, field
from typing import Callable

from bot.city.complaint_topics import best_topic, scores as topic_scores
from bot.city.districts import find_district
from bot.core.privacy import ID_LIKE, PHONE, compact, is_valid_id_number, mask_id_number, mask_phone, mask_text
from bot.nlu.client import FALLBACK_INTENT, Parse

from bot.channels.hotline.gazetteer import Place, gazetteer
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
    place: Place | None = None      # the place named (gazetteer), for the city's picture

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
        topic, complaint_text = complaint_topic(call, turns)
        subject = None if topic != "other" else _service_subject(understood, purposes)
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
    entities, contact_phone, invalid_ids = masked_entities(turns)
    place = call_place(call, turns)
    return Analysis(intent=intent, secondary_intents=secondary, topic=topic, department=department,
                    district=call_district(call, turns, place), entities=entities, contact_phone=contact_phone,
                    complaint_text=complaint_text, invalid_id_numbers=invalid_ids, turns=turns, place=place)


# -- intents ------------------------------------------------------------------------------------
# A caller asking for something to be handled (the mark of a complaint, whatever the grammar) …
# A complaint made before (之前投诉的, 上次反映的) is a follow-up: a question about its progress.
_BEFORE = r"(?<!之前)(?<!上次)(?<!以前)(?<!已经)(?<!前几天)(?<!上个月)(?<!之前就)"
ASKS_TO_HANDLE = re.compile(
    _BEFORE + r"投诉|" + _BEFORE + r"举报|曝光|" + _BEFORE + r"反映(一下|个|下|个事|些)?|管一管|管一下|管管|没人管|不管|处理一下|处理下|来处理|"
    r"尽快处理|解决一下|帮忙解决|帮我们解决|来看一下|来看看|查处|整治|整改|制止|取缔|督促|协调一下|"
    r"给个说法|讨个说法|维权|要求.{0,6}(处理|整改|赔|退|解决)|希望.{0,8}(处理|解决|管|整改)")
# … and one asking to know something (a question, however annoyed).
ASKS_TO_KNOW = re.compile(
    r"想问|问一下|问下|问问|咨询|请问|了解一下|查一下|查下|查查|帮我查|怎么办理|怎么弄|怎么搞|怎么申请|"
    r"需要.{0,4}(什么|啥|哪些)|要带|要不要|能不能|可不可以|多少|好多|几号|哪天|余额|进度|到账|什么时候|"
    r"好久|多久|哪里办|在哪|[吗嘛呢没][？?]?$|[？?]$|"
    # Sichuanese: 咋个 (how), 啥子 (what), 嗦 (so it's …?), 不晓得 (don't know if)
    r"咋个|啥子|啥情况|什么情况|嗦|不晓得|是不是|有没有")


# What a query is about, in the words callers use (the intents of docs/contracts.md): a complaint-
# sounding question naming one of these is that query. Longer words first: 医保 before 保.
QUERY_SUBJECTS: tuple[tuple[str, re.Pattern], ...] = (
    # A work order or matter already filed: its progress (before any subject it is about).
    ("query_my_affairs", re.compile(r"GD\d{6,}|工单|之前投诉|上次投诉|之前反映|上次反映")),
    ("query_housing_fund", re.compile(r"公积金|公基金|住房基金|缴存|提取")),
    ("query_medical_insurance", re.compile(r"医保|医疗保险|报销|医保卡|门特|门慢|异地就医")),
    ("query_social_security", re.compile(r"社保|养老保险|养老金|退休金|失业金|失业保险|工伤保险|社保卡|断缴|补缴")),
    ("query_utility_bill", re.compile(r"水费|电费|燃气费|气费|天然气费|账单|欠费|缴费单|电表|水表|气表")),
    ("query_endorsement_status", re.compile(r"签注|通行证|港澳|台湾|出入境")),
    ("query_business_registration", re.compile(r"营业执照|执照|个体户|工商|公司注册|注册公司|商事登记|名称核准")),
    ("book_appointment", re.compile(r"预约|取号|约个号|排号")),
    ("query_my_affairs", re.compile(r"办件|办到哪|到哪一步|受理了|审批|审核|进度")),
)
GUIDE = "ask_service_guide"
ASKS_HOW = re.compile(r"怎么办理|怎么办|怎么弄|怎么申请|要带|带什么|带啥|需要.{0,4}(什么|啥|哪些)|材料|流程|手续|在哪办|哪里办|收费|要多久")


def question_subject(text: str, purpose_intents: frozenset[str]) -> str | None:
    """The query a question is about, by the subject it names (QUERY_SUBJECTS), or a guide
    question (how to do something) when it names none."""
    for intent, pattern in QUERY_SUBJECTS:
        if intent in purpose_intents and pattern.search(text):
            return intent
    if GUIDE in purpose_intents and ASKS_HOW.search(text):
        return GUIDE
    return None


def decide_intents(understood: list[TurnParse], purpose_intents: frozenset[str]) -> tuple[str, list[str]]:
    """The call's main intent and the other purposes. `purpose_intents`: the intents that say why
    a citizen calls (the handlers declare them: Handler.purpose).

    The main intent is what the caller wants done or known, whatever their tone. A turn the
    NLU reads as a complaint but that asks to know something, without asking for anything to be
    handled (an annoyed "我的医保怎么还没到账？"), is a question: its evidence goes to the query
    whose subject it names (QUERY_SUBJECTS), or to a guide question when it asks how to do something. A complaint that remains is main — the hotline
    must act on it — when the caller asks for it to be handled, or when no other purpose has more
    evidence; otherwise the purpose with the most evidence is, and the complaint is secondary."""
    evidence: dict[str, float] = {}
    first_said: dict[str, int] = {}

    def add(intent: str, weight: float, index: int) -> None:
        evidence[intent] = evidence.get(intent, 0.0) + weight
        first_said.setdefault(intent, index)

    asks_to_handle = False
    for t in understood:
        intent, weight = t.parse.intent, t.parse.confidence
        if intent == COMPLAINT:
            if ASKS_TO_HANDLE.search(t.text):
                asks_to_handle = True
            elif ASKS_TO_KNOW.search(t.text):
                question = question_subject(t.text, purpose_intents)
                if question:
                    add(question, weight, t.index)
                    continue
        add(intent, weight, t.index)
    purposes = [i for i in evidence if i in purpose_intents]
    if GENERIC_QUERY in purposes and any(i.startswith("query_") and i != GENERIC_QUERY for i in purposes):
        purposes.remove(GENERIC_QUERY)
    if not purposes:
        if not evidence:
            return FALLBACK_INTENT, []
        return max(evidence, key=lambda i: (evidence[i], -first_said[i])), []
    if COMPLAINT in purposes and asks_to_handle:
        main = COMPLAINT
    else:
        main = max(purposes, key=lambda i: (evidence[i], -first_said[i]))
    secondary = sorted((i for i in purposes if i != main), key=first_said.__getitem__)
    return main, secondary


def _service_subject(understood: list[TurnParse], purpose_intents: frozenset[str]) -> str | None:
    """The query subject the caller's complaint turns name most (QUERY_SUBJECTS), if any."""
    counts: dict[str, int] = {}
    for t in understood:
        if t.parse.intent == COMPLAINT:
            for intent, pattern in QUERY_SUBJECTS:
                if intent in purpose_intents and pattern.search(t.text):
                    counts[intent] = counts.get(intent, 0) + 1
    return max(counts, key=counts.get) if counts else None


# -- complaint topic ----------------------------------------------------------------------------
# How much a turn's words count towards the topic. The caller's description of the problem counts
# most; the agent's turns count too (agents restate the problem: 您反映的是夜间施工噪音); an answer
# to "where?" counts least (its landmarks are not the problem: 靠近公交站的那家 is not about buses).
WEIGHT_COMPLAINT, WEIGHT_UNPLACED, WEIGHT_OTHER_CALLER, WEIGHT_AGENT, WEIGHT_PLACE_ANSWER = 1.0, 0.8, 0.5, 0.4, 0.25
ASKS_WHERE = re.compile(r"(哪里|哪儿|哪个|什么地方|具体位置|地址|哪条|哪个小区|在哪)")


def complaint_topic(call: Call, turns: list[TurnParse]) -> tuple[str, str]:
    """(topic, the caller's words that say most about it), from the whole call: every turn's
    topic words, weighted by what the turn is (a complaint, an unplaced description, an answer to
    "where?", the agent's restatement) and summed. `other` only when no turn names a problem of
    the routing table (the 12345 office triages it by hand)."""
    by_text = {t.text: t for t in turns}
    totals: dict[str, float] = {}
    best_turn, best_turn_score = "", 0.0
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
        for topic, score in turn_scores.items():
            totals[topic] = totals.get(topic, 0.0) + weight * score
        if turn.speaker == "caller" and turn_scores and weight * max(turn_scores.values()) > best_turn_score:
            best_turn, best_turn_score = text, weight * max(turn_scores.values())
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
