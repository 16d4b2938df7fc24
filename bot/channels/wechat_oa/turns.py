"""Exactly once and never late: turn records, and the two ways of running a turn in a budget.

Turn records (one Redis hash per push, keyed by its dedup key):

    admit()        the first copy of a push creates the record (state=running) and runs the turn
                   (a retry takes over a record left `running` by a process that died);
                   the same round trip refuses a replayed query string and takes the
                   citizen's parked answers;
    store_answer() once the turn has its answer (the dispatcher ran), the answer is kept,
                   sealed, before anything is rendered (state=answered);
    finish()       stores the exact HTTP body sent back (state=done);
    wait_body()    a retry (same MsgId, or same event key) — in any process — waits for that
                   body and sends it again, byte for byte; the handler never runs twice.

When a copy fails: before the dispatcher ran, its record is deleted and a waiting (or
later) retry claims the push afresh; after, the record keeps the answer (state=unsent)
and the retry sends it without running the turn again (RESUME).

Runners: `run(incoming, timeout) -> text | None` returns the rendered answer ("" when
there is nothing to say), or None when it was not ready in time; the answer is then
delivered later by `on_late` (a customer-service message, through the job stream).

    InlineTurns   the web process runs the dispatcher in a thread and waits up to the
                  budget; an overrun keeps running and hands its answer to the stream.
                  `on_defer` records the overrun durably first, so that a worker can run
                  it again if this process dies before the answer comes.
    QueuedTurns   every turn is a job on the stream; the web process waits up to the
                  budget for a worker's answer.

Which one is the default, and why, is in docs/benchmarks.md (the webhook).
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Callable

from bot.core.jobs import JobQueue
from bot.core.messages import Incoming
from bot.core.redis_hub import RedisHub
from bot.core.sealing import Sealer

log = logging.getLogger(__name__)

# Admit a push, in one round trip (Redis round trips are most of the channel's cost):
#   {-1}  its signed query string came before with another body: a replay, refused;
#   {0}   its record exists: a retry (or a copy in another process), which waits for the reply;
#   {1, parked...}  this copy runs it (also when a record is left `running` long after any
#         budget: the process answering it died); the citizen's parked answers are taken;
#   {2, answer}  the turn ran and its answer is stored, but the copy that ran it could not
#         send it (state=unsent, or `answered` long after any budget): this copy sends it.
# KEYS: record, signed-query key, the citizen's index of records, the citizen's parked answers
# ARGV: record ttl, now, orphaned after (s), body digest, signed-query ttl
_ADMIT = """
local seen = redis.call('get', KEYS[2])
if seen and seen ~= ARGV[4] then return {-1} end
if not seen then redis.call('set', KEYS[2], ARGV[4], 'ex', tonumber(ARGV[5])) end
local state = redis.call('hget', KEYS[1], 'state')
if state then
  local started = tonumber(redis.call('hget', KEYS[1], 'started') or '0')
  local orphaned = tonumber(ARGV[2]) - started >= tonumber(ARGV[3])
  if state == 'unsent' or (state == 'answered' and orphaned) then
    redis.call('hset', KEYS[1], 'state', 'answered', 'started', ARGV[2])
    return {2, redis.call('hget', KEYS[1], 'answer') or ''}
  end
  if state ~= 'running' or not orphaned then return {0} end
