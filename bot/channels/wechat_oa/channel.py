"""The WeChat Official Account channel: one push in, one passive reply out, in budget, once.

    POST /wechat ─► query checks (signature, timestamp window)      403
                 ─► body ≤ 64 KiB                                     413
                 ─► (encrypted: msg_signature,) decrypt, parse, fields 403/400
                 ─► turn record + replay check (one Redis round trip): a replayed query
                    string is refused (403); a retry waits for the first copy's reply
                    and sends it again
                 ─► route: dispatcher / channel's own answer / forget / ignore
                 ─► in budget: the answer; past it: "on its way" + a customer-service
                    message later (job stream); long answers in pages ("回复继续")
                 ─► passive reply XML, encrypted when the push was

Built once per process by `create_blueprint` (web) and by `bot.worker` (jobs).
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from prometheus_client import Counter

from bot.channels.wechat_oa import render
from bot.channels.wechat_oa.config import WeChatSettings
from bot.channels.wechat_oa.crypto import DecryptError, MessageCrypto
from bot.channels.wechat_oa.routing import Dispatch, Forget, Ignore, Say, route, window_opened_by
from bot.channels.wechat_oa.signing import (RequestRefused, SignedQuery, check_fresh, check_msg_signature,
                                            check_query_signature, check_url_verification, read_query)
from bot.channels.wechat_oa.turns import (REPLAY, RETRY, TURN_JOB, InlineTurns, QueuedTurns, TurnRecords,
                                          incoming_from_dict)
from bot.channels.wechat_oa.user_state import UserState
from bot.channels.wechat_oa.xml_in import BadMessage, WeChatMessage, parse_fields, parse_message
from bot.jobs import JobQueue
from bot.redis_conn import RedisHub
from bot.wechat_api import CustomerService, Outcome, build_api

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
DELIVER_JOB = "wechat_oa.deliver"
ON_ITS_WAY = "您的问题正在办理中，结果稍后会发消息告诉您，请留意。"
EARLIER_ANSWER = "【您之前咨询的结果】"
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
    def __init__(self, runtime, settings: WeChatSettings):
        hub: RedisHub = runtime.hub
        self.settings = settings
        self.hub = hub
        self.dispatcher = runtime.dispatcher
        self.crypto = MessageCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        self.api = build_api(settings, hub)
        self.customer_service = CustomerService(self.api, hub)
        self.jobs = JobQueue(hub, settings.jobs.stream, max_tries=settings.jobs.max_tries,
                             backoff_s=settings.jobs.backoff_s, visibility_s=settings.jobs.visibility_s)
        # Within the budget every first copy finishes its record (answer or "on its way");
        # one still running well after that belongs to a process that died. A signed query
        # string is remembered as long as its timestamp could pass the window check.
        self.records = TurnRecords(hub, settings.dedup_ttl_s, orphaned_after_s=settings.reply_budget_s + 3,
                                   replay_ttl_s=2 * settings.timestamp_window_s + 60)
        self.users = UserState(hub, continuation_ttl_s=settings.continuation_ttl_s,
                               parked_ttl_s=settings.parked_ttl_s)
        self.queued = QueuedTurns(hub, self.jobs, settings.dedup_ttl_s)
        self.inline = InlineTurns(self.dispatcher, render.replies_to_text, self.hand_late_answer,
                                  settings.inline_threads)
        self.runner = self.inline if settings.turn_mode == "inline" else self.queued

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
            action = route(msg)
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
        admitted, parked = self.records.admit(record, query.replay_key, body_digest,
                                              self.users.turns_key(msg.openid), self.users.parked_key(msg.openid))
        if admitted == REPLAY:
            return self._refused(RequestRefused(403, "signed query string replayed with a different body"))
        if admitted == RETRY:
            # WeChat retrying (or the same push in another process): the first copy's reply.
            PUSHES.labels("retry").inc()
            got = self.records.wait_body(record, deadline)
            return HttpAnswer(200, got[0], got[1]) if got else SUCCESS
        try:
            answer, later_pages, unshown = self._answer(msg, query, action, parked, deadline)
            # One round trip for everything the turn leaves behind.
            pipe = self.hub.text.pipeline(transaction=False)
            self.records.finish(record, answer.body, answer.content_type, pipe)
            if later_pages is not None:
                self.users.store_pages(msg.openid, later_pages, pipe)
            self.users.put_back_parked(msg.openid, unshown, pipe)
            opened = window_opened_by(msg)
            if opened:
                self.customer_service.note_user_action(msg.openid, opened, pipe=pipe)
            pipe.execute()
        except Exception:
            # Redis or a bug: let WeChat's retry try again rather than cache a failure,
            # and keep the parked answers for it.
            log.exception("answering a push failed")
            try:
                pipe = self.hub.text.pipeline(transaction=False)
                self.users.put_back_parked(msg.openid, parked, pipe)
                pipe.delete(record)
                pipe.execute()
            except Exception:
                log.warning("could not release the turn record after a failure")
            PUSHES.labels("failed").inc()
            return HttpAnswer(503, "temporarily unavailable")
        return answer

    # -- one answer ------------------------------------------------------------------------------
    def _answer(self, msg: WeChatMessage, query: SignedQuery, action, parked: list[str],
                deadline: float) -> tuple[HttpAnswer, list[str] | None, list[str]]:
        """The reply; the pages to keep for "继续" (None: leave the stored pages alone); and
        the parked answers it could not show (they go back)."""
        if isinstance(action, Forget):
            self.forget(msg.openid)
            PUSHES.labels("forgotten").inc()
            return SUCCESS, None, []
        if isinstance(action, Say):
            text, outcome = action.text, "answered"
        else:
            text, outcome = self._dispatch(msg, action, deadline)
        if outcome == "page":
            return self._reply(msg, query, text), None, parked    # a page is full already
        if parked:
            text = "\n\n".join([EARLIER_ANSWER, *parked, "——", text])
        pages = [text] if outcome == "deferred" else render.paginate(text)
        PUSHES.labels(outcome).inc()
        return self._reply(msg, query, pages[0]), pages[1:], []

    def _dispatch(self, msg: WeChatMessage, action: Dispatch, deadline: float) -> tuple[str, str]:
        if msg.msg_type == "text" and msg.get("Content").strip() == render.MORE_WORD:
            page = self.users.next_page(msg.openid)
            if page is not None:
                PUSHES.labels("answered").inc()
                return page, "page"
        answer = self.runner.run(action.incoming, deadline - time.monotonic() - RENDER_MARGIN_S)
        if answer is None:
            return ON_ITS_WAY, "deferred"
        return (f"{action.lead}\n\n{answer}" if action.lead else answer), "answered"

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
    def hand_late_answer(self, openid: str, text: str) -> None:
        self.jobs.enqueue(DELIVER_JOB, {"openid": openid, "text": text})

    def deliver(self, payload: dict) -> None:
        """Job: one customer-service message with the answer (its first page), or park it."""
        openid, text = payload["openid"], payload["text"]
        sent_marker = self.hub.key("wx", "delivered", payload.get("_job_id") or hashlib.sha1(text.encode()).hexdigest())
        if not self.hub.text.set(sent_marker, "1", nx=True, ex=86400):
            # An earlier try stopped after claiming this delivery: it may have gone out. Never twice:
            # keep it for the citizen's next reply instead.
            self.users.park(openid, text)
            LATE.labels("parked").inc()
            return
        pages = render.paginate(text)
        try:
            outcome = self.customer_service.send_text(openid, pages[0])
        except Exception:
            self.hub.text.delete(sent_marker)      # not sent: the job's retry may send it
            if payload.get("_attempt", 1) >= self.jobs.max_tries:
                self.users.park(openid, text)      # the last try: dead-lettered, yet not lost
                LATE.labels("parked").inc()
            raise
        if outcome is Outcome.SENT:
            self.users.store_pages(openid, pages[1:])
        else:
            # No window, no quota, or no answer from WeChat: it waits for the citizen's next message.
            self.users.park(openid, text)
        LATE.labels(outcome.value).inc()

    def run_queued_turn(self, payload: dict) -> None:
        """Job (turn_mode=queue): the turn itself; a late result is delivered like any other."""
        incoming = incoming_from_dict(payload["incoming"])
        text = render.replies_to_text(self.dispatcher.handle(incoming))
        if not self.queued.hand_over(payload["ticket"], text):
            self.deliver({"openid": incoming.user_id, "text": text, "_job_id": payload.get("_job_id")})

    def job_handlers(self) -> dict:
        return {DELIVER_JOB: self.deliver, TURN_JOB: self.run_queued_turn}
