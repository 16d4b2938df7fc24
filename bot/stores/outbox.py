"""Messages to a citizen that are not an answer to their own message (an agent's
reply during a handoff, "the agent has closed the conversation", a call-back note).

The contract:

- `send(user_key, replies)`: from the stores that speak for a person (the handoff
  desk, the call-back tasks), in any process. When a sender is
  registered in this process for the channel (the part of user_key before ":"),
  it is called at once; when there is none, or it raises, the replies wait in a
  Redis list (kept OUTBOX_TTL_S) — nothing is lost.
- `register(channel, sender)`: a channel that can push (WeChat customer-service
  messages) registers `sender(channel_user_id, replies)` at start-up; the sender
  raises when it could not deliver. Registering also delivers what waited for
  that channel.
- `drain(user_key)`: what waited, oldest first, removed atomically (each reply is
  handed out once, even with several workers). Only the dispatcher drains, once a
  turn has its answer, so a citizen of any channel gets what waited with the answer
  to their next message (the mini-program, which cannot be pushed to, that way).
"""
from __future__ import annotations

import json
import logging
from typing import Callable

from bot.core.messages import Card, Choice, Choices, ListReply, Reply, Text, to_json
from bot.core.redis_hub import RedisHub
from bot.core.sealing import Sealer

log = logging.getLogger(__name__)

Sender = Callable[[str, list[Reply]], None]   # (channel user id, replies); raises when not delivered

OUTBOX_TTL_S = 86400


def from_json(d: dict) -> Reply:
    kind = d.get("type")
    if kind == "text":
        return Text(d["text"])
    if kind == "choices":
        return Choices(d["prompt"], tuple(Choice(o["label"], o["reply"]) for o in d["options"]))
    if kind == "card":
        return Card(d["title"], tuple((f["name"], f["value"]) for f in d["fields"]), d.get("footer", ""))
    if kind == "list":
        return ListReply(d["title"], tuple(d["items"]), d.get("footer", ""))
    raise ValueError(f"unknown reply type {kind!r}")


class Outbox:
    def __init__(self, hub: RedisHub, data_key: bytes | None = None):
        self.hub = hub
        self.senders: dict[str, Sender] = {}
        # Agents' messages may quote a citizen's matters: kept sealed while they wait.
        self._sealer = Sealer(data_key) if data_key else None

    def _key(self, user_key: str) -> str:
        return self.hub.key("outbox", user_key)

    def length_key(self, user_key: str) -> str:
        """The list whose length tells whether anything waits (a turn fetches it with its reads)."""
        return self._key(user_key)

    def _waiting(self, channel: str) -> str:
        # Which users of a channel have replies waiting (so that a sender registered later finds them).
        return self.hub.key("outbox-waiting", channel)

    def register(self, channel: str, sender: Sender) -> int:
        """Push this channel's replies through `sender` from now on; delivers what waited.
        Returns how many citizens got waiting replies."""
        self.senders[channel] = sender
        delivered = 0
        for user_key in self.hub.text.smembers(self._waiting(channel)):
            replies = self.drain(user_key)
            if not replies:
                continue
            if self._push(user_key, replies):
                delivered += 1
            else:
                self._queue(user_key, replies)
        return delivered

    def send(self, user_key: str, replies: list[Reply]) -> None:
        if not replies:
            return
        if user_key.partition(":")[0] in self.senders:
            replies = self.drain(user_key) + list(replies)   # what waited goes first, in order
        if not self._push(user_key, replies):
            self._queue(user_key, replies)

    def _queue(self, user_key: str, replies: list[Reply]) -> None:
        channel = user_key.partition(":")[0]
        key = self._key(user_key)
        pipe = self.hub.text.pipeline()
        for r in replies:
            doc = json.dumps(to_json(r), ensure_ascii=False)
            pipe.rpush(key, self._sealer.seal(doc, key) if self._sealer else doc)
        pipe.expire(key, OUTBOX_TTL_S)
        pipe.sadd(self._waiting(channel), user_key)
        pipe.expire(self._waiting(channel), OUTBOX_TTL_S)
        pipe.execute()

    def _push(self, user_key: str, replies: list[Reply]) -> bool:
        """True when a registered sender took the replies; False: they must wait."""
        channel, _, user_id = user_key.partition(":")
        sender = self.senders.get(channel)
        if sender is None:
            return False
        try:
            sender(user_id, replies)
            return True
        except Exception:
            log.warning("outbox: the %s sender failed; the replies wait for the citizen's next message",
                        channel, exc_info=True)
            return False

    def drain(self, user_key: str) -> list[Reply]:
        key = self.hub.key("outbox", user_key)
        pipe = self.hub.text.pipeline()
        pipe.lrange(key, 0, -1)
        pipe.delete(key)
        pipe.srem(self._waiting(user_key.partition(":")[0]), user_key)
        raw, _, _ = pipe.execute()
        docs = [self._sealer.open(r, key) if self._sealer else r for r in raw]
        return [from_json(json.loads(d)) for d in docs if d is not None]

    def forget_user(self, user_key: str) -> None:
        self.drain(user_key)
