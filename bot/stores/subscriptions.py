"""Progress notifications: who watches which matter, the one-time grants that allow a message,
and the ledger of changes still to tell (bot/notifications/ reads and writes them).

A subscription belongs to the citizen (keyed by the identity store's keyed hash of the ID
number, `cid`), not to one channel: made on the mini-program or the Official Account, it is kept
once, and a change goes out on whichever channel of that citizen may carry it.

    notify:subs:<cid>          HASH  ref -> {"backend", "item", "status" (last seen), "by", "at"}
    notify:due                 ZSET  "<cid>|<ref>" -> when the watcher polls it next
    notify:grants:<user_key>   HASH  template id -> one-time grants left (mini-program users)
    notify:pending:<cid>       HASH  "<ref>|<status>" -> a change noticed, not yet told (the ledger)
    notify:pending-index       ZSET  cid -> when to try its pending changes next
    notify:sent:<cid>          SET   "<ref>|<status>" told (the idempotency keys; kept SENT_TTL_S)

A change goes into the ledger in the same transaction that records the new status: noticed
once, never lost, whatever happens to the watcher afterwards. A change that takes a grant notes
it (`grant`) in the same script that takes it, so a watcher that dies before sending leaves the
grant with the change for the next one.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bot.core.redis_hub import RedisHub

SENT_TTL_S = 90 * 86400

# Take one grant of template ARGV[2] for user KEYS[1] and note it on the pending change
# (KEYS[2] field ARGV[1]); a change that already holds one keeps it. 1 taken/held, 0 none left,
# -1 the change is no longer pending.
_TAKE_GRANT = """
local raw = redis.call('hget', KEYS[2], ARGV[1])
if not raw then return -1 end
local change = cjson.decode(raw)
if change.grant == ARGV[3] then return 1 end
local left = tonumber(redis.call('hget', KEYS[1], ARGV[2]) or '0')
if left <= 0 then return 0 end
redis.call('hincrby', KEYS[1], ARGV[2], -1)
change.grant = ARGV[3]
redis.call('hset', KEYS[2], ARGV[1], cjson.encode(change))
return 1
"""

# Poll claim: the due members (score <= now), each moved to now + lease, so that two watchers
# never poll one matter at once.
_CLAIM_DUE = """
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('zadd', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), m) end
return due
"""


@dataclass(frozen=True)
class Change:
    ref: str
    backend: str
    item: str
    before: str
    status: str
    next_step: str
    noticed_at: float
    grant: str = ""            # the user_key whose grant this change holds, if any

    @property
    def key(self) -> str:
        return f"{self.ref}|{self.status}"

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> "Change":
        doc = json.loads(raw)
        return cls(**{k: doc.get(k, "") for k in cls.__dataclass_fields__})


class SubscriptionStore:
    def __init__(self, hub: RedisHub):
        self.hub = hub
        self.due_key = hub.key("notify", "due")
        self.pending_index = hub.key("notify", "pending-index")
        self._take_grant = hub.text.register_script(_TAKE_GRANT)
        self._claim_due = hub.text.register_script(_CLAIM_DUE)

    def _subs(self, cid: str) -> str:
        return self.hub.key("notify", "subs", cid)

    def _pending(self, cid: str) -> str:
        return self.hub.key("notify", "pending", cid)

    def _sent(self, cid: str) -> str:
        return self.hub.key("notify", "sent", cid)

    def _grants(self, user_key: str) -> str:
        return self.hub.key("notify", "grants", user_key)

    # -- subscriptions -----------------------------------------------------------------------
    def subscribe(self, cid: str, ref: str, *, backend: str, item: str, status: str, by: str) -> dict:
        """Watch `ref` for the citizen from its current `status` on (a second subscribe keeps the
        status already seen, so that a change noticed meanwhile is not forgotten)."""
        old = self.hub.text.hget(self._subs(cid), ref)
        doc = json.loads(old) if old else {"backend": backend, "item": item, "status": status, "at": time.time()}
        doc["by"] = by
        pipe = self.hub.text.pipeline()
        pipe.hset(self._subs(cid), ref, json.dumps(doc, ensure_ascii=False))
        pipe.zadd(self.due_key, {f"{cid}|{ref}": time.time()}, nx=True)
        pipe.execute()
        return dict(doc, ref=ref)

    def subscriptions(self, cid: str) -> dict[str, dict]:
        return {ref: json.loads(raw) for ref, raw in self.hub.text.hgetall(self._subs(cid)).items()}

    def subscription(self, cid: str, ref: str) -> dict | None:
        raw = self.hub.text.hget(self._subs(cid), ref)
        return json.loads(raw) if raw else None

    def unsubscribe(self, cid: str, ref: str) -> bool:
        """Stop watching `ref`: its changes still waiting are dropped with it."""
        pending = [k for k in self.hub.text.hkeys(self._pending(cid)) if k.partition("|")[0] == ref]
        pipe = self.hub.text.pipeline()
        pipe.hdel(self._subs(cid), ref)
        pipe.zrem(self.due_key, f"{cid}|{ref}")
        if pending:
            pipe.hdel(self._pending(cid), *pending)
        removed = pipe.execute()[0]
        return bool(removed)

    def forget_citizen(self, cid: str) -> None:
        """The citizen is bound on no channel any more: nothing is watched or told for them."""
        refs = self.hub.text.hkeys(self._subs(cid))
        pipe = self.hub.text.pipeline()
        if refs:
            pipe.zrem(self.due_key, *[f"{cid}|{r}" for r in refs])
        pipe.delete(self._subs(cid), self._pending(cid))
        pipe.zrem(self.pending_index, cid)
        pipe.execute()

    # -- polling -----------------------------------------------------------------------------
    def claim_due(self, now: float, count: int, lease_s: float) -> list[tuple[str, str]]:
        members = self._claim_due(keys=[self.due_key], args=[now, count, lease_s])
        return [tuple(m.split("|", 1)) for m in members]

    def reschedule(self, cid: str, ref: str, at: float) -> None:
        self.hub.text.zadd(self.due_key, {f"{cid}|{ref}": at}, xx=True)

    def record_change(self, cid: str, change: Change, *, done: bool) -> bool:
        """The new status, and the change in the ledger, in one transaction. False when this very
        change was already told (its idempotency key is in the sent set)."""
        sub = self.subscription(cid, change.ref)
        if sub is None:
            return False
        sub["status"] = change.status
        told = self.hub.text.sismember(self._sent(cid), change.key)
        pipe = self.hub.text.pipeline(transaction=True)
        pipe.hset(self._subs(cid), change.ref, json.dumps(sub, ensure_ascii=False))
        if not told:
            pipe.hsetnx(self._pending(cid), change.key, change.to_json())
            pipe.zadd(self.pending_index, {cid: change.noticed_at}, lt=True)
        if done:   # the last step: nothing more to watch
            pipe.zrem(self.due_key, f"{cid}|{change.ref}")
        pipe.execute()
        return not told

    # -- the ledger of changes to tell -------------------------------------------------------
    def citizens_with_pending(self, now: float, count: int = 100) -> list[str]:
        return self.hub.text.zrangebyscore(self.pending_index, "-inf", now, start=0, num=count)

    def pending(self, cid: str) -> list[Change]:
        changes = [Change.from_json(raw) for raw in self.hub.text.hvals(self._pending(cid))]
        return sorted(changes, key=lambda c: c.noticed_at)

    def retry_pending_at(self, cid: str, at: float) -> None:
        """When to try this citizen's waiting changes again (none waiting: forgotten)."""
        if self.hub.text.hlen(self._pending(cid)):
            self.hub.text.zadd(self.pending_index, {cid: at})
        else:
            self.hub.text.zrem(self.pending_index, cid)

    def retry_now(self, cid: str) -> None:
        """Something changed that may let a waiting change go (a new grant, an open window)."""
        if self.hub.text.hlen(self._pending(cid)):
            self.hub.text.zadd(self.pending_index, {cid: time.time()})

    def mark_sent(self, cid: str, change: Change) -> None:
        pipe = self.hub.text.pipeline(transaction=True)
        pipe.sadd(self._sent(cid), change.key)
        pipe.expire(self._sent(cid), SENT_TTL_S)
        pipe.hdel(self._pending(cid), change.key)
        pipe.execute()

    def claim_send(self, cid: str, change: Change, ttl_s: int) -> bool:
        """One watcher at a time may send this change where nothing else makes it once (a
        customer-service message; a subscribe message has its grant): True for the one that may.
        The claim lapses after ttl_s, so a watcher killed mid-send leaves it to the next try."""
        return bool(self.hub.text.set(self.hub.key("notify", "sending", cid, change.key), "1", nx=True, ex=ttl_s))

    def release_send(self, cid: str, change: Change) -> None:
        self.hub.text.delete(self.hub.key("notify", "sending", cid, change.key))

    def drop(self, cid: str, change: Change) -> None:
        self.hub.text.hdel(self._pending(cid), change.key)

    def was_sent(self, cid: str, change: Change) -> bool:
        return bool(self.hub.text.sismember(self._sent(cid), change.key))

    # -- one-time grants (mini-program subscribe messages) -----------------------------------
    def add_grants(self, user_key: str, template_id: str, count: int) -> int:
        return int(self.hub.text.hincrby(self._grants(user_key), template_id, count))

    def grants(self, user_key: str) -> dict[str, int]:
        return {t: int(n) for t, n in self.hub.text.hgetall(self._grants(user_key)).items()}

    def take_grant(self, cid: str, change: Change, user_key: str, template_id: str) -> int:
        """1: the change holds a grant of `user_key` (taken now or before); 0: none left;
        -1: the change is no longer pending."""
        return int(self._take_grant(keys=[self._grants(user_key), self._pending(cid)],
                                    args=[change.key, template_id, user_key]))

    def release_grant(self, cid: str, change: Change, user_key: str, template_id: str, *, refund: bool) -> None:
        """The change no longer holds its grant: given back (the send surely failed) or spent."""
        raw = self.hub.text.hget(self._pending(cid), change.key)
        pipe = self.hub.text.pipeline(transaction=True)
        if raw:
            doc = json.loads(raw)
            doc["grant"] = ""
            pipe.hset(self._pending(cid), change.key, json.dumps(doc, ensure_ascii=False))
        if refund:
            pipe.hincrby(self._grants(user_key), template_id, 1)
        pipe.execute()

    def spend_grants(self, user_key: str, template_id: str) -> None:
        """WeChat says none is left (43101): believe it."""
        self.hub.text.hset(self._grants(user_key), template_id, 0)

    def forget_user(self, user_key: str) -> None:
        self.hub.text.delete(self._grants(user_key))
