"""What each call_id stood for, so that a reused call_id is never attached to another call.

The hotline's systems are meant to give every call its own call_id, but a new transcript
sent under a known id (a counter reset, a copy-paste) would otherwise be matched to the
first call's work order. Redis keeps each call_id's fingerprint (Call.fingerprint: when,
how long, who said what); the same call sent again is recognised, a different one refused.
"""
from __future__ import annotations

import hashlib
import logging
from enum import Enum

import redis

from bot.core.redis_hub import RedisHub

from bot.channels.hotline.transcripts import Call

log = logging.getLogger(__name__)

MEMORY_TTL_S = 400 * 86400      # as long as the work-order memory (work_orders.py)


class Claim(Enum):
    NEW = "new"                 # first time this call_id is seen
    SAME = "same"               # seen before, with this very content (a re-ingestion)
    CONFLICT = "conflict"       # seen before with different content: refuse
    UNKNOWN = "unknown"         # Redis did not answer: cannot tell (the idempotency key still guards)


class CallRegistry:
    def __init__(self, hub: RedisHub):
        self.hub = hub

    def _key(self, call_id: str) -> str:
        return self.hub.key("hotline", "call", hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:32])

    def claim(self, call: Call) -> Claim:
        fingerprint = call.fingerprint()
        try:
            # one round trip: set if new, and read what is there either way
            with self.hub.text.pipeline(transaction=False) as pipe:
                pipe.set(self._key(call.call_id), fingerprint, nx=True, ex=MEMORY_TTL_S)
                pipe.get(self._key(call.call_id))
                created, known = pipe.execute()
        except redis.RedisError:
            log.warning("hotline: call registry unreadable (Redis)")
            return Claim.UNKNOWN
        if created:
            return Claim.NEW
        if known is None:       # expired between the two commands
            return self.claim(call)
        return Claim.SAME if known == fingerprint else Claim.CONFLICT
