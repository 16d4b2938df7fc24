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

Any number of worker processes (bot.worker) share the group: each entry goes to
one of them. A handler must therefore tolerate running again after a crash
between its side effect and the acknowledgement (at-least-once).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import redis

from bot.redis_conn import RedisHub

log = logging.getLogger(__name__)

GROUP = "workers"

# Move due delayed jobs back onto the stream; ZREM first, so two workers never both move one.
_PROMOTE = """
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for _, job in ipairs(due) do
  if redis.call('zrem', KEYS[1], job) == 1 then
    local j = cjson.decode(job)
    redis.call('xadd', KEYS[2], '*', 'kind', j.kind, 'payload', j.payload, 'attempt', j.attempt, 'job_id', j.job_id)
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
    payload: dict[str, Any]
    attempt: int           # 1 for the first try


class JobQueue:
    def __init__(self, hub: RedisHub, name: str, *, max_tries: int = 5,
                 backoff_s: tuple[float, ...] = (2, 10, 30, 120), visibility_s: int = 60):
        self.hub = hub
        self.stream = hub.key("jobs", name)
        self.delayed = self.stream + ":delayed"
        self.dead = self.stream + ":dead"
        self.max_tries = max_tries
        self.backoff_s = backoff_s
        self.visibility_ms = visibility_s * 1000
        self._promote = hub.text.register_script(_PROMOTE)
        self._group_ready = False

    # -- producers ------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: Mapping[str, Any]) -> str:
        job_id = uuid.uuid4().hex
        self.hub.text.xadd(self.stream, {"kind": kind, "payload": json.dumps(payload, ensure_ascii=False),
                                         "attempt": 1, "job_id": job_id})
        return job_id

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
        self._promote(keys=[self.delayed, self.stream], args=[time.time(), 100])
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

    def ack(self, job: Job) -> None:
        pipe = self.hub.text.pipeline()
        pipe.xack(self.stream, GROUP, job.entry_id)
        pipe.xdel(self.stream, job.entry_id)
        pipe.execute()

    def fail(self, job: Job, error: str) -> None:
        """Retry later with back-off, or dead-letter after the last try; acknowledges the entry."""
        pipe = self.hub.text.pipeline()
        if job.attempt >= self.max_tries:
            pipe.xadd(self.dead, {"kind": job.kind, "payload": json.dumps(job.payload, ensure_ascii=False),
                                  "attempt": job.attempt, "job_id": job.job_id, "error": error[:500],
                                  "failed_at": int(time.time())})
            log.error("job %s (%s) dead after %d tries: %s", job.job_id, job.kind, job.attempt, error)
        else:
            wait = self.backoff_s[min(job.attempt - 1, len(self.backoff_s) - 1)]
            doc = json.dumps({"kind": job.kind, "payload": json.dumps(job.payload, ensure_ascii=False),
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

    def waiting(self) -> dict[str, int]:
        self.ensure_group()
        pending = self.hub.text.xpending(self.stream, GROUP)
        return {"stream": self.hub.text.xlen(self.stream), "unacknowledged": pending["pending"],
                "delayed": self.hub.text.zcard(self.delayed), "dead": self.hub.text.xlen(self.dead)}

    def _job(self, entry_id: str, fields: dict) -> Job:
        attempt = int(fields.get("attempt", 1))
        try:
            payload = json.loads(fields.get("payload") or "{}")
        except ValueError:
            payload = {"_unreadable": fields.get("payload")}
        return Job(entry_id, fields.get("job_id") or entry_id, fields.get("kind", ""), payload, attempt)


JobHandler = Callable[[dict], None]


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class JobRunner:
    """Takes jobs from a queue and runs the handler registered for their kind."""

    def __init__(self, queue: JobQueue, handlers: Mapping[str, JobHandler], consumer: str | None = None):
        self.queue = queue
        self.handlers = dict(handlers)
        self.consumer = consumer or consumer_name()

    def run_once(self, block_ms: int = 1000) -> int:
        jobs = self.queue.fetch(self.consumer, block_ms=block_ms)
        for job in jobs:
            self.run_job(job)
        return len(jobs)

    def run_job(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            # Retrying would not help: straight to the dead letters.
            self.queue.fail(Job(job.entry_id, job.job_id, job.kind, job.payload, self.queue.max_tries),
                            f"no handler for kind {job.kind!r}")
            return
        try:
            handler(dict(job.payload, _job_id=job.job_id, _attempt=job.attempt))
        except Exception as e:  # a job's failure must not stop the worker
            self.queue.fail(job, f"{type(e).__name__}: {e}")
        else:
            self.queue.ack(job)

    def run_forever(self, should_stop: Callable[[], bool], block_ms: int = 1000) -> None:
        while not should_stop():
            try:
                self.run_once(block_ms)
            except redis.RedisError as e:
                log.warning("job queue unavailable: %s; retrying in 1 s", e)
                time.sleep(1)