end
redis.call('hset', KEYS[1], 'state', 'running', 'started', ARGV[2])
redis.call('expire', KEYS[1], tonumber(ARGV[1]))
redis.call('sadd', KEYS[3], KEYS[1])
redis.call('expire', KEYS[3], tonumber(ARGV[1]))
local parked = redis.call('lrange', KEYS[4], 0, -1)
redis.call('del', KEYS[4])
table.insert(parked, 1, 1)
return parked
"""

# The replay check alone, for pushes that run nothing (they still spend their query string).
_NOTE_QUERY = """
local seen = redis.call('get', KEYS[1])
if seen and seen ~= ARGV[1] then return 0 end
if not seen then redis.call('set', KEYS[1], ARGV[1], 'ex', tonumber(ARGV[2])) end
return 1
"""

REPLAY, RETRY, ADMITTED, RESUME = -1, 0, 1, 2
RECLAIM = "reclaim"      # wait_body: the copy that had the push gave it up; claim it again


@dataclass(frozen=True)
class Answer:
    """What a turn answers: the text of the passive reply (None: `success`), the pages to keep
    for "更多" (None: leave the stored ones alone), and how it went (a metrics label)."""
    first: str | None
    later: list[str] | None
    outcome: str

    def to_json(self) -> str:
        return json.dumps({"first": self.first, "later": self.later, "outcome": self.outcome}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> "Answer":
        try:
            d = json.loads(raw) if raw else None
            return cls(d["first"], d["later"], d["outcome"])
        except (ValueError, TypeError, KeyError):
            return cls(None, None, "unreadable")     # sealed under another key: nothing to resend


class TurnRecords:
    """The turn records, and the replay guard that shares their round trip.

    A signed query string is good for one body: the same body again is WeChat
    retrying; another body is someone replaying a captured query string
    (plaintext mode signs no body). Answers and bodies are stored sealed."""

    def __init__(self, hub: RedisHub, sealer: Sealer, ttl_s: int, orphaned_after_s: float, replay_ttl_s: int):
        self.hub = hub
        self.sealer = sealer
        self.ttl_s = ttl_s
        self.orphaned_after_s = orphaned_after_s
        self.replay_ttl_s = replay_ttl_s
        self._admit = hub.text.register_script(_ADMIT)
        self._note_query = hub.text.register_script(_NOTE_QUERY)

    def key(self, dedup_key: str) -> str:
        return self.hub.key("wx", "turn", dedup_key)

    def admit(self, key: str, replay_key: str, body_digest: str, index_key: str,
              parked_key: str) -> tuple[int, list[str] | Answer | None]:
        """REPLAY or RETRY (None); ADMITTED with the parked answers taken (sealed);
        RESUME with the stored Answer — see _ADMIT."""
        status, *rest = self._admit(keys=[key, self.hub.key("wx", "sig", replay_key), index_key, parked_key],
                                    args=[self.ttl_s, f"{time.time():.3f}", self.orphaned_after_s, body_digest,
                                          self.replay_ttl_s])
        status = int(status)
        if status == RESUME:
            return status, Answer.from_json(self.sealer.open(rest[0] or None, key + ":answer"))
        return status, (rest if status == ADMITTED else None)

    def note_query(self, replay_key: str, body_digest: str) -> bool:
        """False when the signed query string came before with another body."""
        return bool(self._note_query(keys=[self.hub.key("wx", "sig", replay_key)],
                                     args=[body_digest, self.replay_ttl_s]))

    def store_answer(self, key: str, answer: Answer, pipe) -> None:
        """Queue on `pipe`: the turn's answer, kept until the reply is stored (state=answered)."""
        pipe.hset(key, mapping={"state": "answered", "answer": self.sealer.seal(answer.to_json(), key + ":answer")})

    def mark_unsent(self, key: str) -> None:
        """This copy could not send the stored answer: the next retry sends it (RESUME)."""
        self.hub.text.hset(key, "state", "unsent")

    def finish(self, key: str, body: str, content_type: str, pipe) -> None:
        """Queue on `pipe`: the body sent back, for the retries (the answer is no longer needed)."""
        pipe.hset(key, mapping={"state": "done", "body": self.sealer.seal(body, key), "ctype": content_type})
        pipe.hdel(key, "answer")
        pipe.expire(key, self.ttl_s)

    def wait_body(self, key: str, deadline: float) -> tuple[str, str] | str | None:
        """(body, content type) of the first copy once it has answered; RECLAIM when that copy
        gave the push up (record gone, or answer unsent); None at the deadline."""
        delay = 0.01
        while True:
            state, body, ctype = self.hub.text.hmget(key, "state", "body", "ctype")
            if state == "done":
                opened = self.sealer.open(body, key)
                return (opened, ctype) if opened is not None else None
            if state is None or state == "unsent":
                return RECLAIM
            if time.monotonic() >= deadline:
                return None
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 0.1)


Deferral = Callable[[Incoming], "str | None"]           # incoming -> turn id (None: not recorded)
LateAnswer = Callable[[Incoming, str, "str | None"], None]   # (incoming, text, turn id)
RenderReplies = Callable[[list], str]
Handle = Callable[[Incoming], list]


