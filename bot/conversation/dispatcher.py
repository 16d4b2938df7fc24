"""The one place that owns a turn: lock, session, NLU, slot filling, handler, errors.

    Incoming ──► per-user lock ──► text cut to MAX_TEXT_CHARS ──► session
             ──► in a human handoff? (stay quiet, forward)
             ──► understand: a numbered choice / command word / channel intent / NLU
                   (NLU down: an open form takes the text as it is; otherwise the menu)
             ──► cancel? ──► form in progress? continue it : pick handler
                   (an application number decides the handler by its prefix;
                    a low-confidence parse gets a clarifying question instead)
             ──► identity gate (someone else's ID number: refused, nothing queried)
             ──► begin() ──► slots (forms.py: prompt, validate, re-prompt) ──► handle()
             ──► replies: long lists paged ("更多"), every ID and phone number masked,
                   after whatever waited in the outbox (an agent's message no channel could push)

Errors from backends become replies that tell the citizen what to do; nothing
escapes as an exception to the channel (an unexpected one also ends the open form).
An empty reply list means "say nothing" (the citizen is talking to a person).
"""
from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping

from bot.city.corrections import FILLER, corrects, pieces
from bot.conversation import forms
from bot.conversation.contract import Handler, Result, Services, Slot, Turn
from bot.conversation.error_replies import ErrorReplies
from bot.conversation.menu import MainMenu
from bot.conversation.words import (COMPLAINT_VERBS, END_WORDS, asks_a_question, asks_about_cancelling,
                                    asks_about_the_step, asks_for_more, asks_the_bot, asks_what_it_is_for,
                                    ends_the_form, no_taken_back, only_confirms, says_cancel, says_yes_or_no,
                                    turns_a_cancel_down)
from bot.core import access, metrics
from bot.core.clock import CLOCK
from bot.core.messages import Card, Choice, Choices, Incoming, ListReply, Reply, Text, to_plain_text
from bot.core.privacy import APPLICATION_NO, ID_LIKE, PHONE, TAKEN_BACK, compact, find_identifiers, mask_text, redact_text
from bot.nlu import contrast
from bot.nlu.client import FALLBACK_INTENT, NluClient, NluUnavailable, Parse
from bot.nlu.normalise import normalise
from bot.stores.handoff import SERVED_BY_PEOPLE
from bot.stores.identity import IdentityStore
from bot.stores.sessions import Form, Session, SessionStore, UserBusy, UserLock

log = logging.getLogger(__name__)

# How sure NLU must be before a message counts as a new request in the middle of a form.
INTERRUPT_CONFIDENCE = 0.7
# How long after an answer a bare refinement ("上个月的") still refers to it.
FOLLOW_UP_S = 600
# Longer messages are cut to this before anything reads them (NLU, forms, history):
# WeChat allows ~64 KiB, and nothing a citizen asks for needs more.
MAX_TEXT_CHARS = 500
# Metric labels besides the handlers' intents: a label is never text the citizen typed.
# The bot reads a citizen's records for the citizen's own query (bot.core.access, the audit).
BOT_READER = access.Reader("bot", "bot", "citizen_query")
OUT_OF_SCOPE = "out_of_scope"
BOT_CHALLENGE = "bot_challenge"   # "你是机器人吗": the answer says what the bot is
TURN_LABELS = {"-", "more", "cancel", "handoff", "unknown", FALLBACK_INTENT}
# Entities a choice or typed "/intent{...}" may carry (never identifiers).
DIRECT_ENTITIES = {"application_no", "district", "service_item", "theme", "level", "action"}

# Key of the prefetched outbox length among a turn's reads (not a Redis key).
OUTBOX_LEN = "#outbox-len"

# "/intent" or '/intent{"entity": "value"}' chooses an intent without NLU
# (menu choices and clarifications send these).
_DIRECT = re.compile(r"^/([a-z_]+)(\{.*\})?$")
_BARE_VALUE = re.compile(r"[\dA-Za-z\s:：.\-]+")
# Words that ask for a service, by the intent they ask for (None: any service): a message carrying
# one asks for something new unless it is the open form's own (约个号 inside a booking).
_SERVICE_WORDS = (
    ("book_appointment", re.compile(r"预约|约个|约一|挂号|挂个号|排号|排个号|取号")),
    ("file_complaint", re.compile(r"投诉|举报|反映")),
    ("bind_identity", re.compile(r"实名|绑定|认证")),
    ("request_human", re.compile(r"人工|客服")),
    (None, re.compile(r"查|问一?下|进度|余额|办到哪|材料")),
)


# A request the citizen states in so many words ("我想反映个事情", "我要约社保卡补办", "我要投述", "你好 我要实名
# 黄磊 5101…"): the service it names, whatever the NLU reads (a guide, a query, or nothing sure). Not a
# question ("我想问下投诉的进度") and not one about an earlier request ("我投诉的那个", "预约的号").
# Not a request one says one is not making: 不是要投诉, 我不想投诉了, 我不要预约了, 不需要预约吧.
_NOT = r"(?<!不)(?<!没)(?<!不是)(?<!不需)(?<!不用)"
_STATED = (
    # (or the verb opening the message: "投诉 青白江区…", "反映问题 电话135…")
    ("file_complaint", re.compile(rf"{_NOT}(?:我要|我想|想|要|帮我)(?:{COMPLAINT_VERBS})(?![的过了])|"
                                  rf"^\W*(?:{COMPLAINT_VERBS})(?![的过了])|^\W*我?有(?:个|一个|件)(?:投诉|事情?要?反映)|"
                                  rf"[，,。]\s*(?:投诉|举报)(?![的过了])")),   # "我是欧阳建华，投诉青龙场那边的工地…"
    ("book_appointment", re.compile(rf"{_NOT}(?:我要|我想|想|要|帮我|给我)(?:预约|约(?![定好的束会])|挂个?号|取个?号|排个?号)"
                                    r"(?![的过了])")),
    ("bind_identity", re.compile(rf"{_NOT}(?:我要|我想|想|要|帮我)(?:实名|认证|绑定)(?![的过了])|^\W*(?:实名|绑定)|"
                                 r"绑(?:个|一下|一哈)?身份")),
    ("book_appointment", re.compile(r"^\W*(?:预约|约)(?![定好的束会])")),
    ("request_human", re.compile(r"^\W*(?:转人工|人工客服|找人工)|"
                                 r"(?:我要|我想|想|要|帮我)(?:找|转)(?:个|一下)?(?:工作人员|人工|真人|客服)(?![^，,。]{0,3}"
                                 r"(?:来|去|上门|处理|看|管))")),   # (not "找个工作人员来处理一下": a complaint)
)
# A message that turns a request down anywhere in it is no stated request ("医保报销进度查一下，不是要投诉").
_TURNS_DOWN = re.compile(rf"(?:不是|不想|不要|不用|不需要|没有?)(?:要|想|来)?(?:{COMPLAINT_VERBS}|预约|约|实名|认证|绑定)")
# A citizen introducing themself with their ID number ("我叫黄磊 身份证号 5101…"): binding, when no
# service is asked for (with one, the identity gate binds first anyway).
_INTRODUCES = re.compile(r"我叫|我的名字是|名字是|我是|姓名")


def _stated_request(text: str) -> str | None:
    if _ASKS.search(text) or _TURNS_DOWN.search(text):
        return None
    named = {intent for intent, pattern in _STATED if pattern.search(text)}
    if not named and _INTRODUCES.search(text) and ID_LIKE.search(text):
        named = {"bind_identity"}
    return named.pop() if len(named) == 1 else None


