"""The WeChat Official Account webhook (the web side): one push in, one passive reply out,
in budget, once.

    POST /wechat ─► query checks (signature, timestamp window)      403
                 ─► body ≤ 64 KiB                                     413
                 ─► (encrypted: msg_signature,) decrypt, parse, fields 403/400
                 ─► turn record + replay check (one Redis round trip): a replayed query
                    string is refused (403); a retry waits for the first copy's reply
                    and sends it again
                 ─► route: the conversation / channel's own answer / forget / ignore
                 ─► in budget: the answer; past it: "on its way" + a customer-service
                    message later (late.py); long answers in pages ("回复更多");
                    nothing to say (a person handles the conversation): `success`
                 ─► the answer is kept in the turn record, then the passive reply XML,
                    encrypted when the push was

Its whole view of the assistant is two callables, `handle(incoming) -> replies` and
`forget(user_key)` (unsubscribe), and the intents a menu click may start. Built once per
process by the runtime (bot.runtime), beside the late-answer side it hands overruns to.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Callable

from prometheus_client import Counter
from redis import RedisError

from bot.channels.wechat_oa import render
from bot.channels.wechat_oa.crypto import DecryptError, MessageCrypto
from bot.channels.wechat_oa.late import LateAnswers
from bot.channels.wechat_oa.routing import CHANNEL, Dispatch, Forget, Ignore, Say, route, window_opened_by
from bot.channels.wechat_oa.signing import (RequestRefused, SignedQuery, check_fresh, check_msg_signature,
                                            check_query_signature, check_url_verification, read_query,
                                            seconds_left)
from bot.channels.wechat_oa.turns import RECLAIM, REPLAY, RESUME, RETRY, Answer, InlineTurns, TurnRecords
from bot.channels.wechat_oa.user_state import UserState
from bot.channels.wechat_oa.xml_in import BadMessage, WeChatMessage, parse_fields, parse_message
from bot.conversation.words import asks_for_more
from bot.core.messages import Incoming, Reply
from bot.core.redis_hub import RedisHub
from bot.core.sealing import Sealer
from bot.wechat_api import CustomerService
from bot.wechat_api.settings import WeChatSettings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
ON_ITS_WAY = "您的问题正在办理中，结果稍后会发消息告诉您，请留意。"
# Redis away: nothing can be remembered (session, binding, the turn record), so the turn cannot run.
# The citizen gets this at once, never a 5xx (which WeChat shows as "cannot serve").
STATE_AWAY = "抱歉，系统正在恢复，您的消息这次没有处理。请稍等一两分钟再发一次。"
# More pushes queued for the workers than wechat.max_backlog: a new one is told to try again
# later rather than queued behind them (its answer would come minutes late).
BUSY = "抱歉，现在咨询的人太多，您的消息这次没有处理。请过几分钟再发一次。"
RENDER_MARGIN_S = 0.05     # kept from the budget for rendering and encrypting the reply

PUSHES = Counter("wechat_pushes_total", "WeChat pushes to /wechat by outcome", ["outcome"])

Handle = Callable[[Incoming], "list[Reply]"]
ForgetUser = Callable[[str], None]


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: str
    content_type: str = "text/plain"


SUCCESS = HttpAnswer(200, render.SUCCESS)


class BodyTooLarge(Exception):
    pass


class WeChatWebhook:
    def __init__(self, *, handle: Handle, forget: ForgetUser, intents: frozenset[str], settings: WeChatSettings,
                 customer_service: CustomerService, hub: RedisHub, sealer: Sealer, users: UserState,
                 late: LateAnswers):
        self.settings = settings
        self.hub = hub
        self.forget_user = forget
        self.customer_service = customer_service
        self.crypto = MessageCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        # Within the budget every first copy finishes its record (answer or "on its way");
        # one still running well after that belongs to a process that died. A signed query
        # string is remembered as long as its timestamp could pass the window check.
        self.records = TurnRecords(hub, sealer, settings.dedup_ttl_s, orphaned_after_s=settings.reply_budget_s + 3,
                                   replay_ttl_s=2 * settings.timestamp_window_s + 60)
        self.users = users
        self.late = late
        self.inline = InlineTurns(handle, render.replies_to_text, late.note_deferred, late.late_answer,
                                  settings.inline_threads, settings.max_inline_turns)
        self.runner = self.inline if settings.turn_mode == "inline" else late.queued
        # The intents a CLICK key or a QR scene may start: the menu's keys and the conversation's own.
        self.intents = frozenset(b["key"] for top in settings.menu for b in (top.get("sub_button") or [top])
                                 if b["type"] == "click") | intents

    # -- GET /wechat ---------------------------------------------------------------------------
    def verify(self, args) -> HttpAnswer:
        try:
            return HttpAnswer(200, check_url_verification(self.settings.token, args,
                                                          self.settings.timestamp_window_s))
        except RequestRefused as e:
            log.info("URL verification refused: %s", e.reason)
            return HttpAnswer(403, "forbidden")

    # -- POST /wechat --------------------------------------------------------------------------
    def receive(self, args, read_body, request_start: float | None = None) -> HttpAnswer:
        """`read_body(limit)` returns at most limit+1 bytes of the request body; `request_start`
        is when the proxy took the request (X-Request-Start, epoch seconds) if it says."""
        try:
            query = read_query(args)
            check_query_signature(self.settings.token, query)
            check_fresh(query.timestamp, self.settings.timestamp_window_s)
            # The budget runs from when WeChat sent the push, not from when a thread got to it:
            # time in the proxy and in the socket backlog counts against WeChat's 5 seconds.
            deadline = time.monotonic() + seconds_left(query.timestamp, request_start, self.settings.reply_budget_s,
                                                       self.settings.reply_after_timestamp_s)
            body = read_body(MAX_BODY_BYTES)
            if len(body) > MAX_BODY_BYTES:
                raise BodyTooLarge()
            msg = self._open(query, body)
            action = route(msg, self.intents)
        except RequestRefused as e:
            return self._refused(e)
        except BodyTooLarge:
            PUSHES.labels("too_large").inc()
            return HttpAnswer(413, "request body too large")
        except (BadMessage, DecryptError) as e:
            # Never the body in the log: it may be hostile, or a citizen's words.
            PUSHES.labels("bad").inc()
            log.info("push rejected: %s: %s", type(e).__name__, e)
            return HttpAnswer(400, "bad request")
        digest = hashlib.sha256(body).hexdigest()
        try:
            if isinstance(action, Ignore):
                if not self.records.note_query(query.replay_key, digest):
                    return self._refused(RequestRefused(403, "signed query string replayed with a different body"))
                PUSHES.labels("ignored").inc()
                return SUCCESS
            return self._once(msg, query, digest, action, deadline)
        except RedisError as e:
            return self._state_away(msg, query, action, e)

    def _state_away(self, msg: WeChatMessage, query: SignedQuery, action, error: Exception) -> HttpAnswer:
        log.warning("Redis unavailable, push answered with an apology: %s", type(error).__name__)
        PUSHES.labels("redis_away").inc()
        if isinstance(action, Ignore):
            return SUCCESS
        return self._reply(msg, query, STATE_AWAY)

    def _refused(self, e: RequestRefused) -> HttpAnswer:
        PUSHES.labels("refused").inc()
        log.info("push refused: %s", e.reason)
        return HttpAnswer(e.status, "forbidden")

    def _open(self, query: SignedQuery, body: bytes) -> WeChatMessage:
        """The authenticated message. Encrypted pushes: only the decrypted XML is believed."""
        if not query.encrypted:
            if not self.settings.accepts_plaintext:
                raise RequestRefused(403, "plaintext push while the account is in safe mode")
            return parse_message(body)
        if self.crypto is None or not self.settings.accepts_encrypted:
            raise RequestRefused(403, "encrypted push while the account is in plaintext mode")
        encrypt = parse_fields(body).get("Encrypt")
        if not encrypt:
            raise BadMessage("encrypted push without Encrypt")
        check_msg_signature(self.settings.token, query, encrypt)
        return parse_message(self.crypto.decrypt(encrypt))

    # -- exactly once --------------------------------------------------------------------------
    def _once(self, msg: WeChatMessage, query: SignedQuery, body_digest: str, action,
              deadline: float) -> HttpAnswer:
        record = self.records.key(msg.dedup_key)
        while True:
            admitted, got = self.records.admit(record, query.replay_key, body_digest,
                                               self.users.turns_key(msg.openid), self.users.parked_key(msg.openid))
            if admitted == REPLAY:
                return self._refused(RequestRefused(403, "signed query string replayed with a different body"))
            if admitted != RETRY:
                break
            # WeChat retrying (or the same push in another process): the first copy's reply.
            PUSHES.labels("retry").inc()
            waited = self.records.wait_body(record, deadline)
            if waited != RECLAIM:
                return HttpAnswer(200, waited[0], waited[1]) if waited else SUCCESS
            # The copy that had it failed: this one takes it over (admit again, atomically).
        answer: Answer | None = got if admitted == RESUME else None
        parked = [] if admitted == RESUME else self.users.open_parked(msg.openid, got)
        progress = _Progress(stored=answer is not None)
        try:
            if answer is None:
                answer, unshown = self._answer(msg, action, parked, deadline, progress)
                # Kept before anything is rendered: from here on a failure is answered by the
                # retry from this record, and the turn never runs twice.
                pipe = self.hub.text.pipeline(transaction=True)
                self.records.store_answer(record, answer, pipe)
                self.users.put_back_parked(msg.openid, unshown, pipe)
                pipe.execute()
                progress.stored = True
            reply = self._reply(msg, query, answer.first) if answer.first is not None else SUCCESS
            # One round trip for everything the turn leaves behind, all or nothing.
            pipe = self.hub.text.pipeline(transaction=True)
            self.records.finish(record, reply.body, reply.content_type, pipe)
            if answer.later is not None:
                self.users.store_pages(msg.openid, answer.later, pipe)
            opened = window_opened_by(msg)
            if opened:
                self.customer_service.note_user_action(msg.openid, opened, pipe=pipe)
            pipe.execute()
        except Exception as e:
            log.exception("answering a push failed")
            self._release(record, msg.openid, parked, progress)
            if isinstance(e, RedisError):
                return self._state_away(msg, query, action, e)
            PUSHES.labels("failed").inc()
            return HttpAnswer(503, "temporarily unavailable")
        PUSHES.labels(answer.outcome).inc()
        return reply

    def _release(self, record: str, openid: str, parked: list[str], progress: "_Progress") -> None:
        """After a failure, leave the push so that WeChat's retry answers it, once."""
        try:
            if progress.stored:
                self.records.mark_unsent(record)       # the retry sends the stored answer
                return
            pipe = self.hub.text.pipeline(transaction=False)
            self.users.put_back_parked(openid, parked, pipe)   # not shown: they wait for the retry
            if not progress.changed:
                pipe.delete(record)                    # nothing ran: the retry (even one waiting) runs it
            # else: the turn ran but its answer could not be kept (Redis failing). The record stays
            # `running`; a retry after the orphan delay runs it again, as for a process that died.
            pipe.execute()
        except Exception:
            log.warning("could not release the turn record after a failure")

    # -- one answer ------------------------------------------------------------------------------
    def _answer(self, msg: WeChatMessage, action, parked: list[str], deadline: float,
                progress: "_Progress") -> tuple[Answer, list[str]]:
        """The answer, and the parked answers it does not show (they go back)."""
        if isinstance(action, Forget):
            self.forget(msg.openid)
            return Answer(None, None, "forgotten"), []
        if isinstance(action, Say):
            text, outcome = action.text, "answered"
        else:
            text, outcome = self._dispatch(msg, action, deadline, progress)
        if outcome == "page":
            return Answer(text, None, "answered"), parked     # a page is full already
        if outcome == "deferred":
            return self._deferred_answer(text, parked)
        if parked:
            text = "\n\n".join([*parked, "——", text] if text else parked)
        if not text:
            # Nothing to say (a person is handling the conversation): WeChat wants `success`,
            # never an empty Content, which it shows as an error.
            return Answer(None, None, "silent"), []
        pages = render.paginate(text)
        return Answer(pages[0], pages[1:], outcome), []

    @staticmethod
    def _deferred_answer(notice: str, parked: list[str]) -> tuple[Answer, list[str]]:
        """"On its way" in one page, with the parked answers that fit beside it; the others wait
        for the next message. They are not paged under "更多": the late answer's own pages
        would take that place."""
        shown: list[str] = []
        for earlier in parked:
            if len("\n\n".join([*shown, earlier, "——", notice]).encode()) > render.MAX_CONTENT_BYTES:
                break
            shown.append(earlier)
        text = "\n\n".join([*shown, "——", notice]) if shown else notice
        return Answer(text, [], "deferred"), parked[len(shown):]

    def _dispatch(self, msg: WeChatMessage, action: Dispatch, deadline: float,
                  progress: "_Progress") -> tuple[str, str]:
        progress.changed = True      # from here on, running it again could do things twice
        if msg.msg_type == "text" and asks_for_more(msg.get("Content")):
            # "更多": the rest of a long reply first; without one, the dispatcher's next page.
            page = self.users.next_page(msg.openid)
            if page is not None:
                return page, "page"
        left = deadline - time.monotonic() - RENDER_MARGIN_S
        if left < self.settings.min_turn_s or self.inline.saturated():
            # Too late to run the turn here (the push waited in a backlog), or every turn thread is
            # taken: "on its way" at once, and the turn goes to the workers' queue.
            return self._queue(action.incoming)
        answer = self.runner.run(action.incoming, left)
        if answer is None:
            return ON_ITS_WAY, "deferred"
        return "\n\n".join(t for t in (action.lead, answer) if t), "answered"

    def _queue(self, incoming: Incoming) -> tuple[str, str]:
        """Admission control: a turn queued for the workers, answered later by a customer-service
        message; or, with the queue already longer than wechat.max_backlog, a request to try
        again (still the push's one answer, given at once)."""
        if self.late.jobs.backlog() >= self.settings.max_backlog:
            return BUSY, "busy"
        answer = self.late.queued.run(incoming, 0)
        return (answer, "answered") if answer is not None else (ON_ITS_WAY, "deferred")

    def _reply(self, msg: WeChatMessage, query: SignedQuery, text: str) -> HttpAnswer:
        xml = render.text_reply_xml(msg.openid, msg.account, text)
        if query.encrypted:
            return HttpAnswer(200, self.crypto.reply_envelope(xml, query.nonce), "application/xml")
        return HttpAnswer(200, xml, "application/xml")

    # -- unsubscribe -----------------------------------------------------------------------------
    def forget(self, openid: str) -> None:
        """Everything about the citizen: the conversation's data and ours (WeChat's rule)."""
        self.forget_user(f"{CHANNEL}:{openid}")
        self.users.forget(openid)
        self.customer_service.forget(openid)


class _Progress:
    """How far a push got, for what a failure must undo."""

    def __init__(self, stored: bool):
        self.changed = stored    # the dispatcher ran, or a page was taken
        self.stored = stored     # the answer is kept in the turn record
