"""What a handler is: the intent it serves, the slots it needs, and `handle()`.

A handler never touches Redis or HTTP itself: it gets the filled slots, the
bound citizen (if any), the adapters and the stores (`turn.services`) through
`Turn`, and returns replies in a `Result`. The dispatcher owns everything around
it (locking, session, NLU, slot filling, identity gate, errors), so handlers test
without a network.

A request runs: `begin()` once (may answer at once) -> slots asked and validated
-> `handle()`; a handler with a dialogue of its own sets `turn.form.step` and
returns `keep_form=True`, and the next message comes back to `handle()`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from bot.core.messages import Incoming, Reply, Text

if TYPE_CHECKING:  # pragma: no cover
    from adapters import Adapters
    from bot.city.office_hours import OfficeHours
    from bot.city.service_catalogue import Catalogue
    from bot.city.service_settings import ServiceSettings
    from bot.conversation.menu import MainMenu
    from bot.core.settings import Settings
    from bot.nlu.client import Parse
    from bot.records import Consents
    from bot.stores.binding_guard import BindingGuard
    from bot.stores.callbacks import CallbackTasks
    from bot.stores.handoff import HandoffDesk
    from bot.stores.identity import Citizen, IdentityStore
    from bot.stores.outbox import Outbox
    from bot.stores.ratings import RatingBook
    from bot.stores.sessions import Form, Session
    from bot.stores.subscriptions import SubscriptionStore


class SlotInvalid(Exception):
    """The citizen's answer cannot fill the slot; the message says why (shown to them)."""


@dataclass(frozen=True)
class Slot:
    name: str                                   # entity name it is filled from
    prompt: str                                 # the question asked when it is missing
    validate: Callable[[str], str] | None = None  # returns the clean value or raises SlotInvalid
    free_text: bool = False                     # may the whole message fill it (e.g. a name)?
    sensitive: bool = False                     # never echoed back unmasked
    optional: bool = False                      # validated when given, never asked for
    skip_words: tuple[str, ...] = ()            # answers that skip the slot (given to validate, not a cancel)
    # A value found in the request's own words when NLU found none (validated like an answer, so
    # a mistyped application number gets a precise reply rather than a question).
    prefill: Callable[[str], str | None] | None = None
    # This slot's value wherever it sits in ANY message of the form, found by its shape (an ID
    # number, a phone, a name after 我叫…): several slots fill from one message in any order, a
    # value sent while another slot was asked is kept, and a later one replaces an earlier one
    # (a correction: "不对，名字是李芳"). Its validator then runs at once.
    recognise: Callable[[str], str | None] | None = None
    # May the whole message fill this free-text slot when asked? (The complaint's "what happened"
    # is not answered by a message that only says where or when: those fill their own slots.)
    accepts: Callable[[str], bool] | None = None
    # A message that is plainly this slot's value and nothing else ("金牛区茶店子 西华苑": a place)
    # said where another free-text slot with words of its own was asked (the time): this slot's new
    # value, from the one held and the message, or None when the message is not plainly its.
    plainly: Callable[[str | None, str], str | None] | None = None
    # A message that corrects this free-text slot's value as a whole ("不对 主要是污水 他们把油污水倒进
    # 雨水井头", "我要说的是…"): the new value, or None. It replaces the value held, whatever was asked.
    restated: Callable[[str], str | None] | None = None
    # What the question is for, said when the citizen asks about it ("留电话干啥子？", "必须留吗"):
    # why it is asked, whether it may be left out and how (bot.conversation.words.asks_about_the_step).
    explain: str | None = None