# A citizen asking to be called back ("麻烦回个电话", "给我打个电话嘛", "打我手机"; not "不用回电", "一直没人回电话"):
# a call-back request (request_human) when the NLU read no request, whatever personal details come
# with it ("我姓何 电话138… 麻烦回个电话": the phone is the call-back's).
_CALL_ME = re.compile(r"(?<!不)(?<!别)(?<!没)(?<!人)(?<!不用)(?<!不要)(?<!不必)"
                      r"(?:回(?:个|一个)?电话|回电|(?:给我|跟我)打(?:个|一个)?电话|打(?:个|一个)?电话(?:给我|过来)|"
                      r"打我(?:的)?(?:电话|手机)|(?:打电话|电话)联系我)")


def _asks_to_be_called(text: str) -> bool:
    return bool(_CALL_ME.search(text)) and not _TURNS_DOWN.search(text)


def _corrects_with_a_value(text: str) -> bool:
    """A correction that says what instead (some piece kept that is no cancel word): the form takes
    it. "不对" alone, "不是，我不办了" say no value: they may cancel."""
    return corrects(text) and any(not says_cancel(piece) and not FILLER.fullmatch(piece)
                                  for piece, refused in pieces(text) if not refused)




def _asks_for_another_service(text: str, open_intent: str) -> bool:
    return any(pattern.search(text) for intent, pattern in _SERVICE_WORDS if intent != open_intent)


COMPLAINT_INTENT = "file_complaint"
BOOKING_INTENT = "book_appointment"
RATING_INTENT = "rate_service"
# A no to the rating's call-back phone, then a comment ("不用了，反正也没人管"): the phone declined, the
# comment kept (handlers/ratings.py reads it), never the rating cancelled.
# (the NLU's text may have lost the space: "不要了你们看着办")
_DECLINE_THEN_COMMENT = re.compile(r"^(?:不用了|不要了|不需要了?)[\s，,。！!；;~～…]*(?![吧嘛哈哦啊呀哟。！!\s]*$)\S")
_STOPS_THIS_BOOKING = re.compile(r"(?:取消|不要|撤销|不)(?:这个|这次)?(?:预约|约)了?(?:吧|嘛|哈)?")
# A booking's citizen asking about the hall on the way (where it is, parking, hours).
_ABOUT_THE_HALL = re.compile(r"在哪|哪里|哪儿|位置|地址|停车|好停|几点|开门|关门|上班|下班|怎么走|咋个走|远不远")
# The steps where a form shows what it will do and waits for a yes or a no.
CONFIRM_STEPS = frozenset({"confirm", "cancel_confirm", "confirm_unbind"})
# ... and where a yes is an answer too ("就这样 确认预约" where a booking offers its times: the earliest).
YES_STEPS = CONFIRM_STEPS | {"slot"}

# A question, not an answer: what makes a message in a free-text slot a new request.
_ASKS = re.compile(r"[吗？?]|什么|哪|怎么|多久|好久|几点|多少|咋|啥|如何|能不能|可不可以|是不是|要不要|有没有")

# Requests a question said to be one ("先不管那个 …", "先问个事 …") never is: it is answered by a service
# or said unanswerable, never turned into a complaint, a booking, a binding or a rating.
NEVER_A_QUESTIONS_ANSWER = frozenset({COMPLAINT_INTENT, BOOKING_INTENT, "bind_identity", "rate_service"})
# A question about cancelling asked in a form ("能取消不？") that its handler does not answer itself.
CANCEL_ANYTIME = "可以的，办理过程中随时回复“取消”就能结束，已填的内容不会提交。"
# A question in the middle of a form that no service answers: said so, and the question asked again.
UNANSWERED_QUESTION = "这个问题我暂时回答不了，我们先把这件事办完："
# A yes ("确认", "对的") where the form still asks a value: there is no card to confirm yet.
NOTHING_TO_CONFIRM_YET = "还没到确认这一步，还有内容没填。填好后我会把内容给您核对，再请您确认："
NOT_OWN_ID = ("为保护个人信息，只能查询您本人（已实名绑定）的业务，不能查询他人的身份证号。"
              "如需办理他人的事项，请本人查询或携带委托材料到窗口办理。")


# A stall where a value is asked: the citizen goes to look ("等一哈 我看下门牌", "稍等", "我找下").
_STALL = re.compile(r"(?:[嗯哦好的]*[，,\s]*)?(?:(?:请|你)?(?:等一?(?:下|哈|会儿?|等)|稍等(?:一?下|一会儿?)?|"
                    r"我?(?:找|看|查|翻|问)一?(?:下|哈)(?:门牌|地址|门牌号|位置|时间|日子)?|马上|我想一?(?:下|哈)|"
                    r"让我想想|我想想)(?:哈|嘛|哦|啊|呀|哈)?[，,。.!！~～\s]*)+")
# ... or puts the answer off till later ("等我下去拍个照片再说", "我先去看看", "稍等我问下我老公",
# "我问下物业再回复你"): the citizen goes to do something first; what they do is no value.
# Read clause by clause, each clause whole against bounded patterns (no repeated group of optional
# parts: such a pattern backtracks for minutes on "我看看吧我看看吧…"). What they go to do names no
# problem: "我问一下物业就被骂了", "窗口叫我明天再来" are descriptions, not stalls.
_LATER_CLAUSE = re.compile(
    r"(?:请|你)?(?:稍等|等)(?:一?(?:下|哈|会儿?)|等)?"
    r"|等我一?(?:下|哈|会儿?)"
    r"|再(?:说|讲|回复你?|回你|告诉你|跟你说|发给?你)"
    r"|(?:稍等|等一?(?:下|哈))?(?:等我|我|先|我先)(?:一?(?:下|哈|会儿?)|先|马上|这就)?"
    r"(?:去|下去|出去|回去|过去|上去|下楼|上楼)?"
    r"(?:看看|看一?(?:下|哈)|问问|问一?(?:下|哈)|找找|找一?(?:下|哈)|查查|查一?(?:下|哈)|翻一?(?:下|哈)|"
    r"确认一?(?:下|哈)|拍一?(?:下|张|个)照?片?)"
    r"(?:门牌号?|地址|位置|时间|日子|照片|小票|发票|单子|我老公|我老婆|我爱人|家里人|屋头的?人?|物业|邻居|楼下|现场|"
    r"是?(?:几|哪)(?:号楼|栋|单元|楼|层|号|个门|条路?|家))?"
    r"(?:再说|再讲|再回复你?|再回你|再告诉你|再跟你说|再发给?你)?")
_LATER_FILLER = re.compile(r"^(?:[嗯哦哎呀啊]|好的?)+|(?:[吧嘛哈哦啊呀]|先)+$")


def puts_off(words: str) -> bool:
    """Does every clause of the message put the answer off till later (a stall, not a value)?"""
    if len(words) > 40:
        return False
    # (a clause that is only an acknowledgement, "好的，我去看一下", says nothing either way)
    clauses = [c for c in (_LATER_FILLER.sub("", c) for c in re.split(r"[，,。.!！~～\s]+", words)) if c]
    return bool(clauses) and all(_LATER_CLAUSE.fullmatch(c) for c in clauses)


# A question on the way to another service ("对了 顺便问下…", "还有好多": Sichuanese "how much").
_ASKS_ON_THE_WAY = re.compile(r"顺便问|顺带问|另外问|我想问一?下|还有好多|还剩好多|有好多钱")
# A message that opens by saying a question comes, set beside the form ("先不管那个 营业执照拿到了要去刻章不",
# "先问个事 …", "对了 问你个事"): whatever follows is that question, never the form's value.
_OPENS_A_QUESTION = re.compile(r"^[\W嗯哦诶欸哎]*(?:对了|那个|另外|还有)?[\W]*(?:先不管(?:那个|这个|这些|那些|这事|那事)|"
                               r"先不说(?:那个|这个|这些|那些|这事|那事)|我?先问(?:一?(?:下|哈)|个事|一个事|你个事|个问题|一个问题)|"
                               r"(?:我)?(?:想)?问(?:你|您)?(?:个|一个)(?:事|问题)|插一?句|打断一?下)")
