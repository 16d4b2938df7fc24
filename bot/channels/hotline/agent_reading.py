"""What the agent's side of a call says the call is about.

A trained operator records what they and the caller agreed on, so the agent's turns are evidence
the caller's words alone do not give:

- a purpose asked back and confirmed: "您是想查一下报销进度？" — "对，到底走到哪一步了" is a query
  about medical insurance, however the caller sounded before; "您是要投诉他们乱收费吗？" — "对头" is
  a complaint;
- a query recorded after the caller chose ("那就是查询电费", "我们登记查询报销进度");
- a matter declined: the agent says it is none of the hotline's ("我们这边查不到");
- a complaint taken: the agent says it goes to a department to be handled ("我们转交相关部门",
  "会转教育局核实"); not a personal query's call-back ("核实身份后给您回电").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.channels.hotline.purpose import AGENT_DECLINES, AGENT_RECORDS, COMPLAINT, question_subject
from bot.channels.hotline.transcripts import Call

# The agent asking back what the caller wants …
RESTATES = re.compile(r"[您你]是(?:想|要)|[您你]的意思是|[您你](?:想|要)(?:查|问|了解|咨询|投诉|反映|举报)|[您你]是(?:查询|咨询|了解|查|问)|"
                      r"是(?:想|要)(?:查|问|咨询|了解|投诉|反映|举报)")
# … with one purpose (not "您是想投诉还是咨询？") …
BOTH = re.compile(r"还是|同时|另外|以及|还有")
# What the agent says the caller wants is in the verb right after 想/要 (您想了解这个工单的处理情况 is a
# question about a work order, 您是想预约…办营业执照 a booking).
RESTATED_COMPLAINT = re.compile(r"[^，。？?]{0,3}?(?:投诉|反映|举报|让.{0,4}(?:处理|管))")
RESTATED_QUERY = re.compile(r"[^，。？?]{0,2}?(?:问|查|了解|咨询)")
RESTATED_BOOKING = re.compile(r"[^，。？?]{0,3}?(?:预约|约个?号|挂号|取号)")
BOOKING = "book_appointment"
# The agent taking a booking for the caller (not telling them how to book: 您可以在天府通办预约).
RECORDS_BOOKING = re.compile(r"(?:帮您|给您|为您)(?:登记|约|预约)[^，,。？?]{0,30}(?:预约|的号|时段)|(?:帮您|给您|为您)约(?:好|了|上)|"
                             r"已经(?:帮您|给您|为您)?(?:预约|约)(?:好|上)?了(?![吗嘛没？?])")
# … and the caller's next turn saying yes.
CONFIRMS = re.compile(r"^[\s，,。哦喂啊诶]*(?:对头|对的|没错|就是(?:想|要)|"
                      r"(?:对+|是的|是啊|是|嗯|要得)(?=[\s，,。！!～~嘛噻哈呀啊]|$))")

# The agent asking for an application number, and a caller's reply that reads one out.
ASKS_FOR_NUMBER = re.compile(r"编号|单号|工单号|申请号|受理号")
NUMBER_READ = re.compile(r"[A-Za-z][\s，,、]*[A-Za-z][\s，,、]*[0-9零〇一二三四五六七八九幺]{4}")

# The agent passing the matter to a department to handle it.
FORWARDS = re.compile(r"(?:转交|转给|转到|派给|派单给|转)[^，。？?]{0,10}(?:部门|局|街道|社区|单位|执法|城管|派出所|承办|监察|监管)")
# … which a personal query's call-back also says ("转给医保部门，核实身份后给您回电"), and an earlier
# work order's state read out ("目前工单在承办单位处理中，已经派给街道了"): neither takes a complaint.
NOT_TAKING = re.compile(r"回电|回个电话|回您电话|核实身份|核实您的身份|身份|工单|GD\d|目前|已经(?:转|派)|进度|状态")


@dataclass(frozen=True)
class AgentReading:
    confirmed: str | None = None    # the purpose the caller confirmed when the agent asked it back (the last)
    forwards: bool = False          # the agent passed the call to a department: a complaint taken
    recorded: str | None = None     # the query the agent recorded after the caller chose (the last)
    declines: bool = False          # the agent said the matter is none of the hotline's
    recorded_after: int = 0         # how many caller turns came before the record (a later complaint still counts)


def agent_reading(call: Call, purpose_intents: frozenset[str]) -> AgentReading:
    turns = [t for t in call.turns if t.text.strip()]
    confirmed = recorded = None
    forwards = declines = False
    caller_turns = recorded_after = 0
    for i, turn in enumerate(turns):
        if turn.speaker != "agent":
            caller_turns += 1
            continue
        if FORWARDS.search(turn.text) and not NOT_TAKING.search(turn.text):
            forwards, recorded = True, None     # the last word of the agent's is what was recorded
        declines = declines or bool(AGENT_DECLINES.search(turn.text))
        if BOOKING in purpose_intents and RECORDS_BOOKING.search(turn.text) and not BOTH.search(turn.text):
            # "帮您登记下周一上午在青白江区政务服务中心办理社保卡换卡的预约": a booking taken
            recorded, recorded_after = BOOKING, caller_turns
            forwards = False
            continue
        records = AGENT_RECORDS.search(turn.text)
        if records and not BOTH.search(turn.text):
            # "好的，那就是查询电费。" after the caller chose: the agent's record, nothing to confirm
            # the subject may come before the words that record it (医保余额需要核实身份后查询，我们登记下来给您回电)
            subject = question_subject(turn.text, purpose_intents)
            if subject:
                recorded, recorded_after = subject, caller_turns
            forwards = forwards and recorded is None
            continue
        reply = turns[i + 1] if i + 1 < len(turns) else None
        if reply is None or reply.speaker != "caller":
            continue
        # a yes, or the number the agent asked for with the restatement ("…进度对吧？有受理编号吗？" —
        # "老师发在群里的，CJ二零二七…"): the caller goes along with it
        gives_the_number = ASKS_FOR_NUMBER.search(turn.text) and NUMBER_READ.search(reply.text)
        if not CONFIRMS.match(reply.text) and not gives_the_number:
            continue
        asked = RESTATES.search(turn.text)
        if asked is None or BOTH.search(turn.text):
            continue
        confirmed = _restated(turn.text[asked.start():], turn.text[asked.end():], purpose_intents) or confirmed
    return AgentReading(confirmed, forwards, recorded, declines, recorded_after)


def _restated(restated: str, after_verb: str, purpose_intents: frozenset[str]) -> str | None:
    if RESTATED_QUERY.match(after_verb) or RESTATED_QUERY.match(restated):
        return question_subject(restated, purpose_intents)   # 您是想问一下投诉的处理进度吗: a question
    if RESTATED_COMPLAINT.match(after_verb) or RESTATED_COMPLAINT.match(restated):
        return COMPLAINT if COMPLAINT in purpose_intents else None
    if RESTATED_BOOKING.match(after_verb) and BOOKING in purpose_intents:
        return BOOKING
    return question_subject(restated, purpose_intents)
