"""The WeChat Official Account channel: one push in, one passive reply out, in budget, once.

    POST /wechat ─► query checks (signature, timestamp window)      403
                 ─► body ≤ 64 KiB                                     413
                 ─► (encrypted: msg_signature,) decrypt, parse, fields 403/400
                 ─► turn record + replay check (one Redis round trip): a replayed query
                    string is refused (403); a retry waits for the first copy's reply
                    and sends it again
                 ─► route: dispatcher / channel's own answer / forget / ignore
                 ─► in budget: the answer; past it: "on its way" + a customer-service
                    message later (job stream); long answers in pages ("回复更多");
                    nothing to say (a person handles the conversation): `success`
                 ─► the answer is kept in the turn record, then the passive reply XML,
                    encrypted when the push was

Also the Outbox sender for "wechat_oa": agents' messages during a handoff go out as
customer-service messages, like late answers (`send_outbox`).

Built once per process by `create_blueprint` (web) and by `bot.worker` (jobs).
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass

from prometheus_client import Counter

from bot.channels.wechat_oa import render
from bot.channels.wechat_oa.crypto import DecryptError, MessageCrypto
from bot.channels.wechat_oa.routing import Dispatch, Forget, Ignore, Say, route, window_opened_by
from bot.core.sealing import Sealer
from bot.wechat_api.settings import WeChatSettings
from bot.channels.wechat_oa.signing import (RequestRefused, SignedQuery, check_fresh, check_msg_signature,
                                            check_query_signature, check_url_verification, read_query)
from bot.channels.wechat_oa.turns import (RECLAIM, REPLAY, RESUME, RETRY, TURN_JOB, Answer, InlineTurns,
                                          QueuedTurns, TurnRecords, incoming_from_dict, incoming_to_dict)
from bot.channels.wechat_oa.liveness import Liveness
from bot.channels.wechat_oa.user_state import ALIVE, CLAIMED, DEFERRED_KEEP_S, RUNNING, UserState
from bot.channels.wechat_oa.xml_in import BadMessage, WeChatMessage, parse_fields, parse_message
from bot.core.jobs import JobQueue
from bot.core.messages import Incoming
from bot.core.redis_hub import RedisHub
from bot.wechat_api import Outcome, WeChatClient

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
DELIVER_JOB = "wechat_oa.deliver"
RESCUE_JOB = "wechat_oa.rescue"
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
ON_ITS_WAY = "您的问题正在办理中，结果稍后会发消息告诉您，请留意。"
EARLIER_ANSWER = "【您之前咨询的结果】"
GAVE_UP = "抱歉，您刚才的问题办理超时，没有得到结果。请重新发送一次，或回复“人工”转人工服务。"
# A rescue job finding the turn still held by a live process looks again this many times
# (every rescue_after_s: 10 minutes by default) before it gives up.
RESCUE_LOOKS = 10
RENDER_MARGIN_S = 0.05     # kept from the budget for rendering and encrypting the reply

PUSHES = Counter("wechat_pushes_total", "WeChat pushes to /wechat by outcome", ["outcome"])
LATE = Counter("wechat_late_answers_total", "Answers delivered after the passive reply", ["outcome"])


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: str
    content_type: str = "text/plain"


SUCCESS = HttpAnswer(200, render.SUCCESS)


class BodyTooLarge(Exception):
    pass


class WeChatChannel:
    def __init__(self, runtime, wechat: WeChatClient):
        hub: RedisHub = runtime.hub
        settings: WeChatSettings = wechat.settings
        self.settings = settings
        self.hub = hub
        self.dispatcher = runtime.dispatcher
        self.crypto = MessageCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        self.customer_service = wechat.customer_service
        # Citizens' words and our answers are stored sealed under the data key (sealing.py).
        sealer = Sealer(runtime.settings.security.data_key)
        self.jobs = JobQueue(hub, settings.jobs.stream, max_tries=settings.jobs.max_tries,
                             backoff_s=settings.jobs.backoff_s, visibility_s=settings.jobs.visibility_s,
                             sealer=sealer, max_len=settings.jobs.max_len, dead_ttl_s=settings.jobs.dead_ttl_s)
        # Within the budget every first copy finishes its record (answer or "on its way");
        # one still running well after that belongs to a process that died. A signed query
        # string is remembered as long as its timestamp could pass the window check.
        self.records = TurnRecords(hub, sealer, settings.dedup_ttl_s, orphaned_after_s=settings.reply_budget_s + 3,
                                   replay_ttl_s=2 * settings.timestamp_window_s + 60)
        self.users = UserState(hub, sealer, continuation_ttl_s=settings.continuation_ttl_s,
                               parked_ttl_s=settings.parked_ttl_s)
        self.queued = QueuedTurns(hub, self.jobs, sealer, settings.dedup_ttl_s)
        self.inline = InlineTurns(self.dispatcher, render.replies_to_text, self.note_deferred, self._late_answer,
                                  settings.inline_threads)
        self.runner = self.inline if settings.turn_mode == "inline" else self.queued
        self.rescue_after_s = settings.rescue_after_s
        self.liveness = Liveness(hub)
        self.rescue_looks = RESCUE_LOOKS
        # The intents a CLICK key or a QR scene may start: the menu's keys and the dispatcher's own.
        self.intents = frozenset(b["key"] for top in settings.menu for b in (top.get("sub_button") or [top])
                                 if b["type"] == "click") | frozenset(getattr(self.dispatcher, "handlers", None) or ())

    # -- GET /wechat ---------------------------------------------------------------------------
    def verify(self, args) -> HttpAnswer:
        try:
            return HttpAnswer(200, check_url_verification(self.settings.token, args,
                                                          self.settings.timestamp_window_s))
        except RequestRefused as e:
            log.info("URL verification refused: %s", e.reason)
            return HttpAnswer(403, "forbidden")

    # -- POST /wechat --------------------------------------------------------------------------
    def receive(self, args, read_body) -> HttpAnswer:
        """`read_body(limit)` returns at most limit+1 bytes of the request body."""
        deadline = time.monotonic() + self.settings.reply_budget_s
        try:
            query = read_query(args)
            check_query_signature(self.settings.token, query)
            check_fresh(query.timestamp, self.settings.timestamp_window_s)
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
        if isinstance(action, Ignore):
            if not self.records.note_query(query.replay_key, digest):
                return self._refused(RequestRefused(403, "signed query string replayed with a different body"))
            PUSHES.labels("ignored").inc()
            return SUCCESS
        return self._once(msg, query, digest, action, deadline)

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
        except Exception:
            log.exception("answering a push failed")
            self._release(record, msg.openid, parked, progress)
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
        if msg.msg_type == "text" and msg.get("Content").strip() in render.MORE_WORDS:
            # "更多": the rest of a long reply first; without one, the dispatcher's next page.
            page = self.users.next_page(msg.openid)
            if page is not None:
                return page, "page"
        answer = self.runner.run(action.incoming, deadline - time.monotonic() - RENDER_MARGIN_S)
        if answer is None:
            return ON_ITS_WAY, "deferred"
        return "\n\n".join(t for t in (action.lead, answer) if t), "answered"

    def _reply(self, msg: WeChatMessage, query: SignedQuery, text: str) -> HttpAnswer:
        xml = render.text_reply_xml(msg.openid, msg.account, text)
        if query.encrypted:
            return HttpAnswer(200, self.crypto.reply_envelope(xml, query.nonce), "application/xml")
        return HttpAnswer(200, xml, "application/xml")

    # -- unsubscribe -----------------------------------------------------------------------------
    def forget(self, openid: str) -> None:
        """Everything about the citizen: the dispatcher's data and ours (WeChat's rule)."""
        self.dispatcher.forget_user(f"wechat_oa:{openid}")
        self.users.forget(openid)
        self.customer_service.forget(openid)

    # -- late answers (web side: hand over; worker side: deliver) -------------------------------
    def hand_late_answer(self, openid: str, text: str, *, notice: bool = False, at: float | None = None) -> None:
        """A customer-service message for the citizen, through the job stream. `notice`: not an
        answer to a question of theirs (an agent's message), so parked without the heading.
        `at`: when the turn it answers began (an unsubscribe since then cancels it)."""
        if text.strip():
            self.jobs.enqueue(DELIVER_JOB, {"openid": openid, "text": text, "at": at or time.time(),
                                            **({"notice": True} if notice else {})})

    def _forgotten_since_queued(self, openid: str, payload: dict) -> bool:
        """The citizen unsubscribed after this job was queued: it must not run (nor recreate data)."""
        gone = self.users.forgotten_since(openid)
        if gone is not None and float(payload.get("at") or 0) <= gone:
            LATE.labels("forgotten").inc()
            return True
        return False

    def note_deferred(self, incoming: Incoming) -> str:
        """Web side (inline mode), a turn overran its budget: keep it on record, sealed, with a
        job due after `rescue_after_s`, so that a worker runs it if this process dies first."""
        turn_id = uuid.uuid4().hex
        self.users.note_deferred(incoming.user_id, turn_id, self.rescue_after_s + DEFERRED_KEEP_S)
        alive = self.users.alive_key(incoming.user_id, turn_id)
        self.liveness.hold(alive)
        try:
            self.jobs.enqueue(RESCUE_JOB, {"turn": turn_id, "incoming": incoming_to_dict(incoming),
                                           "at": time.time(), "looks": 1}, delay_s=self.rescue_after_s)
        except Exception:
            self.liveness.release(alive)   # no rescue job: nothing to keep alive for
            raise
        return turn_id

    def _late_answer(self, incoming: Incoming, text: str, turn_id: str | None) -> None:
        """Web side (inline mode): the overrun turn has its answer. It is settled on the turn's
        record first, so that from then on a failure loses nothing: the rescue job delivers what
        the record holds once this process lets go of the turn."""
        openid = incoming.user_id
        if turn_id is None:                        # never recorded (Redis failed at the time)
            self.hand_late_answer(openid, text)
            return
        # If settling fails (Redis), the turn stays held, and its rescue job gives up with an
        # apology rather than run it a second time.
        owned = self.users.settle_deferred(openid, turn_id, text, self.rescue_after_s + DEFERRED_KEEP_S)
        try:
            if not owned:
                # A worker took the turn over (this process was thought dead): its answer goes out.
                LATE.labels("superseded").inc()
                return
            self.hand_late_answer(openid, text)
            self.users.drop_deferred(openid, turn_id)
        finally:
            self.liveness.release(self.users.alive_key(openid, turn_id))

    def rescue_turn(self, payload: dict) -> None:
        """Job: a deferred turn whose answer never came and whose web process stopped holding it
        (it died): run it again, once."""
        incoming = incoming_from_dict(payload["incoming"])
        openid, turn_id = incoming.user_id, payload["turn"]
        if self._forgotten_since_queued(openid, payload):
            return
        got = self.users.claim_deferred(openid, turn_id)
        if got is None:
            return        # answered by its own process (or the citizen unsubscribed)
        if got == ALIVE:
            looks = int(payload.get("looks") or 1)
            if looks < self.rescue_looks:
                # Its web process is alive, the turn slow or still waiting for a thread: look again later.
                self.jobs.enqueue(RESCUE_JOB, {"turn": turn_id, "incoming": payload["incoming"],
                                               "at": payload.get("at"), "looks": looks + 1},
                                  delay_s=self.rescue_after_s)
                return
            # Held that long, the turn is stuck. Running it here could do things twice: the citizen
            # is told instead, and an answer the stuck turn still finds later is not sent.
            log.error("an overrun turn held for %d s by a live process; the citizen is asked to try again",
                      looks * self.rescue_after_s)
            LATE.labels("given_up").inc()
            self.users.drop_deferred(openid, turn_id)
            self.hand_late_answer(openid, GAVE_UP, at=payload.get("at"))
            return
        if got == RUNNING:
            # An earlier try stopped in the middle of the turn: never twice.
            log.warning("a rescued turn stopped midway; not run again")
            self.users.drop_deferred(openid, turn_id)
            return
        if got == CLAIMED:
            LATE.labels("rescued").inc()
            got = render.replies_to_text(self.dispatcher.handle(incoming))
            self.users.keep_deferred_answer(openid, turn_id, got)    # for this job's retries
        if got.strip():
            self.deliver({"openid": openid, "text": got, "at": payload.get("at"), "_job_id": payload.get("_job_id"),
                          "_attempt": payload.get("_attempt", 1)})
        self.users.drop_deferred(openid, turn_id)

    def send_outbox(self, openid: str, replies: list) -> None:
        """Outbox sender for "wechat_oa" (an agent's messages during a handoff, its closing
        prompt): delivered like a late answer, or parked for the citizen's next message."""
        if not _OPENID.fullmatch(openid):
            log.warning("outbox message for a malformed WeChat user id dropped")
            return
        self.hand_late_answer(openid, render.replies_to_text(replies), notice=True)

    def deliver(self, payload: dict) -> None:
        """Job: one customer-service message with the answer (its first page), or park it."""
        openid, text = payload["openid"], payload["text"]
        if not text.strip() or self._forgotten_since_queued(openid, payload):
            return
        notice = bool(payload.get("notice"))
        sent_marker = self.hub.key("wx", "delivered", payload.get("_job_id") or uuid.uuid4().hex)
        if not self.hub.text.set(sent_marker, "1", nx=True, ex=86400):
            # An earlier try stopped after claiming this delivery: it may have gone out. Never twice:
            # keep it for the citizen's next reply instead.
            self.park_answer(openid, text, notice=notice)
            LATE.labels("parked").inc()
            return
        pages = render.paginate(text)
        try:
            outcome = self.customer_service.send_text(openid, pages[0])
        except Exception:
            self.hub.text.delete(sent_marker)      # not sent: the job's retry may send it
            if payload.get("_attempt", 1) >= self.jobs.max_tries:
                self.park_answer(openid, text, notice=notice)    # the last try: dead-lettered, yet not lost
                LATE.labels("parked").inc()
            raise
        if outcome is Outcome.SENT:
            self.users.store_pages(openid, pages[1:])
        else:
            # No window, no quota, or no answer from WeChat: it waits for the citizen's next message.
            self.park_answer(openid, text, notice=notice)
        LATE.labels(outcome.value).inc()

    def park_answer(self, openid: str, text: str, *, notice: bool = False) -> None:
        """Keep a message for the citizen's next reply. A late answer goes under a heading;
        a notice (an agent's message) carries its own."""
        self.users.park(openid, text if notice else f"{EARLIER_ANSWER}\n\n{text}")

    def run_queued_turn(self, payload: dict) -> None:
        """Job (turn_mode=queue): the turn itself; a late result is delivered like any other."""
        incoming = incoming_from_dict(payload["incoming"])
        if self._forgotten_since_queued(incoming.user_id, payload):
            return
        text = render.replies_to_text(self.dispatcher.handle(incoming))
        if not self.queued.hand_over(payload["ticket"], text):
            # A job of its own: when WeChat fails, that job is retried, not the citizen's turn
            # (which may have filed a complaint or booked a slot).
            self.hand_late_answer(incoming.user_id, text, at=payload.get("at"))

    def job_handlers(self) -> dict:
        return {DELIVER_JOB: self.deliver, TURN_JOB: self.run_queued_turn, RESCUE_JOB: self.rescue_turn}


class _Progress:
    """How far a push got, for what a failure must undo."""

    def __init__(self, stored: bool):
        self.changed = stored    # the dispatcher ran, or a page was taken
        self.stored = stored     # the answer is kept in the turn record