# A question about the request itself (how long, any reply): the handler may answer it.
_ABOUT_THE_REQUEST = re.compile(r"多久|好久|多长时间|几天|什么时候|啥时候|有人(?:回复|管|处理|理)|回复|处理")

# ... asked in a description (the what): a short question of how long or whether anyone answers, not
# a grievance told ("投诉了好久都没人处理").
_ASKS_ABOUT_HANDLING = re.compile(r"(?:多久|好久|几天|多长时间|什么时候|啥时候).{0,4}(?:处理|回复|有人|解决|回)|"
                                  r"有人(?:回复|管|处理|理)(?:[哦吗嘛没不]|$)|要多久")
_NOBODY = re.compile(r"没人|没有人|不管|不处理|不理")

# "No phone" said where a phone is asked (算了不留, 不留嘛): with 算了 beside it, still no cancel.
_NO_PHONE = re.compile(r"不留|不用留|不想留|不方便留|不给了?$")


@dataclass
class Message:
    """What the citizen's message means for this turn."""
    text: str
    intent: str | None = None
    entities: dict[str, str] = field(default_factory=dict)
    parse: Parse | None = None
    answer: bool = False       # a choice picked while a form is open: always an answer
    deliberate: bool = False   # a choice, a command word or the channel chose the intent
    said: str | None = None    # the citizen's words as written (spaces kept: "实名认证 张卫"), for shapes
    offered: list = field(default_factory=list)   # the choices the bot's last reply offered (label, reply)

    @property
    def words(self) -> str:
        return self.said if self.said is not None else self.text


