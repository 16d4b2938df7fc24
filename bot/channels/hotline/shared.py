"""Several processes sharing one transcript file, through a Redis Stream (`make ingest SHARED=1`).

Every process started on the same file (same content, wherever it lies) joins the same stream:

- the first one to arrive feeds it: each line goes in as one entry {line, raw} (a lock decides
  who; a feeder that dies is replaced once its lock expires, and goes on after the last line fed);
- every process reads entries through one consumer group, so each line is handed to one process;
  it acknowledges a line once its outcome is written, and a line left unacknowledged by a process
  that died is claimed by another after `CLAIM_IDLE_MS`;
- a process stops when every line is fed and handed out and it has finished its own.

Work orders are never filed twice: the work-order memory and idempotency key (work_orders.py)
guard a line processed again after a crash, and the call registry a call_id seen twice. Each
process writes the results of its own lines; `line` says where each came from.
"""
from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from typing import Iterator

import redis

from bot.core.redis_hub import RedisHub

GROUP = "ingest"
FEED_LOCK_S = 30            # the feeder renews it while feeding
CLAIM_IDLE_MS = 60_000      # a line unacknowledged this long is taken over
TTL_S = 7 * 86400           # the stream and its counters, once the file is done


def file_id(path: Path) -> str:
    """The file's identity: a digest of its content (two copies of one file are one stream)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:24]


class SharedFile:
    def __init__(self, hub: RedisHub, path: Path, consumer: str | None = None):
        self.hub, self.path = hub, path
        self.r = hub.raw
        fid = file_id(path)
        self.stream = hub.key("hotline", "shared", fid, "lines")
        self.meta = hub.key("hotline", "shared", fid, "meta")      # fed, total, acked
        self.lock = hub.key("hotline", "shared", fid, "feeder")
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        try:
            self.r.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    # -- feeding ---------------------------------------------------------------------------------
    def feed_if_needed(self) -> bool:
        """Feed the stream when no one else is (or a feeder died mid-way); True when this process fed."""
        if self.r.hget(self.meta, "total") is not None:
            return False
        if not self.r.set(self.lock, self.consumer, nx=True, ex=FEED_LOCK_S):
            return False
        fed = int(self.r.hget(self.meta, "fed") or 0)      # lines already fed by a feeder that died
        number = 0
        with self.path.open("rb") as f:
            for number, raw in enumerate(f, 1):
                if number <= fed:
                    continue
                pipe = self.r.pipeline()
                pipe.xadd(self.stream, {b"line": str(number).encode(), b"raw": raw})
                pipe.hset(self.meta, "fed", number)
                if number % 500 == 0:
                    pipe.expire(self.lock, FEED_LOCK_S)
                pipe.execute()
        self.r.hset(self.meta, "total", number)
        for key in (self.stream, self.meta):
            self.r.expire(key, TTL_S)
        self.r.delete(self.lock)
        return True

    # -- consuming ---------------------------------------------------------------------------------
    def lines(self, batch: int = 16, block_ms: int = 1000) -> Iterator[tuple[bytes, int, bytes]]:
        """(entry id, line number, raw line) for this process to do, until the file is all done.
        Acknowledge each with ack() once its outcome is written."""
        while True:
            claimed = self.r.xautoclaim(self.stream, GROUP, self.consumer, CLAIM_IDLE_MS, "0-0", count=batch)
            entries = list(claimed[1]) if claimed else []
            if not entries:
                got = self.r.xreadgroup(GROUP, self.consumer, {self.stream: ">"}, count=batch, block=block_ms)
                entries = got[0][1] if got else []
            for entry_id, fields in entries:
                if fields:       # an entry trimmed away while claimed has no fields
                    yield entry_id, int(fields[b"line"]), fields[b"raw"]
            if not entries:
                self.feed_if_needed()       # the feeder may have died: take over
                if self.nothing_left_for_me():
                    return

    def ack(self, entry_id: bytes) -> None:
        self.r.xack(self.stream, GROUP, entry_id)

    def nothing_left_for_me(self) -> bool:
        """Every line fed and handed out, and none to take over (lines are taken over at the top of
        each round in lines()). Lines another live process holds are its own to finish; those of a
        process that dies are taken over by one still running once idle for CLAIM_IDLE_MS, or by
        the next run with --shared."""
        if self.r.hget(self.meta, "total") is None:
            return False
        last = self.r.xinfo_stream(self.stream)["last-generated-id"]
        group = next(g for g in self.r.xinfo_groups(self.stream) if g["name"] in (GROUP, GROUP.encode()))
        return group["last-delivered-id"] == last
