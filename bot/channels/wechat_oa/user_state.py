"""What the channel keeps per citizen (openid), and forgets on unsubscribe.

    wx:u:<openid>:more       pages of a long answer not yet shown ("回复更多")
    wx:u:<openid>:parked     answers WeChat would not let us send; shown with the next reply
    wx:u:<openid>:deferred   turns that overran the budget in this web process, until their
                             answer is handed over (a worker re-runs them if it never is)
    wx:u:<openid>:turns      the turn records (dedup, cached replies) that hold this citizen's replies
    wx:u:<openid>:cs         the customer-service allowance (bot.wechat_api.customer_service)

Pages, parked answers and deferred answers are stored sealed (sealing.py).
"""
from __future__ import annotations

import time

from bot.core.sealing import Sealer
from bot.core.redis_hub import RedisHub

DEFERRED_KEEP_S = 86400    # how long a deferred turn waits for a worker to look at it

# A worker takes over a deferred turn that is still pending: 'claimed'; else what is there
# (nil: answered by its web process, or forgotten; 'running': an earlier try stopped midway;
# or the sealed answer an earlier try of the same job stored).
# A field of wx:u:<openid>:deferred is "pending" (the web process has the turn), "running" (a
# worker claimed it) or the sealed answer (settled, waiting to be delivered). While the web
# process's liveness key exists, a worker leaves the field alone, whatever it holds.
_CLAIM_DEFERRED = """
local v = redis.call('hget', KEYS[1], ARGV[1])
if not v then return false end
if v ~= 'running' and redis.call('exists', KEYS[2]) == 1 then return 'alive' end
if v == 'pending' then redis.call('hset', KEYS[1], ARGV[1], 'running') return 'claimed' end
return v
"""
# The web process has the late answer: it keeps it on the record (0 when a worker took over).
_SETTLE_DEFERRED = """
if redis.call('hget', KEYS[1], ARGV[1]) ~= 'pending' then return 0 end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('expire', KEYS[1], tonumber(ARGV[3]))
return 1
"""
CLAIMED, RUNNING, ALIVE = "claimed", "running", "alive"