class Dispatcher:
    def __init__(self, *, nlu: NluClient, sessions: SessionStore, lock: UserLock, identity: IdentityStore,
                 handlers: dict[str, Handler], services: Services, clarify_below: float,
                 error_replies: ErrorReplies, menu: MainMenu, page_size: int = 8,
                 keep_not_understood: Callable[..., None] | None = None,
                 count_turn: Callable[..., None] | None = None):
        self.nlu = nlu
        # keep(text=, channel=, kind=, intents=): every fallback and out-of-scope message goes
        # there (bot.records.KeptMessages, which masks it) for people to label.
        self.keep_not_understood = keep_not_understood
        # count(channel=, intent=, fallback=, seconds=): the dashboard's daily figures (TurnStats).
        self.count_turn = count_turn
        self.sessions = sessions
        self.lock = lock
        self.identity = identity
        self.handlers = handlers
        self.services = services
        self.clarify_below = clarify_below
        self.errors = error_replies
        self.menu = menu
        self.page_size = page_size
        self.prefix_owner = {p: h.intent for h in handlers.values() for p in h.owns_prefixes}
        self.commands = _commands(handlers.values())
        # The kinds of intent, as the handlers declare them (Handler.answers_the_bot, ...).
        self.answer_intents = frozenset(i for i, h in handlers.items() if h.answers_the_bot)
        self.small_talk = frozenset(i for i, h in handlers.items() if h.small_talk)
        self.steady = frozenset(i for i, h in handlers.items() if not h.ends_forms)   # never end an open form
        gates = [h for h in handlers.values() if h.identity_gate]
        if len(gates) > 1:
            raise ValueError(f"two identity gates: {', '.join(h.intent for h in gates)}")
        self.gate = gates[0] if gates else None
        self.rater = next((h for h in handlers.values() if h.takes_ratings), None)
        # handlers that may claim a message whatever the NLU read (Handler.claims), asked in this order
        self.claimers = [h for h in handlers.values() if type(h).claims is not Handler.claims]

    # -- public ---------------------------------------------------------------------------
    @property
    def intents(self) -> frozenset[str]:
        """The intents it serves (a channel may start one directly, e.g. from a menu click)."""
        return frozenset(self.handlers)

    def handle(self, incoming: Incoming) -> list[Reply]:
        started = time.perf_counter()
        outcome, intent = "ok", "-"
        try:
            with self.lock.hold(incoming.user_key), access.reading_as(BOT_READER):
                try:
                    replies, intent = self._turn(incoming)
                    return [mask_reply(r) for r in replies]
                except Exception:  # the error hook: the citizen always gets an answer
                    outcome = "error"
                    log.exception("turn failed (channel=%s)", incoming.channel)
                    # Whatever step failed would fail again on the next message: start afresh.
                    self._drop_form(incoming.user_key)
                    return [Text("抱歉，系统出了点问题，您的消息没有处理成功，刚才的办理步骤已结束。"
                                 "请稍后重新开始，或回复“人工”联系工作人员。")]
        except UserBusy:
            outcome = "busy"
            return [Text("您的上一条消息还在处理中，请稍等几秒再发。")]
        except Exception:  # the lock itself failed (Redis): nothing was read or changed
            outcome = "error"
            log.exception("turn failed (channel=%s)", incoming.channel)
            return [Text("抱歉，系统出了点问题，您的消息没有处理成功。请稍后再试，或回复“人工”联系工作人员。")]
        finally:
            seconds = time.perf_counter() - started
            metrics.TURNS.labels(incoming.channel, self._label(intent), outcome).inc()
            metrics.TURN_SECONDS.observe(seconds)
            if self.count_turn is not None:
                try:
                    self.count_turn(channel=incoming.channel, intent=self._label(intent),
                                    fallback=intent in (FALLBACK_INTENT, "unknown"), seconds=seconds)
                except Exception:   # Redis trouble: the figures miss a turn, the citizen misses nothing
                    log.warning("could not count the turn", exc_info=True)

    def _label(self, intent: str | None) -> str:
        """A metric label: only intents we serve (a typed "/anything" must not grow the metrics)."""
        return intent if intent in self.handlers or intent in TURN_LABELS else "unknown"

    def _drop_form(self, user_key: str) -> None:
        """After an unexpected error: forget the open form (best effort, the error is logged already)."""
        try:
            session = self.sessions.load(user_key)
            session.form = None
            session.pending_after_binding = None
            session.choices = []
            self.sessions.save(user_key, session)
        except Exception:
            log.warning("could not clear the session after an error", exc_info=True)

    def hand_back(self, ticket: str) -> bool:
        """An agent ends a human conversation (the agents' API; an operators' console the same
        way): under the citizen's lock, as a turn would, the session records the human service as
        served and its rating prompt as asked, and the citizen gets the closing words with the
        prompt. False when there is no such ticket."""
        desk = self.services.handoff
        doc = desk.ticket(ticket)
        if doc is None:
            return False
        user_key = doc["user_key"]
        replies: list[Reply] = [Text("工作人员已结束本次人工服务，智能助手继续为您服务。")]
        if self.rater is not None:
            replies.append(self.rater.ask("人工服务已结束，请为本次服务评价（回复编号）："))
        with self.lock.hold(user_key):
            session = self.sessions.load(user_key)
            session.last_served = {**SERVED_BY_PEOPLE, "at": CLOCK.time(), "prompted": True}
            self._remember_choices(replies, session)
            self.sessions.save(user_key, session)
            desk.close_by_agent(ticket, replies)
        return True

    def forget_user(self, user_key: str) -> None:
        """Delete everything we hold about a channel user (WeChat unsubscribe)."""
        self.sessions.delete(user_key)
        self.services.unbind(user_key)
        self.services.forget_user(user_key)

    # -- one turn -------------------------------------------------------------------------
    def _turn(self, incoming: Incoming) -> tuple[list[Reply], str]:
        reads = self._prefetch(incoming.user_key)
        replies, intent = self._answer(incoming, reads)
        # Messages no channel could push (an agent's reply) come first. Drained only once the turn
        # succeeded: a failed turn leaves them waiting.
        waiting = []
        if reads.get(OUTBOX_LEN, 1):
            waiting = self.services.outbox.drain(incoming.user_key)
        return waiting + replies, intent

    def _prefetch(self, user_key: str) -> dict:
        """Everything a turn reads before it knows what to do — session, handoff state,
        binding, waiting messages — in one Redis round trip instead of six."""
        keys = [k for store in (self.sessions, self.services.handoff, self.identity) for k in store.read_keys(user_key)]
        pipe = self.sessions.hub.text.pipeline(transaction=False)
        for k in keys:
            pipe.get(k)
        pipe.llen(self.services.outbox.length_key(user_key))
        values = pipe.execute()
        reads = dict(zip(keys, values))
        reads[OUTBOX_LEN] = values[-1]
        return reads

    def _answer(self, incoming: Incoming, reads: Mapping[str, str | None]) -> tuple[list[Reply], str]:
        """The turn's replies. `reads` are its prefetched Redis values (_prefetch): each store
        takes what it needs from them instead of asking Redis again."""
        key = incoming.user_key
        session = self.sessions.load(key, reads)
        pre: list[Reply] = []
        incoming, cut = _cap_text(incoming)
        if cut:
            pre.append(Text(f"您的消息较长，我只读了前 {MAX_TEXT_CHARS} 个字。"))
        if session.expired:
            pre.append(Text("之前的办理步骤已超时，已为您清除，我们重新开始吧。"))

        quiet = self._handoff(incoming, session, reads, pre)
        if quiet is not None:
            return quiet, "handoff"

        offered = list(session.choices or [])
        msg = self._understand(incoming, session)
        if isinstance(msg, list):           # NLU down or nothing to read: a menu instead
            self.sessions.save(key, session)
            return pre + msg, "-"
        msg.offered = offered
        binding = session.form is not None and self.gate is not None and session.form.intent == self.gate.intent
        # Names, ID numbers and codes given while binding never go into the history
        # (it travels with complaints and handoffs).
        session.remember("citizen", "[身份核验信息]" if binding else mask_text(incoming.text or f"[{incoming.kind}]"))
        replies, intent = self._route(incoming, session, msg, reads)
        self._keep_if_not_understood(incoming, msg, intent)
        replies = self._page(replies, session)
        for r in replies:
            session.remember("bot", mask_text(to_plain_text(r)))
        self.sessions.save(key, session)
        return pre + replies, intent

    def _route(self, incoming: Incoming, session: Session, msg: Message,
               reads: Mapping[str, str | None]) -> tuple[list[Reply], str]:
        citizen = self.identity.get(incoming.user_key, reads)
        form = session.form
        intent = msg.intent

        if asks_for_more(msg.text) and session.more and not msg.deliberate:
            return self._more(session), "more"

        if form and not msg.answer and (asks_about_the_step(msg.words) or (
                form.step == "slots" and asks_what_it_is_for(msg.words))):
            # "留电话干啥子？" where the form asks for a phone: what it is for and that it may be left
            # out, the form kept as it is (never a request for a person, never the phone's answer)
            handler = self.handlers.get(form.intent)
            explained = handler.explains(self._turn_for(form, session, citizen, incoming, msg)) if handler else None
            if explained:
                return [Text(explained)], form.intent

        card = form is not None and self._answers_the_card(msg, form)
        if form and not card and self._cancels(msg, form, lambda: self._turn_for(form, session, citizen, incoming, msg)):
            session.form = None
            session.parked = None
            session.pending_after_binding = None
            return [Text("好的，已取消。还有什么可以帮您？")], "cancel"

        if form and not card and not msg.answer and asks_about_cancelling(msg.words or msg.text):
            # "如果约了到时候去不成，能取消不？": answered (the handler's own answer, else that the form
            # ends on “取消”), nothing cancelled, the form goes on where it was
            handler = self.handlers.get(form.intent)
            answer = (handler.answers_on_the_way(msg.words or msg.text) if handler else None) or CANCEL_ANYTIME
            slot = self._asked_slot(form)
            if slot is not None:
                return [Text(f"{answer}{slot.prompt}（回复“取消”结束）")], form.intent
            return [Text(answer)] + self._continue(form, session, citizen, incoming, msg), form.intent

        if (form and not card and not msg.answer and msg.intent == "deny" and form.step == "slots"
                and self._asked_slot(form) is not None and asks_a_question(msg.words or msg.text)
                # (where what happened is asked, a question is the description: "凭什么不给退？")
                and self._asked_slot(form).restated is None
                and not self._gives_a_value(msg, form, lambda: self._turn_for(form, session, citizen, incoming, msg))):
            # "要钱不" while binding (a no to the NLU): a question no service answers, the form kept
            return [Text(f"{UNANSWERED_QUESTION}{self._asked_slot(form).prompt}（回复“取消”结束）")], form.intent

        if card:   # "确认 辛苦你们了", "算了算了 就这样交上去嘛", "还是不提交了": the card's answer
            return self._continue(form, session, citizen, incoming, msg), form.intent

        if form and not msg.answer and intent in self.small_talk and self._is_small_talk(msg, form) and not (
                form.step != "slots" and self._gives_a_value(msg, form, lambda: self._turn_for(
                    form, session, citizen, incoming, msg))):
            # (not "上午也不得行哦 下午哈", a greeting to the NLU, where a booking offers its times)
            return self._run_simple(intent, session, citizen, incoming, msg), intent

        if form and not msg.answer and BOT_CHALLENGE in self.handlers and asks_the_bot(msg.words):
            # "等一下 你是真人在回还是机器人哦" where a place was asked: answered, never a value
            return self._run_simple(BOT_CHALLENGE, session, citizen, incoming, msg), BOT_CHALLENGE

        if form and not msg.answer and not msg.deliberate:
            aside = self._no_answer(form, msg)
            if aside is not None:
                return aside, form.intent

        if form and not msg.answer and self._asks_instead(msg, form):
            slot = self._asked_slot(form)
            if slot is not None:
                return [Text(f"{UNANSWERED_QUESTION}{slot.prompt}（回复“取消”结束）")], form.intent
            # a form of steps of its own (a booking): what it holds kept, its step's choices still open
            session.choices = msg.offered
            handler = self.handlers.get(form.intent)
            label = re.sub(r"（.*?）", "", handler.label) if handler and handler.label else "办理"
            ask = f"请回复上面的编号继续{label}" if msg.offered else f"请回答上面的问题继续{label}"
            return [Text(f"{UNANSWERED_QUESTION}{ask}（回复“取消”结束）")], form.intent

        if form and not self._interrupts(msg, form, lambda: self._turn_for(form, session, citizen, incoming, msg)):
            return self._continue(form, session, citizen, incoming, msg), form.intent

        # An application number names its backend: CJ… is an endorsement whatever the words around it.
        owner = None if msg.deliberate else self._prefix_owner(msg)
        follow_up = self._follow_up(msg, session)
        if owner:
            intent = msg.intent = owner
        elif follow_up:
            intent = msg.intent = follow_up
        elif stated := self._stated(msg, session):
            intent = msg.intent = stated
        elif msg.parse is not None and not msg.deliberate and (intent == FALLBACK_INTENT or self._low(msg)):
            return self._clarify(msg.parse, session, msg.entities), FALLBACK_INTENT

        handler = self.handlers.get(intent)
        if handler is None:
            return self._not_understood(session), "unknown"
        if form is not None:
            return self._aside(form, handler, session, citizen, incoming, msg), intent
        session.pending_after_binding = None
        return self._start(handler, session, citizen, incoming, msg), intent

    def _aside(self, form: Form, handler: Handler, session: Session, citizen, incoming: Incoming,
               msg: Message) -> list[Reply]:
        """A new request in the middle of a form: answered, and the form offered back (at once when
        the answer took one turn, else when the new request's own form ends) while the session lives."""
        if (citizen is None and self.gate is not None and form.intent == self.gate.intent
                and handler.needs_identity_for(msg.entities, msg.text)):
            # A personal question while binding: it waits for the binding instead of restarting it.
            session.pending_after_binding = {"intent": handler.intent, "text": ID_LIKE.sub("", msg.text),
                                             "entities": {k: v for k, v in msg.entities.items() if k != "id_number"}}
            return [Text(f"完成实名认证后马上为您办理“{handler.label or handler.intent}”。")] + self._offer_back(form)
        pending = session.pending_after_binding
        session.form = None
        session.pending_after_binding = None
        if handler.takes_over:
            return self._start(handler, session, citizen, incoming, msg)
        replies = self._start(handler, session, citizen, incoming, msg)
        if session.form is None:
            session.form, session.pending_after_binding = form, pending
            return replies + self._offer_back(form)
        session.parked = form
        return replies

    def _offer_back(self, form: Form) -> list[Reply]:
        handler = self.handlers.get(form.intent)
        label = re.sub(r"（.*?）", "", handler.label) if handler and handler.label else "办理"
        slot = self._asked_slot(form)
        ask = slot.prompt if slot is not None else "请回答上面的问题"
        return [Text(f"继续刚才的{label}吗？{ask}（回复“取消”结束）")]

    # -- understanding a message ----------------------------------------------------------
    def _understand(self, incoming: Incoming, session: Session) -> Message | list[Reply]:
        text = (incoming.text or "").strip()
        picked = self._picked_choice(text, session)
        session.choices = []
        if picked is not None:
            direct = _DIRECT.match(picked)
            if direct:
                return Message(text, direct.group(1), _direct_entities(direct.group(2)), deliberate=True)
            if session.form:
                return Message(picked, answer=True, deliberate=True)
            text = picked
        direct = _DIRECT.match(text)
        if direct:
            return Message(text, direct.group(1), _direct_entities(direct.group(2)), deliberate=True)
        command = self.commands.get(re.sub(r"[\s。！!，,？?~]+", "", text))
        if command:
            return Message(text, command[0], dict(command[1]), deliberate=True)
        if incoming.intent:
            return Message(text, incoming.intent, dict(incoming.entities), deliberate=True)
        if not text:
            return [self._menu(session, "我只能看懂文字消息，请把您要办的事用文字告诉我。")]
        try:
            parse = self._read_contrast(text, self.nlu.parse(text))
        except NluUnavailable as e:
            log.warning("NLU unavailable: %s", e)
            if session.form:
                # Filling a form (name, ID number, code, phone, a description) needs no NLU.
                return Message(normalise(text), said=text)
            number = APPLICATION_NO.search(normalise(text).upper())
            if number and number.group(1) in self.prefix_owner:
                # An application number names its backend (CJ… an endorsement, GD… a work order):
                # that question is answered without NLU too.
                return Message(normalise(text), self.prefix_owner[number.group(1)],
                               {"application_no": number.group(0)}, said=text)
            # Without NLU a numbered menu still works: its replies are direct intents.
            return [self._menu(session, "智能问答暂时不可用，请回复数字选择要办的事：")]
        return Message(parse.text, parse.intent, {**parse.entity_values(), **incoming.entities}, parse, said=text)

    def _read_contrast(self, text: str, parse: Parse) -> Parse:
        """"不是要投诉，我就是问一下社保怎么查": the clause after the turned-down one decides the
        intent (bot.nlu.contrast); the entities stay those of the whole message."""
        read: dict[str, Parse] = {}

        def intent_of(clause: str) -> tuple[str, float]:
            read[clause] = self.nlu.parse(clause)
            return read[clause].intent, read[clause].confidence

        clause = contrast.reading(text, parse.intent, intent_of, self.clarify_below, parse.confidence)
        return parse if clause is None else parse.with_intent_of(read[clause])

    def _follow_up(self, msg: Message, session: Session) -> str | None:
        """The request just served, when this message only refines it ("还没办完的" after the ledger)."""
        served = session.last_served
        if msg.deliberate or not served or CLOCK.time() - served.get("at", 0) > FOLLOW_UP_S:
            return None
        handler = self.handlers.get(served.get("intent"))
        return handler.intent if handler is not None and handler.follows_up(msg.text, CLOCK.today()) else None

    def _stated(self, msg: Message, session: Session) -> str | None:
        """The service the message asks for in so many words (_STATED), when the NLU read another
        or nothing sure; binding only then (a query that needs identity binds first anyway). And a
        rating the rating handler claims (a rating corrected: "刚才点错了 应该是五星")."""
        if msg.deliberate or msg.parse is None:
            return None
        read = self.handlers.get(msg.intent)
        # unsure: the NLU read nothing sure, or no request at all (an answer, small talk)
        unsure = msg.intent == FALLBACK_INTENT or self._low(msg) or read is None or not read.purpose
        for handler in self.claimers:
            if handler.intent != msg.intent and handler.claims(msg.words, session, msg.intent, unsure):
                return handler.intent
        stated = _stated_request(msg.words)
        if stated is None and unsure and "request_human" in self.handlers and _asks_to_be_called(msg.words):
            return "request_human"   # "我姓何 电话138… 麻烦回个电话" (begin() takes the phone it gives)
        if stated is None or stated == msg.intent or stated not in self.handlers:
            return None
        return stated if unsure or stated != "bind_identity" else None

    def _low(self, msg: Message) -> bool:
        return msg.parse is not None and msg.parse.confidence < self.clarify_below

    def _prefix_owner(self, msg: Message) -> str | None:
        number = msg.entities.get("application_no") or ""
        m = APPLICATION_NO.search(number.upper()) or APPLICATION_NO.search(msg.text.upper())
        return self.prefix_owner.get(m.group(1)) if m else None

    # -- forms ----------------------------------------------------------------------------
    def _asked_slot(self, form: Form) -> Slot | None:
        return forms.asked_slot(self.handlers.get(form.intent), form)

    def _cancels(self, msg: Message, form: Form, turn: Callable[[], Turn]) -> bool:
        text = msg.text.strip().lower().rstrip("。!！")
        if msg.answer:
            return False   # a choice the form offered ("保留", "取消") is the form's to read
        if form.intent == BOOKING_INTENT and form.step not in ("cancel_pick", "cancel_confirm") \
                and _STOPS_THIS_BOOKING.fullmatch(text):
            return True   # "取消预约" while a booking is being made: this one
        slot = self._asked_slot(form)
        if slot and any(w in text for w in slot.skip_words):
            return False   # "不留" answers "留个电话吗", it does not cancel the complaint
        handler = self.handlers.get(form.intent)
        if form.intent == RATING_INTENT and self._awaits_a_phone(form) and not ends_the_form(text) \
                and _DECLINE_THEN_COMMENT.search((msg.words or text).strip()):
            return False
        if self._awaits_a_phone(form) and (TAKEN_BACK.search(text) or _NO_PHONE.search(text)) \
                and not ends_the_form(text):
            # "算了不留", "算了 不用留了" where a phone is asked: no phone, the rest of it kept
            return False
        keeps_a_phone = handler is not None and any("留" in w for s in handler.slots for w in s.skip_words)
        if keeps_a_phone and (TAKEN_BACK.search(text) or any(
                "留" in w and w in text for s in handler.slots for w in s.skip_words)) \
                and not ends_the_form(text):   # ("算了 不投诉了 电话也不想留了" cancels)
            # "电话不留了哈 算了" at the confirmation takes the phone back, not the complaint; and
            # "不用留电话" where the time was asked skips the phone
            return False
        if _corrects_with_a_value(msg.words or msg.text) and self._gives_a_value(msg, form, turn):
            return False   # "营业执照不办了，改成公积金提取", "地址说错了 应该是荷花池": a correction
        # (the words as written too: NLU's text has lost the pause after "算了不弄了 短信发到…")
        if (says_cancel(text) or says_cancel(msg.words)) and not ("还是" in text and self._gives_a_value(msg, form, turn)):
            return True   # (not "算了还是上午嘛", "那还是成华区算了": a choice)
        # "不对" alone cancels; "不对，名字是李芳" is a correction, whatever the NLU calls it; "等一哈
        # 不是不弄 我去拿身份证" takes a no back; "绑定了有啥子用哦 安全不" asks (its 不 is the question's).
        if turns_a_cancel_down(msg.words or text) or asks_about_cancelling(msg.words or text):
            return False   # "别取消 我再看一眼", "如果约了到时候去不成，能取消不？": no cancel (a no to the NLU)
        return msg.intent == "deny" and form.step == "slots" and not no_taken_back(text) and not asks_a_question(
            msg.words or msg.text) and not forms.carries_a_value(
            self.handlers.get(form.intent), msg.entities, msg.words or msg.text)

    @staticmethod
    def _answers_the_card(msg: Message, form: Form) -> bool:
        """A yes or a no in a sentence where the form shows its card and asks to confirm."""
        if msg.answer or msg.deliberate or _ASKS.search(msg.text):   # "确认提交后多久有人处理？" asks first
            return False
        said = says_yes_or_no(msg.words or msg.text)
        return (form.step in CONFIRM_STEPS and said is not None) or (form.step in YES_STEPS and said is True)

    def _gives_a_value(self, msg: Message, form: Form, turn: Callable[[], Turn]) -> bool:
        """Does the message carry a value of the open form (its slots' shapes, or its own readers)?"""
        handler = self.handlers.get(form.intent)
        if handler is None:
            return False
        words = msg.words or msg.text
        return (forms.carries_a_value(handler, msg.entities, words) or forms.fixes_a_held_value(form, words)
                or bool(handler.values_in(turn())))

    def _awaits_a_phone(self, form: Form) -> bool:
        """Is the form at a step (or asking a slot) where it waits for a phone (Handler.phone_steps)?"""
        handler = self.handlers.get(form.intent)
        if handler is None:
            return False
        return (form.asking or form.step) in handler.phone_steps

    def _free_text_asked(self, form: Form) -> bool:
        """Is the form waiting for words of the citizen's own (a free-text slot or step)?"""
        slot = self._asked_slot(form)
        if slot is not None:
            return slot.free_text
        handler = self.handlers.get(form.intent)
        return handler is not None and form.step in handler.free_text_steps

    def _asks_instead(self, msg: Message, form: Form) -> bool:
        """A question no service answers ("你们几点下班？", "今天能处理吗") where the form asked for
        a value with words of its own (a place, a time, a name): no answer to it, and no new
        request either. A description may well be a question ("凭什么乱收费？"): not these."""
        slot = self._asked_slot(form)
        words = msg.words or msg.text
        if _OPENS_A_QUESTION.search(words) and (slot is None or not slot.free_text):
            # "先不管那个，你们那个大厅有停车场没得" in a booking (or where a choice or a number is asked):
            # never a request to complain, book, bind or rate, whatever the model hears in it; a service
            # it is sure of answers it (_interrupts), else it is said unanswerable
            return msg.intent in (OUT_OF_SCOPE, FALLBACK_INTENT, None) or msg.intent in self.answer_intents \
                or self._low(msg) or (msg.intent in NEVER_A_QUESTIONS_ANSWER and msg.intent != form.intent
                                      and not _asks_for_another_service(words, form.intent))
            # (the form's own intent goes to the form: "先问一下 下周三上午还有号没" in a booking gives its day)
        if slot is None or not slot.free_text:
            return False
        if _OPENS_A_QUESTION.search(msg.words or msg.text):
            # "先问个事 社保卡丢了咋办" where the form asked what happened: no description, whatever the
            # model reads (an answer, nothing sure); a service it is sure of answers it (_interrupts)
            # (the form's own intent included: "先问个事 投诉了多久有人管" is no description either)
            return msg.intent in (OUT_OF_SCOPE, FALLBACK_INTENT, None, form.intent) or msg.intent in self.answer_intents \
                or msg.intent not in self.handlers or self._low(msg) or (
                    msg.intent in NEVER_A_QUESTIONS_ANSWER and not _asks_for_another_service(words, form.intent))
        if slot.recognise is None or not _ASKS.search(msg.text):
            return False
        if msg.intent not in (OUT_OF_SCOPE, FALLBACK_INTENT) and not self._low(msg):
            return False
        return not forms.carries_a_value(self.handlers.get(form.intent), msg.entities, msg.words)

    def _no_answer(self, form: Form, msg: Message) -> list[Reply] | None:
        """A message that is no answer where a free-text slot is asked: a stall ("等一哈 我看下门牌"),
        a question about the request ("投诉了好久有人回复哦", "要多久才处理？": the handler answers it),
        a phone alone ("你直接打我电话嘛 139…": the form's phone slot takes it). Replied to, nothing
        else kept, the question asked again; never a count towards giving up. None: the message is an
        answer, or a request of another service (the form offers itself back after it)."""
        slot = self._asked_slot(form)
        handler = self.handlers.get(form.intent)
        if slot is not None and handler is not None and form.step == "slots" and not slot.free_text:
            # "先问一下 投诉要多久才处理？" where a phone or a code is asked: the handler answers it, whatever
            # service the model hears in it (a guide's menu is no answer)
            said = (msg.words or msg.text).strip()
            if _OPENS_A_QUESTION.search(said) and _ASKS.search(said) and _ABOUT_THE_REQUEST.search(said) \
                    and not forms.slot_values_in(handler, said):
                answer = handler.answers_on_the_way(said)
                if answer:
                    return [Text(f"{answer}。我们先把这件事办完：{slot.prompt}（回复“取消”结束）")]
        if slot is None or not slot.free_text or handler is None or form.step != "slots":
            return None
        words = (msg.words or msg.text).strip()
        again = f"{slot.prompt}（回复“取消”结束）"
        if _STALL.fullmatch(words):
            return [Text(f"好的，不着急，您看好了直接回复我。{again}")]
        values = forms.slot_values_in(handler, words)
        if slot.name in values:
            return None
        if puts_off(words) and not values and not _ASKS.search(words):
            return [Text(f"好的，不着急，您弄好了直接回复我。{again}")]
        phones = {k: v for k, v in values.items() if k in ("contact", "phone")}
        if phones and not forms.says_more_than_identifiers(words) and not _asks_for_another_service(words, form.intent):
            forms.take_values(handler, form, phones)   # the phone slot takes it; its question not asked again
            return [Text(f"电话已记下。{again}")]
        about = (_ASKS.search(words) and _ABOUT_THE_REQUEST.search(words)) if slot.recognise is not None else (
            len(words) <= 15 and _ASKS_ABOUT_HANDLING.search(words) and not _NOBODY.search(words))
        # A question opened as one about the request ("先问一下 投诉要多久才处理？") is answered here;
        # any other opened question is left to _asks_instead / _interrupts.
        opened_about = bool(about and not values and _OPENS_A_QUESTION.search(words))
        if not opened_about and (values or _ASKS_ON_THE_WAY.search(words) or _asks_for_another_service(words, form.intent)):
            return None
        if about:
            answer = handler.answers_on_the_way(words)
            if answer:
                return [Text(f"{answer}。我们先把这件事办完：{again}")]
        return None

    def _is_small_talk(self, msg: Message, form: Form) -> bool:
        slot = self._asked_slot(form)
        if slot is not None and slot.free_text and not _ASKS.search(msg.text):
            return False
        return msg.parse is None or msg.parse.confidence >= 0.8

    def _interrupts(self, msg: Message, form: Form, turn: Callable[[], Turn]) -> bool:
        """Does this message start something new rather than answer the open form? (`turn`: the
        form's turn for this message, made when the form's own readers are asked.)"""
        intent = msg.intent
        owner = None if msg.answer else self._prefix_owner(msg)
        if owner is not None and owner != form.intent and form.asking != "application_no":
            # "CJ20261101000123 办到哪了" names its backend whatever the NLU read: a new request
            return True
        if msg.answer or intent is None or intent in self.answer_intents or intent == FALLBACK_INTENT:
            return False
        if _BARE_VALUE.fullmatch(msg.text):
            return False   # a bare number or code is an answer (a verification code is no new request)
        if self._awaits_a_phone(form) and PHONE.search(msg.words) and not _asks_for_another_service(msg.text, form.intent):
            # "帮我记一下 是公积金提取被退回的事 手机188 2830 4417" where the call-back asks for a phone:
            # the phone is the answer, whatever else the message tells
            return False
        if intent in self.small_talk or intent not in self.handlers:
            return False
        if intent == form.intent:
            return bool(msg.deliberate and msg.entities.get("action"))  # e.g. "取消预约" inside a booking
        if msg.parse is None:
            return True   # a menu choice, a command word or the channel: deliberate
        if intent in self.steady:
            return False
        opened = bool(_OPENS_A_QUESTION.search(msg.words or msg.text))
        if self._free_text_asked(form) and not _ASKS.search(msg.text) and not _ASKS_ON_THE_WAY.search(msg.words or msg.text) \
                and not opened:
            # A name or a description is whatever the citizen writes: NLU's reading of it
            # ("李芳" -> out_of_scope, "公积金中心态度差" -> query_housing_fund) is no new request;
            # a question is ("顺便问下 办居住证在哪办").
            return False
        # (a question said to be one, "先不管那个 营业执照拿到了要去刻章不", needs no more than a sure service)
        if msg.parse.confidence < (self.clarify_below if opened else max(self.clarify_below, INTERRUPT_CONFIDENCE)):
            return False
        # An answer that fills the asked slot is an answer, whatever the intent says.
        if form.asking and msg.parse.entity(form.asking):
            return False
        if opened:
            return True
        # A message that asks something or asks for another service ("明天下午帮我查下公积金余额",
        # "不是预约，我要投诉…") is a new request, whatever values of the open form it holds.
        if (intent == COMPLAINT_INTENT and form.intent == "book_appointment" and _ABOUT_THE_HALL.search(msg.text)
                and not re.search(COMPLAINT_VERBS, msg.text) and not _asks_for_another_service(msg.text, form.intent)):
            # "青羊区那个政务中心在哪个位置哦 好停车不" while booking: a question on the way (the
            # model hears a grievance in 不), no complaint; the form reads what it can of it
            return False
        if _ASKS.search(msg.text) or _asks_for_another_service(msg.text, form.intent):
            return True
        handler = self.handlers.get(form.intent)
        values = handler.values_in(turn()) if handler is not None else {}
        # So the value the form waits for, or several of its values at once, read by the form's own
        # readers, is an answer ("社保卡补办 青羊区 下周一上午" read as a social-insurance query) ...
        awaited = form.asking or form.step   # a form of steps of its own waits for the value its step names
        if (awaited and awaited in values) or len(values) >= 2:
            return False
        # ... and so is a correction of the form's values ("不是医保报销 是社保卡补办", "医保" to the NLU).
        return not (values and corrects(msg.text))

    def _start(self, handler: Handler, session: Session, citizen, incoming: Incoming, msg: Message) -> list[Reply]:
        pre: list[Reply] = []
        if handler.needs_identity_for(msg.entities, msg.text):
            if citizen is not None and self._foreign_id(msg, citizen):
                log.info("refused a personal query naming another ID number (intent=%s)", handler.intent)
                return [Text(NOT_OWN_ID)]
            if citizen is None:
                if self.gate is None:
                    raise LookupError(f"{handler.intent} needs a bound citizen and no handler is the identity gate")
                binder = self.gate
                # The request waits without any identifier; the binding form takes the name and ID
                # number the message carries ("我叫王建国，身份证5101…，帮我查下公积金"): they are
                # checked against each other and an SMS code before anything is queried.
                session.pending_after_binding = {
                    "intent": handler.intent, "text": ID_LIKE.sub("", msg.text),
                    "entities": {k: v for k, v in msg.entities.items() if k != "id_number"}}
                pre.append(Text("查询个人信息前需要先核实您的身份（只需一次）。"))
                return pre + self._start(binder, session, None, incoming, Message(msg.text, said=msg.said))
        form = forms.open_form(handler, msg.entities, msg.text, said=msg.words)
        session.form = form
        forms.keep_line(handler, form, msg.text)
        turn = self._turn_for(form, session, citizen, incoming, msg)
        began = self._run(handler, handler.begin, turn)
        if began is not None:
            return pre + self._after(handler, began, session, incoming)
        return pre + self._fill_and_run(handler, form, session, citizen, incoming, msg)

    def _continue(self, form: Form, session: Session, citizen, incoming: Incoming, msg: Message) -> list[Reply]:
        handler = self.handlers[form.intent]
        forms.keep_line(handler, form, msg.text)
        forms.take_answer(handler, form, msg.entities, msg.text, said=msg.words)
        slot = forms.asked_slot(handler, form)
        if slot is not None and slot.free_text and only_confirms(msg.words or msg.text):
            # "确认" where the form still asks where: nothing to confirm yet (the value never taken);
            # said so, and the question asked again
            question = forms.next_question(handler, form)
            if question is not None and not question.give_up:
                return [Text(NOTHING_TO_CONFIRM_YET), *question.replies]
        return self._fill_and_run(handler, form, session, citizen, incoming, msg)

    def _fill_and_run(self, handler: Handler, form: Form, session: Session, citizen, incoming: Incoming,
                      msg: Message) -> list[Reply]:
        if form.step == "slots":
            question = forms.next_question(handler, form)
            if question is not None:
                if question.give_up:
                    session.form = None
                    session.pending_after_binding = None
                return question.replies
        turn = self._turn_for(form, session, citizen, incoming, msg)
        result = self._run(handler, handler.handle, turn)
        return self._after(handler, result, session, incoming)

    def _turn_for(self, form: Form, session: Session, citizen, incoming: Incoming, msg: Message) -> Turn:
        return Turn(incoming=incoming, text=msg.text, parse=msg.parse, slots=form.slots, form=form,
                    session=session, citizen=citizen, services=self.services, entities=dict(msg.entities))

    def _run(self, handler: Handler, step, turn: Turn) -> Result | None:
        try:
            return step(turn)
        except Exception as e:  # backend trouble becomes advice, not a crash
            reply = self.errors.reply_for(e, handler)
            if reply is None:
                raise
            metrics.HANDLER_ERRORS.labels(handler.intent, type(e).__name__).inc()
            log.warning("handler %s: %s: %s", handler.intent, type(e).__name__, redact_text(str(e)))
            return Result([reply])

    def _after(self, handler: Handler, result: Result, session: Session, incoming: Incoming) -> list[Reply]:
        replies = list(result.replies)
        if not result.keep_form:
            session.form = None
            if session.parked is not None and not result.bound:
                session.form, session.parked = session.parked, None   # the form set aside comes back
                replies += self._offer_back(session.form)
            if handler.identity_gate and not result.bound:
                session.pending_after_binding = None   # binding ended without success: nothing to resume
        if result.served is not None:
            session.last_served = {"intent": handler.intent, "label": handler.label, "at": CLOCK.time(),
                                   **result.served}
            session.last_rating = None   # a newer request served: the rating before it is no longer "just given"
        if result.bound and session.pending_after_binding:
            pending = session.pending_after_binding
            session.pending_after_binding = None
            citizen = self.identity.get(incoming.user_key)
            nxt = self.handlers.get(pending["intent"])
            if nxt is not None and citizen is not None:
                replies += self._start(nxt, session, citizen, incoming,
                                       Message(pending.get("text") or "", nxt.intent, pending.get("entities") or {}))
        self._remember_choices(replies, session)
        return replies

    def _run_simple(self, intent: str, session: Session, citizen, incoming: Incoming, msg: Message) -> list[Reply]:
        handler = self.handlers[intent]
        saved = session.form
        turn = self._turn_for(Form(intent=intent), session, citizen, incoming, msg)
        replies = list(self._run(handler, handler.handle, turn).replies)
        session.form = saved
        slot = self._asked_slot(saved) if saved else None
        if slot is not None:
            replies.append(Text(slot.prompt))
        elif saved:
            replies.append(Text("我们继续刚才的办理：请回答上面的问题，或回复“取消”结束。"))
        self._remember_choices(replies, session)
        return replies

    @staticmethod
    def _foreign_id(msg: Message, citizen) -> bool:
        """An ID number in the message that is not the bound citizen's own."""
        found = {compact(m.group(0)) for m in ID_LIKE.finditer(msg.text)}
        entity = str(msg.entities.get("id_number") or "")
        if ID_LIKE.fullmatch(entity):   # NLU sometimes tags a house number as id_number
            found.add(compact(entity))
        own = compact(citizen.id_number) if citizen else None
        return any(f != own for f in found)

    # -- human handoff --------------------------------------------------------------------
    def _handoff(self, incoming: Incoming, session: Session, reads: Mapping[str, str | None],
                 pre: list[Reply]) -> list[Reply] | None:
        desk = self.services.handoff
        state = desk.state_of(incoming.user_key, reads)
        if state.timed_out:
            pre.append(Text("人工服务已结束（超时），智能助手继续为您服务。"))
        if not state.in_handoff:
            return None
        text = (incoming.text or "").strip()
        if re.sub(r"[\s。！!]+", "", text) in END_WORDS:
            desk.close_by_citizen(incoming.user_key, state.ticket)
            session.last_served = {**SERVED_BY_PEOPLE, "at": CLOCK.time()}
            self.sessions.save(incoming.user_key, session)
            return pre + [Text("已结束人工服务，智能助手继续为您服务。")]
        desk.note_citizen_message(incoming.user_key, state.ticket, text or f"[{incoming.kind}]")
        return pre   # the bot stays quiet: a person is answering

    # -- choices, paging, clarification, menu ----------------------------------------------
    @staticmethod
    def _remember_choices(replies: Iterable[Reply], session: Session) -> None:
        for r in replies:
            if isinstance(r, Choices):
                session.choices = [[c.label, c.reply] for c in r.options]

    @staticmethod
    def _picked_choice(text: str, session: Session) -> str | None:
        """The reply of the offered choice the citizen picked: by number, or by typing its label."""
        if not session.choices:
            return None
        m = re.fullmatch(r"\s*(\d{1,2})\s*[.。、]?\s*", text)
        if m and 1 <= int(m.group(1)) <= len(session.choices):
            return session.choices[int(m.group(1)) - 1][1]
        return next((reply for label, reply in session.choices if label == text), None)

    def _keep_if_not_understood(self, incoming: Incoming, msg: Message, intent: str) -> None:
        """Keep a message the model did not understand (a fallback: a clarifying question or the
        menu) or judged out of scope, with the three likeliest intents. Never fails the turn."""
        if self.keep_not_understood is None or msg.parse is None or msg.deliberate:
            return
        if intent in (FALLBACK_INTENT, "unknown"):
            kind = "fallback"
        elif intent == OUT_OF_SCOPE:
            kind = "out_of_scope"
        else:
            return
        ranking = [{"name": n, "confidence": c} for n, c in msg.parse.ranking[:3]]
        try:
            self.keep_not_understood(text=incoming.text or msg.parse.text, channel=incoming.channel,
                                     kind=kind, intents=ranking)
        except Exception:   # the records database is down: the citizen still gets the answer
            log.exception("could not keep a %s message (channel=%s)", kind, incoming.channel)

    def _page(self, replies: list[Reply], session: Session) -> list[Reply]:
        """Long lists go out a page at a time; "更多" shows the next page."""
        out = []
        for r in replies:
            if isinstance(r, ListReply) and len(r.items) > self.page_size:
                rest = r.items[self.page_size:]
                session.more = {"title": r.title, "items": list(rest), "footer": r.footer}
                r = ListReply(r.title, r.items[:self.page_size], f"还有 {len(rest)} 条，回复“更多”查看。")
            out.append(r)
        return out

    def _more(self, session: Session) -> list[Reply]:
        more, session.more = session.more, None
        title = more["title"] if more["title"].endswith("（续）") else f"{more['title']}（续）"
        page = ListReply(title, tuple(more["items"]), more.get("footer", ""))
        return self._page([page], session)

    def _clarify(self, parse: Parse, session: Session, entities: dict) -> list[Reply]:
        # Only services with a label: small talk, answers and out_of_scope have none.
        likely = [name for name, _ in parse.ranking if name in self.handlers and self.handlers[name].label][:2]
        if not likely:
            return self._not_understood(session)
        carry = {k: v for k, v in entities.items() if k in DIRECT_ENTITIES}
        suffix = json.dumps(carry, ensure_ascii=False) if carry else ""
        options = tuple(Choice(self.handlers[i].label, f"/{i}{suffix}") for i in likely)
        options += (self.menu.choice("都不是，看看全部服务"),)
        reply = Choices("我不太确定您想办哪件事，是下面哪一项？（回复编号）", options)
        self._remember_choices([reply], session)
        return [reply]

    def _not_understood(self, session: Session) -> list[Reply]:
        return [self._menu(session, "抱歉，我没有看懂。您可以换个说法，或者选择要办的事：")]

    def _menu(self, session: Session, lead: str) -> Choices:
        reply = self.menu.choices(lead)
        self._remember_choices([reply], session)
        return reply


