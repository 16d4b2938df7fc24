"""Deferred jobs through a Redis Streams consumer group.

    queue = JobQueue(hub, "wechat")
    queue.enqueue("wechat_oa.deliver", {"openid": "...", "text": "..."})

    stream <prefix>jobs:wechat          XADD by producers; group "workers" reads it
      ├─ handler ok       → XACK + XDEL
      ├─ handler raised   → XACK; the job waits in  <stream>:delayed (a ZSET scored by due time)
      │                     and goes back to the stream when due (back-off per try)
      ├─ last try failed  → XACK; XADD to <stream>:dead (the dead letters, with the error)
      └─ worker died      → after `visibility_s` another worker takes it over (XAUTOCLAIM) and
                            counts it as a failed try, so a job that kills workers ends dead too

    enqueue(..., delay_s=n) puts a job straight into <stream>:delayed: it runs n seconds later.

Any number of worker processes (bot.worker) share the group: each entry goes to
one of them. A handler must therefore tolerate running again after a crash
between its side effect and the acknowledgement (at-least-once).

Payloads may hold a citizen's words (an ID number typed while binding), so with a
`sealer` they are stored sealed (bot.core.sealing), also in the
delayed set and the dead letters. Nothing is kept for ever: the stream is capped
(XADD MAXLEN ~ max_len, a safety net for when no worker runs for a long time: the
oldest jobs are then lost), and dead letters are capped too and kept `dead_ttl_s`.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Protocol

import redis

from bot.core.logs import REQUEST_ID
from bot.core.privacy import redact_text
from bot.core.redis_hub import RedisHub

log = logging.getLogger(__name__)

GROUP = "workers"

# A job of a fetched batch is run only if its entry is still this consumer's, and its idle time
# starts again: a worker slow on the batch's earlier jobs must not run one that another worker
# has taken over meanwhile (XAUTOCLAIM, after visibility_s), nor lose one it is about to run.
_HOLD = """
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1, ARGV[3]) == 0 then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
"""

# Move due delayed jobs back onto the stream; ZREM first, so two workers never both move one.
_PROMOTE = """
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for _, job in ipairs(due) do
  if redis.call('zrem', KEYS[1], job) == 1 then
    local j = cjson.decode(job)
    redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[3], '*',
               'kind', j.kind, 'payload', j.payload, 'attempt', j.attempt, 'job_id', j.job_id)
    moved = moved + 1
  end