class UserState:
    def __init__(self, hub: RedisHub, sealer: Sealer, *, continuation_ttl_s: int, parked_ttl_s: int):
        self.hub = hub
        self.sealer = sealer
        self.continuation_ttl_s = continuation_ttl_s
        self.parked_ttl_s = parked_ttl_s
        self._claim_deferred = hub.text.register_script(_CLAIM_DEFERRED)
        self._settle_deferred = hub.text.register_script(_SETTLE_DEFERRED)

    def _key(self, openid: str, what: str) -> str:
        return self.hub.key("wx", "u", openid, what)

    def _open_all(self, key: str, stored: list[str]) -> list[str]:
        return [t for t in (self.sealer.open(s, key) for s in stored) if t is not None]

    # -- long answers -----------------------------------------------------------------------
    def store_pages(self, openid: str, pages: list[str], pipe=None) -> None:
        """Pages after the one shown; a new answer replaces the rest of an old one."""
        key = self._key(openid, "more")
        p = pipe if pipe is not None else self.hub.text.pipeline()
        p.delete(key)
        if pages:
            p.rpush(key, *(self.sealer.seal(page, key) for page in pages))
            p.expire(key, self.continuation_ttl_s)
        if pipe is None:
            p.execute()

    def next_page(self, openid: str) -> str | None:
        key = self._key(openid, "more")
        return self.sealer.open(self.hub.text.lpop(key), key)

    # -- answers waiting for the citizen's next message ------------------------------------
    def park(self, openid: str, text: str) -> None:
        key = self.parked_key(openid)
        pipe = self.hub.text.pipeline()
        pipe.rpush(key, self.sealer.seal(text, key))
        pipe.expire(key, self.parked_ttl_s)
        pipe.execute()

    def take_parked(self, openid: str) -> list[str]:
        """The parked answers, removed (TurnRecords.admit does the same for each push)."""
        pipe = self.hub.text.pipeline(transaction=True)
        pipe.lrange(self.parked_key(openid), 0, -1)
        pipe.delete(self.parked_key(openid))
        return self.open_parked(openid, pipe.execute()[0])

    def open_parked(self, openid: str, stored: list[str]) -> list[str]:
        """Parked answers as TurnRecords.admit took them (sealed) → their texts."""
        return self._open_all(self.parked_key(openid), stored)

    def put_back_parked(self, openid: str, parked: list[str], pipe) -> None:
        """Queue on `pipe`: answers taken but not shown go back, first in line."""
        if parked:
            key = self.parked_key(openid)
            pipe.lpush(key, *(self.sealer.seal(t, key) for t in reversed(parked)))
            pipe.expire(key, self.parked_ttl_s)

    def parked_key(self, openid: str) -> str:
        return self._key(openid, "parked")

    # -- turns that overran the budget (inline mode) ------------------------------------------
    def note_deferred(self, openid: str, turn_id: str, keep_s: int) -> None:
        key = self._key(openid, "deferred")
        pipe = self.hub.text.pipeline(transaction=True)
        pipe.hset(key, turn_id, "pending")
        pipe.expire(key, keep_s)
        pipe.execute()

    def settle_deferred(self, openid: str, turn_id: str, text: str, keep_s: int) -> bool:
        """Web side: the answer kept on the record, sealed; False when a worker took the turn over."""
        key = self._key(openid, "deferred")
        sealed = self.sealer.seal(text, f"{key}:{turn_id}")
        return bool(self._settle_deferred(keys=[key], args=[turn_id, sealed, keep_s]))

    def alive_key(self, openid: str, turn_id: str) -> str:
        """Kept by the web process while it still holds the overrun turn (liveness.py)."""
        return self._key(openid, f"alive:{turn_id}")

    def claim_deferred(self, openid: str, turn_id: str) -> str | None:
        """Worker side: CLAIMED, ALIVE (its web process still has it), RUNNING, None, or the
        answer stored by an earlier try."""
        key = self._key(openid, "deferred")
        got = self._claim_deferred(keys=[key, self.alive_key(openid, turn_id)], args=[turn_id])
        if got in (None, CLAIMED, RUNNING, ALIVE):
            return got
        return self.sealer.open(got, f"{key}:{turn_id}") or ""

    def keep_deferred_answer(self, openid: str, turn_id: str, text: str) -> None:
        key = self._key(openid, "deferred")
        self.hub.text.hset(key, turn_id, self.sealer.seal(text, f"{key}:{turn_id}"))

    def drop_deferred(self, openid: str, turn_id: str) -> None:
        self.hub.text.hdel(self._key(openid, "deferred"), turn_id)

    # -- turn records -----------------------------------------------------------------------
    def turns_key(self, openid: str) -> str:
        """The set of this citizen's turn records (added to by TurnRecords.admit)."""
        return self._key(openid, "turns")

    # -- unsubscribe --------------------------------------------------------------------------
    def forget(self, openid: str) -> None:
        turns = self._key(openid, "turns")
        records = list(self.hub.text.smembers(turns))
        pipe = self.hub.text.pipeline(transaction=True)
        pipe.delete(turns, self._key(openid, "more"), self._key(openid, "parked"),
                    self._key(openid, "deferred"), *records)
        # Jobs queued for the citizen before this moment (a late answer, a queued turn, a rescue)
        # must not bring their data back: they check this mark, which holds only the time and
        # lasts as long as such a job can wait.
        pipe.set(self._gone_key(openid), repr(time.time()), ex=DEFERRED_KEEP_S)
        pipe.execute()

    def _gone_key(self, openid: str) -> str:
        return self.hub.key("wx", "gone", openid)     # not under wx:u:<openid>: not the citizen's data

    def forgotten_since(self, openid: str) -> float | None:
        """When the citizen unsubscribed (their data deleted), within the last day; else None."""
        at = self.hub.text.get(self._gone_key(openid))
        return float(at) if at else None