def _commands(handlers: Iterable[Handler]) -> dict[str, tuple[str, dict]]:
    """The command words the handlers declare: word -> (intent, entities). A word claimed twice
    stops the start."""
    table: dict[str, tuple[str, dict]] = {}
    for h in handlers:
        for word, entities in h.commands.items():
            if word in table:
                raise ValueError(f"the command {word!r} is claimed by {table[word][0]} and {h.intent}")
            table[word] = (h.intent, dict(entities))
    return table


def _cap_text(incoming: Incoming) -> tuple[Incoming, bool]:
    """The message cut to MAX_TEXT_CHARS (and whether it was cut)."""
    text = incoming.text or ""
    if len(text) <= MAX_TEXT_CHARS:
        return incoming, False
    cut = text[:MAX_TEXT_CHARS]
    if re.match(r"[0-9A-Za-z]", text[MAX_TEXT_CHARS]):
        # Never keep half an identifier: a cut ID or phone number no longer looks like one to masking.
        cut = re.sub(r"[0-9A-Za-z\-\s]+$", "", cut)
    return replace(incoming, text=cut), True


def _direct_entities(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if k in DIRECT_ENTITIES}


def mask_reply(reply: Reply) -> Reply:
    """The last safety net: no reply leaves with a whole ID or phone number in it."""
    if isinstance(reply, Text):
        return Text(mask_text(reply.text))
    if isinstance(reply, Choices):
        return Choices(mask_text(reply.prompt), tuple(Choice(mask_text(c.label), c.reply) for c in reply.options))
    if isinstance(reply, Card):
        return Card(mask_text(reply.title), tuple((mask_text(k), mask_text(v)) for k, v in reply.fields),
                    mask_text(reply.footer))
    if isinstance(reply, ListReply):
        return ListReply(mask_text(reply.title), tuple(mask_text(i) for i in reply.items), mask_text(reply.footer))
    return reply