end
return moved
"""


@dataclass(frozen=True)
class Job:
    entry_id: str          # the stream entry (changes when a job is retried)
    job_id: str            # stable across tries (use it for idempotency)
    kind: str
    payload: dict[str, Any]   # {"_unreadable": True} when the stored payload did not open
    attempt: int           # 1 for the first try
    stored: str = ""       # the payload as stored (sealed): passed on unchanged to retries and dead letters


class PayloadSealer(Protocol):
    def seal(self, plain: str, where: str) -> str: ...
    def open(self, stored: str | None, where: str) -> str | None: ...


class JobQueue:
    def __init__(self, hub: RedisHub, name: str, *, max_tries: int = 5,
                 backoff_s: tuple[float, ...] = (2, 10, 30, 120), visibility_s: int = 60,
                 sealer: PayloadSealer | None = None, max_len: int = 100_000, dead_ttl_s: int = 7 * 86400):
        self.hub = hub
        self.stream = hub.key("jobs", name)
        self.delayed = self.stream + ":delayed"
        self.dead = self.stream + ":dead"
        self.max_tries = max_tries
        self.backoff_s = backoff_s
        self.visibility_ms = visibility_s * 1000
        self.sealer = sealer
        self.max_len = max_len
        self.dead_ttl_s = dead_ttl_s
        self._promote = hub.text.register_script(_PROMOTE)
        self._hold = hub.text.register_script(_HOLD)
        self._group_ready = False

    # -- producers ------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: Mapping[str, Any], *, delay_s: float = 0.0) -> str:
        """A new job; with `delay_s`, it waits in the delayed set and runs that much later."""
        job_id = uuid.uuid4().hex
        if REQUEST_ID.get() != "-":
            # The turn's request id goes with its job: the worker's log lines carry it too.
            payload = {**payload, "_request_id": REQUEST_ID.get()}
        stored = self._seal(kind, job_id, payload)
        if delay_s > 0:
            doc = json.dumps({"kind": kind, "payload": stored, "attempt": 1, "job_id": job_id})
            self.hub.text.zadd(self.delayed, {doc: time.time() + delay_s})
        else:
            self.hub.text.xadd(self.stream, {"kind": kind, "payload": stored, "attempt": 1, "job_id": job_id},
                               maxlen=self.max_len, approximate=True)
        return job_id

    def _seal(self, kind: str, job_id: str, payload: Mapping[str, Any]) -> str:
        plain = json.dumps(payload, ensure_ascii=False)
        return self.sealer.seal(plain, f"job:{kind}:{job_id}") if self.sealer else plain

    def _open(self, kind: str, job_id: str, stored: str) -> dict[str, Any]:
        plain = self.sealer.open(stored, f"job:{kind}:{job_id}") if self.sealer else stored
        try:
            payload = json.loads(plain) if plain is not None else None
        except ValueError:
            payload = None
        # Never the stored text itself here: it may be a citizen's words.
        return payload if isinstance(payload, dict) else {"_unreadable": True}

    # -- consumers ------------------------------------------------------------------------
    def ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self.hub.text.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise
        self._group_ready = True

    def fetch(self, consumer: str, *, count: int = 10, block_ms: int = 1000) -> list[Job]:
        """Jobs for this consumer: taken over from dead workers first, then new ones."""
        self.ensure_group()
        self._promote(keys=[self.delayed, self.stream], args=[time.time(), 100, self.max_len])
        try:
            _next, claimed, *_ = self.hub.text.xautoclaim(self.stream, GROUP, consumer, self.visibility_ms,
                                                          start_id="0-0", count=count)
            for eid, fields in claimed:
                if fields:   # its worker died holding it: that was a try; back-off as for a failure
                    self.fail(self._job(eid, fields), "its worker stopped before acknowledging it")
            got = self.hub.text.xreadgroup(GROUP, consumer, {self.stream: ">"}, count=count, block=block_ms)
        except redis.ResponseError as e:
            if "NOGROUP" not in str(e):
                raise
            self._group_ready = False      # the stream was deleted under us: create it again
            return []
        return [self._job(eid, fields) for _stream, entries in got or [] for eid, fields in entries if fields]

    def hold(self, job: Job, consumer: str) -> bool:
        """True when `job` is still this consumer's to run (its visibility starts again)."""
        return bool(self._hold(keys=[self.stream], args=[GROUP, job.entry_id, consumer]))

    def ack(self, job: Job) -> None:
        pipe = self.hub.text.pipeline()
        pipe.xack(self.stream, GROUP, job.entry_id)
        pipe.xdel(self.stream, job.entry_id)
        pipe.execute()

    def fail(self, job: Job, error: str) -> None:
        """Retry later with back-off, or dead-letter after the last try; acknowledges the entry."""
        pipe = self.hub.text.pipeline()
        stored = job.stored or self._seal(job.kind, job.job_id, job.payload)
        if job.attempt >= self.max_tries:
            # An error message may quote a citizen's words: identifiers are redacted, as in logs.
            pipe.xadd(self.dead, {"kind": job.kind, "payload": stored, "attempt": job.attempt,
                                  "job_id": job.job_id, "error": redact_text(error)[:500],
                                  "failed_at": int(time.time())},
                      maxlen=self.max_len, approximate=True)
            # Dead letters are for inspection, not for ever: older than dead_ttl_s they go, and
            # the whole stream goes when nothing has died for that long.
            pipe.xtrim(self.dead, minid=f"{int((time.time() - self.dead_ttl_s) * 1000)}-0", approximate=False)
            pipe.expire(self.dead, self.dead_ttl_s)
            log.error("job %s (%s) dead after %d tries: %s", job.job_id, job.kind, job.attempt, error)
        else:
            wait = self.backoff_s[min(job.attempt - 1, len(self.backoff_s) - 1)]
            doc = json.dumps({"kind": job.kind, "payload": stored,
                              "attempt": job.attempt + 1, "job_id": job.job_id})
            pipe.zadd(self.delayed, {doc: time.time() + wait})
            log.warning("job %s (%s) try %d failed, again in %ss: %s", job.job_id, job.kind, job.attempt, wait,
                        error)
        pipe.xack(self.stream, GROUP, job.entry_id)
        pipe.xdel(self.stream, job.entry_id)
        pipe.execute()

    # -- inspection -----------------------------------------------------------------------
    def dead_letters(self, count: int = 100) -> list[dict]:
        return [dict(fields, entry_id=eid) for eid, fields in self.hub.text.xrange(self.dead, count=count)]

    def backlog(self) -> int:
        """Jobs queued and not yet taken by a worker (one round trip: what admission control reads)."""
        self.ensure_group()
        group = next((g for g in self.hub.text.xinfo_groups(self.stream) if g["name"] == GROUP), None)
        lag = group.get("lag") if group else None
        return int(lag) if lag is not None else self.hub.text.xlen(self.stream)

    def waiting(self) -> dict[str, int]:
        self.ensure_group()
        pending = self.hub.text.xpending(self.stream, GROUP)
        return {"stream": self.hub.text.xlen(self.stream), "unacknowledged": pending["pending"],
                "delayed": self.hub.text.zcard(self.delayed), "dead": self.hub.text.xlen(self.dead)}

    def _job(self, entry_id: str, fields: dict) -> Job:
        attempt = int(fields.get("attempt", 1))
        job_id, kind, stored = fields.get("job_id") or entry_id, fields.get("kind", ""), fields.get("payload") or "{}"
        return Job(entry_id, job_id, kind, self._open(kind, job_id, stored), attempt, stored)


