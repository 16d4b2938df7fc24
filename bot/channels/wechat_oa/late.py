"""Late answers: what reaches a WeChat citizen after the passive reply, as a customer-service
message through the job stream (bot.core.jobs), or parked for their next message.

    web side     note_deferred()   a turn overran its budget: recorded, with a rescue job due later
                 late_answer()     its answer came: settled on the record, then handed to the stream
    worker side  deliver()         one customer-service message (its first page), or parked
                 rescue_turn()     a deferred turn whose web process died: run once more, or given up
                 run_queued_turn() turn_mode=queue: the turn itself, answered in time or late
    any process  send_outbox()     the Outbox sender for "wechat_oa" (an agent's messages)

The webhook (webhook.py) uses the web side; `python -m bot.worker` serves `job_handlers()`.
Nothing here runs twice: a delivery claims a marker before it sends, a rescue claims the turn's
record, and an unsubscribe since a job was queued drops it.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Callable

from prometheus_client import Counter
from redis import RedisError

from bot.channels.wechat_oa import render
from bot.channels.wechat_oa.liveness import Liveness
from bot.channels.wechat_oa.turns import TURN_JOB, QueuedTurns, incoming_from_dict, incoming_to_dict
from bot.channels.wechat_oa.user_state import ALIVE, CLAIMED, DEFERRED_KEEP_S, RUNNING, UserState
from bot.core.jobs import JobQueue
from bot.core.messages import Incoming, Reply
from bot.core.redis_hub import RedisHub
from bot.wechat_api import CustomerService, Outcome

log = logging.getLogger(__name__)

DELIVER_JOB = "wechat_oa.deliver"
RESCUE_JOB = "wechat_oa.rescue"
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
EARLIER_ANSWER = "【您之前咨询的结果】"
GAVE_UP = "抱歉，您刚才的问题办理超时，没有得到结果。请重新发送一次，或回复“人工”转人工服务。"
# A rescue job finding the turn still held by a live process looks again this many times
# (every rescue_after_s: 10 minutes by default) before it gives up.
RESCUE_LOOKS = 10
# Tries to release a delivery's claim after a failure (seconds before each): Redis restarting.
UNCLAIM_WAITS_S = (0, 0.5, 1, 2, 4)

LATE = Counter("wechat_late_answers_total", "Answers delivered after the passive reply", ["outcome"])

Handle = Callable[[Incoming], "list[Reply]"]


class LateAnswers:
    def __init__(self, handle: Handle, customer_service: CustomerService, hub: RedisHub, jobs: JobQueue,
                 users: UserState, queued: QueuedTurns, rescue_after_s: int):
        self.handle = handle
        self.customer_service = customer_service
        self.hub = hub
        self.jobs = jobs
        self.users = users
        self.queued = queued
        self.rescue_after_s = rescue_after_s
        self.liveness = Liveness(hub)
        self.rescue_looks = RESCUE_LOOKS

    def job_handlers(self) -> dict:
        return {DELIVER_JOB: self.deliver, TURN_JOB: self.run_queued_turn, RESCUE_JOB: self.rescue_turn}

    # -- handing over (any process) ---------------------------------------------------------------
    def hand_late_answer(self, openid: str, text: str, *, notice: bool = False, at: float | None = None) -> None:
        """A customer-service message for the citizen, through the job stream. `notice`: not an
        answer to a question of theirs (an agent's message), so parked without the heading.
        `at`: when the turn it answers began (an unsubscribe since then cancels it)."""
        if text.strip():
            self.jobs.enqueue(DELIVER_JOB, {"openid": openid, "text": text, "at": at or time.time(),
                                            **({"notice": True} if notice else {})})

    def send_outbox(self, openid: str, replies: list) -> None:
        """Outbox sender for "wechat_oa" (an agent's messages during a handoff, its closing
        prompt): delivered like a late answer, or parked for the citizen's next message."""
        if not _OPENID.fullmatch(openid):
            log.warning("outbox message for a malformed WeChat user id dropped")
            return
        self.hand_late_answer(openid, render.replies_to_text(replies), notice=True)

    def _forgotten_since_queued(self, openid: str, payload: dict) -> bool:
        """The citizen unsubscribed after this job was queued: it must not run (nor recreate data)."""
        gone = self.users.forgotten_since(openid)
        if gone is not None and float(payload.get("at") or 0) <= gone:
            LATE.labels("forgotten").inc()
            return True
        return False

    # -- web side (inline mode) --------------------------------------------------------------------
    def note_deferred(self, incoming: Incoming) -> str:
        """A turn overran its budget: keep it on record, sealed, with a job due after
        `rescue_after_s`, so that a worker runs it if this process dies first."""
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

    def late_answer(self, incoming: Incoming, text: str, turn_id: str | None) -> None:
        """The overrun turn has its answer. It is settled on the turn's record first, so that from
        then on a failure loses nothing: the rescue job delivers what the record holds once this
        process lets go of the turn."""
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

    # -- worker side (jobs) -------------------------------------------------------------------------
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
            got = render.replies_to_text(self.handle(incoming))
            self.users.keep_deferred_answer(openid, turn_id, got)    # for this job's retries
        if got.strip():
            self.deliver({"openid": openid, "text": got, "at": payload.get("at"), "_job_id": payload.get("_job_id"),
                          "_attempt": payload.get("_attempt", 1)})
        self.users.drop_deferred(openid, turn_id)

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
            self._unclaim(sent_marker)             # not sent: the job's retry may send it
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

    def _unclaim(self, marker: str) -> None:
        """Let the job's retry send a message this try did not send. The failure may be Redis
        itself, away for the seconds of a restart: without this, the retry would find the claim,
        take the message for one that may have gone out and park it instead of sending it."""
        for wait in UNCLAIM_WAITS_S:
            time.sleep(wait)
            try:
                self.hub.text.delete(marker)
                return
            except RedisError:
                continue
        log.warning("a customer-service message not sent could not be released for its retry "
                    "(Redis away); it will be parked for the citizen's next message")

    def park_answer(self, openid: str, text: str, *, notice: bool = False) -> None:
        """Keep a message for the citizen's next reply. A late answer goes under a heading;
        a notice (an agent's message) carries its own."""
        self.users.park(openid, text if notice else f"{EARLIER_ANSWER}\n\n{text}")

    def run_queued_turn(self, payload: dict) -> None:
        """Job (turn_mode=queue): the turn itself; a late result is delivered like any other."""
        incoming = incoming_from_dict(payload["incoming"])
        if self._forgotten_since_queued(incoming.user_id, payload):
            return
        text = render.replies_to_text(self.handle(incoming))
        if not self.queued.hand_over(payload["ticket"], text):
            # A job of its own: when WeChat fails, that job is retried, not the citizen's turn
            # (which may have filed a complaint or booked a slot).
            self.hand_late_answer(incoming.user_id, text, at=payload.get("at"))
