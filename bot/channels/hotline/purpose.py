"""Why a hotline call was made: its main intent and the other purposes, from the caller's turns.

The main intent is what the caller wants done or known, whatever their tone (docs/hotline.md,
"How a call is understood"); understanding.py puts it together with the topic and the district.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlu.client import FALLBACK_INTENT, Parse

COMPLAINT = "file_complaint"
# "Where is my matter" is what a follow-up question about a specific query
# ("那大概哪天能去拿？") is often parsed as; next to a specific query it adds nothing.
GENERIC_QUERY = "query_my_affairs"


@dataclass
class TurnParse:
    index: int          # position among the call's caller turns
    text: str           # the caller's words, as said (not masked: stays in memory)
    parse: Parse


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


def service_subject(understood: list[TurnParse], purpose_intents: frozenset[str]) -> str | None:
    """The query subject the caller's complaint turns name most (QUERY_SUBJECTS), if any."""
    counts: dict[str, int] = {}
    for t in understood:
        if t.parse.intent == COMPLAINT:
            for intent, pattern in QUERY_SUBJECTS:
                if intent in purpose_intents and pattern.search(t.text):
                    counts[intent] = counts.get(intent, 0) + 1
    return max(counts, key=counts.get) if counts else None