JobHandler = Callable[[dict], None]


@dataclass(frozen=True)
class Periodic:
    """A job enqueued every `interval_s` seconds by whichever worker gets there first: the
    first to set the due-key (SET NX EX interval) enqueues it, so however many workers run, the
    job is queued once per interval (and, failing, retried like any job)."""
    kind: str
    interval_s: int
    payload: Mapping[str, Any] = None

    def enqueue_if_due(self, queue: JobQueue) -> str | None:
        if self.interval_s <= 0:
            return None
        if not queue.hub.text.set(queue.hub.key("jobs", "periodic", self.kind), str(int(time.time())),
                                  nx=True, ex=self.interval_s):
            return None
        log.info("periodic job %s due (every %d s)", self.kind, self.interval_s)
        return queue.enqueue(self.kind, dict(self.payload or {}))


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class JobRunner:
    """Takes jobs from a queue and runs the handler registered for their kind."""

    def __init__(self, queue: JobQueue, handlers: Mapping[str, JobHandler], consumer: str | None = None,
                 periodic: tuple[Periodic, ...] = ()):
        self.queue = queue
        self.handlers = dict(handlers)
        self.consumer = consumer or consumer_name()
        self.periodic = periodic

    def run_once(self, block_ms: int = 1000) -> int:
        for job in self.periodic:
            job.enqueue_if_due(self.queue)
        jobs = self.queue.fetch(self.consumer, block_ms=block_ms)
        for job in jobs:
            if self.queue.hold(job, self.consumer):
                self.run_job(job)
            else:
                log.warning("job %s (%s) was taken over by another worker; not run here", job.job_id, job.kind)
        return len(jobs)

    def run_job(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None or job.payload.get("_unreadable"):
            # Retrying would not help (unknown kind, or sealed under another key): straight to the dead letters.
            why = f"no handler for kind {job.kind!r}" if handler is None else "payload does not open"
            self.queue.fail(replace(job, attempt=self.queue.max_tries), why)
            return
        token = REQUEST_ID.set(str(job.payload.get("_request_id") or f"job-{job.job_id}"))
        try:
            handler(dict(job.payload, _job_id=job.job_id, _attempt=job.attempt))
        except Exception as e:  # a job's failure must not stop the worker
            self.queue.fail(job, f"{type(e).__name__}: {e}")
        else:
            self.queue.ack(job)
        finally:
            REQUEST_ID.reset(token)

    def run_forever(self, should_stop: Callable[[], bool], block_ms: int = 1000) -> None:
        while not should_stop():
            try:
                self.run_once(block_ms)
            except redis.RedisError as e:
                log.warning("job queue unavailable: %s; retrying in 1 s", e)
                time.sleep(1)
