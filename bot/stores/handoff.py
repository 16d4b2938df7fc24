"""Human handoff: the queue agents take conversations from, and what the bot does
while a person is talking (office hours: bot.city.office_hours).

    citizen: 转人工 ──► within office hours? ── yes ──► queue (waiting)
                                │                        │ agent takes it (active)
                                no                       │ citizen's messages go to the agent,
                                ▼                        │ the bot stays quiet
                 work order + call-back task             ▼
                                               closed by the agent or the citizen,
                                               or timed out ──► the bot answers again

State lives in Redis so every worker sees it. A waiting conversation times out
after `wait_timeout_s`, an active one after `idle_timeout_s` without a message;
a marker that outlives the state lets the bot tell the citizen it timed out.
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Mapping

from bot.city.departments import DEPARTMENTS
from bot.city.service_settings import HandoffSettings
from bot.core.messages import Reply, Text
from bot.core.privacy import mask_text
from bot.core.redis_hub import RedisHub
from bot.stores.outbox import Outbox

HANDOFF_DEPARTMENT = DEPARTMENTS["rx12345"]
# How a conversation served by a person is remembered for its rating (Session.last_served).
SERVED_BY_PEOPLE = {"intent": "request_human", "label": "人工客服", "department": HANDOFF_DEPARTMENT}


@dataclass(frozen=True)
class HandoffState:
    ticket: str | None = None
    state: str | None = None          # waiting | active
    timed_out: bool = False           # a handoff ended by timeout since the citizen last wrote

    @property
    def in_handoff(self) -> bool:
        return self.ticket is not None


class HandoffDesk:
    def __init__(self, hub: RedisHub, settings: HandoffSettings, outbox: Outbox):
        self.hub = hub
        self.s = settings
        self.outbox = outbox

    # -- keys ------------------------------------------------------------------------------
    def _user(self, user_key: str) -> str:
        return self.hub.key("handoff", "user", user_key)

    def _seen(self, user_key: str) -> str:
        return self.hub.key("handoff", "seen", user_key)

    def _ticket(self, ticket: str) -> str:
        return self.hub.key("handoff", "ticket", ticket)

    def _transcript(self, ticket: str) -> str:
        return self.hub.key("handoff", "transcript", ticket)

    @property
    def _queue(self) -> str:
        return self.hub.key("handoff", "queue")

    # -- the citizen's side ----------------------------------------------------------------
    def open(self, user_key: str, history: list[tuple[str, str]]) -> int:
        """Put the conversation in the queue; returns its position (1 = next)."""
        current = self.state_of(user_key)
        if current.in_handoff:
            return self.position(current.ticket) or 1
        ticket = "HO" + secrets.token_hex(6).upper()
        now = time.time()
        doc = {"ticket": ticket, "user_key": user_key, "state": "waiting", "opened_at": now, "agent": None}
        ttl = self.s.wait_timeout_s
        pipe = self.hub.text.pipeline()
        pipe.set(self._ticket(ticket), json.dumps(doc), ex=ttl + self.s.idle_timeout_s)
        pipe.set(self._user(user_key), ticket, ex=ttl)
        pipe.set(self._seen(user_key), ticket, ex=7 * 86400)
        pipe.zadd(self._queue, {ticket: now})
        for who, text in history:
            pipe.rpush(self._transcript(ticket), self._line(who, text))
        pipe.expire(self._transcript(ticket), ttl + self.s.idle_timeout_s)
        pipe.execute()
        return self.position(ticket) or 1

    def read_keys(self, user_key: str) -> list[str]:
        """What state_of() reads, so that a turn can fetch it with its other reads at once."""
        return [self._user(user_key), self._seen(user_key)]

    def state_of(self, user_key: str, prefetched: Mapping[str, str | None] | None = None) -> HandoffState:
        ticket = self.hub.get(self._user(user_key), prefetched)
        if ticket:
            doc = self.ticket(ticket)
            return HandoffState(ticket, doc["state"] if doc else "waiting")
        seen = self.hub.get(self._seen(user_key), prefetched)
        if seen:  # the state expired but the marker did not: it timed out
            self._end(seen, user_key)
            return HandoffState(timed_out=True)
        return HandoffState()

    def note_citizen_message(self, user_key: str, ticket: str, text: str) -> None:
        """A message during the handoff: goes to the agent's transcript, keeps it alive."""
        doc = self.ticket(ticket)
        ttl = self.s.idle_timeout_s if doc and doc["state"] == "active" else None
        pipe = self.hub.text.pipeline()
        pipe.rpush(self._transcript(ticket), self._line("citizen", text))
        if ttl:
            pipe.expire(self._user(user_key), ttl)
            pipe.expire(self._ticket(ticket), ttl + 60)
            pipe.expire(self._transcript(ticket), ttl + 60)
        pipe.execute()

    def close_by_citizen(self, user_key: str, ticket: str) -> None:
        self._end(ticket, user_key)

    # -- the agent's side ------------------------------------------------------------------
    def position(self, ticket: str) -> int | None:
        rank = self.hub.text.zrank(self._queue, ticket)
        return None if rank is None else rank + 1

    def waiting(self) -> int:
        return int(self.hub.text.zcard(self._queue))

    def queue(self, limit: int = 50) -> list[dict]:
        """The waiting conversations, oldest first (what the console's desk lists)."""
        tickets = self.hub.text.zrange(self._queue, 0, limit - 1)
        return [d for d in (self.ticket(t) for t in tickets) if d and d.get("state") != "active"]

    def taken_by(self, agent: str) -> list[dict]:
        """The conversations `agent` has taken and that are still open."""
        key = self.hub.key("handoff", "agent", agent)
        out = []
        for t in sorted(self.hub.text.smembers(key)):
            doc = self.ticket(t)
            if doc and doc.get("state") == "active" and doc.get("agent") == agent:
                out.append(doc)
            else:
                self.hub.text.srem(key, t)
        return out

    def ticket(self, ticket: str) -> dict | None:
        raw = self.hub.text.get(self._ticket(ticket))
        return json.loads(raw) if raw else None

    def transcript(self, ticket: str) -> list[dict]:
        return [json.loads(r) for r in self.hub.text.lrange(self._transcript(ticket), 0, -1)]

    def take_next(self, agent: str) -> dict | None:
        """The oldest waiting conversation that has not timed out, now assigned to `agent`."""
        while True:
            popped = self.hub.text.zpopmin(self._queue)
            if not popped:
                return None
            ticket = popped[0][0]
            doc = self.ticket(ticket)
            if not doc or self.hub.text.get(self._user(doc["user_key"])) != ticket:
                continue  # timed out or closed while waiting
            doc.update(state="active", agent=agent, taken_at=time.time())
            ttl = self.s.idle_timeout_s
            pipe = self.hub.text.pipeline()
            pipe.set(self._ticket(ticket), json.dumps(doc), ex=ttl + 60)
            pipe.expire(self._user(doc["user_key"]), ttl)
            pipe.expire(self._transcript(ticket), ttl + 60)
            pipe.rpush(self._transcript(ticket), self._line("system", f"工作人员 {agent} 已接入"))
            pipe.sadd(self.hub.key("handoff", "agent", agent), ticket)
            pipe.expire(self.hub.key("handoff", "agent", agent), ttl + 60)
            pipe.execute()
            self.outbox.send(doc["user_key"], [Text("工作人员已接入，请直接描述您的问题。")])
            return doc

    def agent_says(self, ticket: str, agent: str, text: str) -> bool:
        doc = self.ticket(ticket)
        if not doc or doc["state"] != "active":
            return False
        ttl = self.s.idle_timeout_s
        pipe = self.hub.text.pipeline()
        pipe.rpush(self._transcript(ticket), self._line("agent", text))
        pipe.expire(self._user(doc["user_key"]), ttl)
        pipe.expire(self._ticket(ticket), ttl + 60)
        pipe.expire(self._transcript(ticket), ttl + 60)
        pipe.execute()
        self.outbox.send(doc["user_key"], [Text(f"【人工客服】{mask_text(text)}")])
        return True

    def close_by_agent(self, ticket: str, replies: list[Reply]) -> dict | None:
        doc = self.ticket(ticket)
        if not doc:
            return None
        self._end(ticket, doc["user_key"])
        self.outbox.send(doc["user_key"], replies)
        return doc

    # -- internals ---------------------------------------------------------------------------
    def _end(self, ticket: str, user_key: str) -> None:
        pipe = self.hub.text.pipeline()
        pipe.delete(self._user(user_key), self._seen(user_key), self._ticket(ticket), self._transcript(ticket))
        pipe.zrem(self._queue, ticket)
        pipe.execute()

    @staticmethod
    def _line(who: str, text: str) -> str:
        return json.dumps({"who": who, "text": mask_text(text or ""), "at": time.time()}, ensure_ascii=False)

    def forget_user(self, user_key: str) -> None:
        ticket = self.hub.text.get(self._user(user_key)) or self.hub.text.get(self._seen(user_key))
        if ticket:
            self._end(ticket, user_key)