@dataclass
class Services:
    """Everything a handler may use besides the turn itself, built once by the runtime (or by a
    test). Handlers reach Redis only through these stores, and backends only through `adapters`."""
    settings: Settings
    adapters: Adapters                 # one client per government backend
    identity: IdentityStore            # who a channel user has proven to be
    service_settings: ServiceSettings  # complaint routing, office hours, handoff, ratings, ledger, binding
    catalogue: Catalogue               # 办事指南: items and life-event bundles
    office_hours: OfficeHours
    menu: MainMenu
    outbox: Outbox                     # messages that are not an answer (the dispatcher drains it)
    handoff: HandoffDesk
    callbacks: CallbackTasks
    ratings: RatingBook
    binding_guard: BindingGuard
    subscriptions: SubscriptionStore | None = None   # progress notifications (bot/notifications/)
    consents: Consents | None = None   # citizens' consents to the open platform's partners (我的授权)
    consent_codes: BindingGuard | None = None   # wrong partner codes, counted like binding's SMS codes
    # screen(channel, user_id, text) -> "pass" | "review" | "risky": the channel's content check of a
    # citizen's text before it is filed (the mini-program's msgSecCheck); None: no check.
    content_screen: Callable[[str, str, str], str] | None = None

    def unbind(self, user_key: str) -> bool:
        """Unbind a channel user; when that was the citizen's last binding, their consents to
        partners end too (a partner would otherwise read them again after a later binding)."""
        citizen = self.identity.get(user_key)
        done = self.identity.unbind(user_key)
        if done and citizen is not None and self.consents is not None \
                and not self.identity.users_of(citizen.id_number):
            self.consents.end_all(self.identity.citizen_keys(citizen)[0], via="unbind")
        return done

    def consent_code_locked(self, user_key: str) -> int:
        """Seconds a citizen must wait after too many wrong consent codes (0: may try one)."""
        return self.consent_codes.locked_for(user_key) if self.consent_codes else 0

    def wrong_consent_code(self, user_key: str) -> None:
        if self.consent_codes:
            self.consent_codes.failure(user_key, None)

    def forget_user(self, user_key: str) -> None:
        """Unsubscribe: every store here that keeps something about the citizen forgets it."""
        for store in (self.handoff, self.outbox, self.callbacks, self.binding_guard, self.subscriptions):
            if store is None:
                continue
            store.forget_user(user_key)


@dataclass
class Turn:
    incoming: Incoming
    text: str                       # the citizen's text (normalised by NLU when parsed)
    parse: "Parse | None"
    slots: dict[str, str]
    form: "Form"
    session: "Session"
    citizen: "Citizen | None"
    services: Services
    entities: dict[str, str] = field(default_factory=dict)   # what NLU (or a choice) found in this message

    @property
    def intent(self) -> str:
        return self.form.intent

    @property
    def user_key(self) -> str:
        return self.incoming.user_key

    @property
    def words(self) -> str:
        """The message as the citizen wrote it (case and spaces kept: the NLU's `text` has lost
        them), for what is kept in their own words and for readers of shapes."""
        return (self.incoming.text if self.incoming is not None else None) or self.text or ""

    @property
    def said_intent(self) -> str | None:
        """The intent NLU read in this very message (e.g. affirm / deny while confirming)."""
        return self.parse.intent if self.parse is not None else None


@dataclass
class Result:
    replies: list[Reply]
    keep_form: bool = False          # the conversation stays in this handler (form.step says where)
    served: dict[str, Any] | None = None   # a request was served: {"department": ...} for ratings
    bound: bool = False              # the citizen has just been bound (resume what waited)

    @classmethod
    def say(cls, *texts: str, **kw: Any) -> "Result":
        return cls([Text(t) for t in texts], **kw)


def slot_values(slots: "tuple[Slot, ...]", text: str | None) -> dict[str, str]:
    """{slot name: value} for every slot whose reader finds a value in text."""
    found = {}
    for slot in slots:
        if slot.recognise is not None and text:
            value = slot.recognise(text)
            if value:
                found[slot.name] = value
    return found