class InlineTurns:
    """Runs the turn (`handle`) in this process; an overrun is recorded by `on_defer` and its
    answer goes to `on_late`."""

    def __init__(self, handle: Handle, render: RenderReplies, on_defer: Deferral, on_late: LateAnswer, threads: int,
                 limit: int | None = None):
        self.handle = handle
        self.limit = limit or threads
        self.render = render
        self.on_defer = on_defer
        self.on_late = on_late
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._running = 0          # turns submitted and not finished (overruns included)

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:      # created on first use: after gunicorn's fork, and never in workers
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="wechat-turn")
            return self._pool

    def saturated(self) -> bool:
        """As many turns run here as the process should carry: a new one would hold a web thread
        waiting on the same Rasa and backends, while the pushes behind it age in the backlog."""
        return self._running >= self.limit

    def run(self, incoming: Incoming, timeout: float) -> str | None:
        box = _Box()

        def turn() -> None:
            try:
                text = self.render(self.handle(incoming))
            except Exception:     # handle() never raises; rendering a reply might
                log.exception("rendering a turn's replies failed")
                text = "抱歉，系统出了点问题，请稍后再试。"
            finally:
                with self._pool_lock:
                    self._running -= 1
            with box.lock:
                box.text = text
                late = box.deferred
            box.ready.set()
            if late:
                # Hand over only once the overrun is on record: the hand-over settles it.
                box.recorded.wait(10)
                try:
                    self.on_late(incoming, text, box.turn_id)
                except Exception:
                    log.exception("handing a late answer to the job stream failed")

        with self._pool_lock:
            self._running += 1
        # In the caller's context: the request id (and the reader of the access audit) go along.
        self._executor().submit(contextvars.copy_context().run, turn)
        box.ready.wait(max(0.0, timeout))
        with box.lock:           # the turn may finish between the wait and here: then it is in time
            if box.text is None:
                box.deferred = True
            text = box.text
        if text is None:
            try:
                box.turn_id = self.on_defer(incoming)
            except Exception:
                log.exception("recording an overrun turn failed; its answer lives only in this process")
            finally:
                box.recorded.set()
        return text


class _Box:
    def __init__(self):
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.recorded = threading.Event()
        self.text: str | None = None
        self.deferred = False
        self.turn_id: str | None = None


# The web side gives up waiting: take the answer if it is there, else mark the ticket deferred.
_GIVE_UP = """
local answer = redis.call('lpop', KEYS[2])
if answer then return answer end
redis.call('set', KEYS[1], 'deferred', 'ex', tonumber(ARGV[1]))
return false
"""
# The worker has the answer: hand it to the waiting web request, unless that gave up (then 0).
_HAND_OVER = """
if redis.call('get', KEYS[1]) == 'deferred' then return 0 end
redis.call('rpush', KEYS[2], ARGV[1])
redis.call('expire', KEYS[2], tonumber(ARGV[2]))
return 1
"""

TURN_JOB = "wechat_oa.turn"


class QueuedTurns:
    """Every turn is a job; the web request waits for the worker's answer up to the budget.
    The answer crosses Redis sealed."""

    def __init__(self, hub: RedisHub, queue: JobQueue, sealer: Sealer, ttl_s: int):
        self.hub = hub
        self.queue = queue
        self.sealer = sealer
        self.ttl_s = ttl_s
        self._give_up = hub.text.register_script(_GIVE_UP)
        self._hand_over = hub.text.register_script(_HAND_OVER)

    def _keys(self, ticket: str) -> list[str]:
        return [self.hub.key("wx", "ticket", ticket), self.hub.key("wx", "answer", ticket)]

    def run(self, incoming: Incoming, timeout: float) -> str | None:
        ticket = uuid.uuid4().hex
        self.queue.enqueue(TURN_JOB, {"ticket": ticket, "incoming": incoming_to_dict(incoming), "at": time.time()})
        state_key, answer_key = self._keys(ticket)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0.005:
            # In slices: the Redis client's socket timeout is shorter than a whole budget.
            got = self.hub.text.blpop([answer_key], timeout=min(left, 1.0))
            if got:
                return self.sealer.open(got[1], answer_key)
        got = self._give_up(keys=[state_key, answer_key], args=[self.ttl_s])
        return self.sealer.open(got, answer_key) if got is not None else None

    def hand_over(self, ticket: str, text: str) -> bool:
        """Worker side: True when the web request took the answer, False when it is late."""
        state_key, answer_key = self._keys(ticket)
        return bool(self._hand_over(keys=[state_key, answer_key], args=[self.sealer.seal(text, answer_key), self.ttl_s]))


def incoming_to_dict(incoming: Incoming) -> dict:
    d = asdict(incoming)
    d["location"] = list(incoming.location) if incoming.location else None
    return d


def incoming_from_dict(d: dict) -> Incoming:
    d = dict(d)
    if d.get("location") is not None:
        d["location"] = tuple(d["location"])
    return Incoming(**d)