class Handler:
    intent: ClassVar[str]
    slots: ClassVar[tuple[Slot, ...]] = ()
    needs_identity: ClassVar[bool] = False   # personal data: only for a verified citizen
    department: ClassVar[str | None] = None  # who serves it (for ratings)
    label: ClassVar[str] = ""                # short Chinese name, used in menus and clarifications
    owns_prefixes: ClassVar[tuple[str, ...]] = ()  # application-number prefixes that mean this intent
    # Fixed words that mean this intent whatever NLU thinks (the exact message, punctuation ignored),
    # each with the entities it carries: {"解绑": {"action": "unbind"}}.
    commands: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    # What kind of message the intent is, for the dispatcher while a form is open and for the hotline:
    answers_the_bot: ClassVar[bool] = False  # 是的 / 不是 / a bare value: an answer, never a new request
    small_talk: ClassVar[bool] = False       # answered without closing an open form (its question is asked again)
    ends_forms: ClassVar[bool] = True        # a confident request of this intent replaces an open form
    takes_over: ClassVar[bool] = False       # a person takes the conversation: the open form ends, not offered back
    purpose: ClassVar[bool] = True           # says why a citizen calls (the hotline's main and secondary intents)
    # The handler that takes a 好差评 rating: after a person served the citizen, the dispatcher asks
    # for one with its `ask()` (Dispatcher.hand_back).
    takes_ratings: ClassVar[bool] = False
    # The handler that binds a citizen's identity: a request that needs one goes there first and
    # resumes once it reports `Result(bound=True)`. Exactly one handler is the gate.
    identity_gate: ClassVar[bool] = False
    # The dispatcher keeps the citizen's own messages while this handler's form is open, masked,
    # in form.data["said"] (a complaint's work order carries them; the bot's replies never).
    keeps_citizen_lines: ClassVar[bool] = False
    # Steps of the handler's own (Form.step) whose answer is whatever the citizen writes, like a
    # free-text slot: a message there is the answer, never a new request, unless it is a question
    # (the rating's call-back step: "哪里不满意" is told in words that NLU may read as a complaint).
    free_text_steps: ClassVar[tuple[str, ...]] = ()
    # Steps of the handler's own (Form.step), or slots, where the form waits for a phone: a message
    # giving one there answers it, whatever else the NLU reads in it (a call-back's "帮我记一下 是公积金…
    # 的事 手机188…"), unless it asks for another service.
    phone_steps: ClassVar[tuple[str, ...]] = ()

    def values_in(self, turn: "Turn") -> dict[str, str]:
        """The values for this handler's form that the turn's message gives, read by the form's own
        readers (by default its slots'). The dispatcher uses them to tell an answer the NLU read as
        another request ("社保卡补办 青羊区 下周一上午" as a social-insurance query) from a new request."""
        return slot_values(self.slots, turn.text)

    def answers_on_the_way(self, text: str) -> str | None:
        """The answer to a question about the request asked while its form is open ("要多久才处理？"),
        or None: the form says it cannot answer and asks its question again."""
        return None

    def explains(self, turn: "Turn") -> str | None:
        """The answer to a question about the step the form is at ("留电话干啥子？"): what it is for,
        whether it may be left out and how; None when the step has none. By default the asked
        slot's `explain`."""
        form = turn.form
        if form.step != "slots" or not form.asking:
            return None
        return next((s.explain for s in self.slots if s.name == form.asking), None)

    def needs_identity_for(self, entities: dict[str, str], text: str) -> bool:
        """Whether this request needs a bound citizen (some intents only sometimes do)."""
        return self.needs_identity

    def follows_up(self, text: str, today: dt.date) -> bool:
        """Right after this handler served the citizen, does this message only refine
        that request (e.g. "还没办完的" after the ledger)?"""
        return False

    def claims(self, text: str, session: "Session", intent: str | None, unsure: bool) -> bool:
        """Is this message this handler's whatever the NLU read (`intent`; `unsure`: the NLU read
        nothing sure, or no request)? The rating handler's: a rating corrected just after it was
        given, or a level given right after a request was served; the booking's: a day, a half-day
        and a district said bare."""
        return False

    def ask(self, lead: str) -> Reply:
        """A question whose answers start this intent (the rating handler's: the levels as choices)."""
        raise NotImplementedError

    def begin(self, turn: Turn) -> Result | None:
        """Called once when the form starts, before any slot is asked for. A Result
        ends (or redirects) the request right away; None goes on to slot filling."""
        return None

    def handle(self, turn: Turn) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError
