"""Messages to a citizen that are not an answer to their own message (an agent's
reply during a handoff, "the agent has closed the conversation").

A channel that can push (WeChat customer-service messages) registers a sender
for its channel name; for any other channel (tests, a polling mini-program) the
replies wait in a Redis list until the channel drains them.
"""
from __future__ import annotations

import json
import logging
from typing import Callable

from bot.messages import Card, Choice, Choices, ListReply, Reply, Text, to_json
from bot.redis_conn import RedisHub

log = logging.getLogger(__name__)

Sender = Callable[[str, list[Reply]], None]   # (channel user id, replies)

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
    def __init__(self, hub: RedisHub):
        self.hub = hub
        self.senders: dict[str, Sender] = {}

    def register(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender

    def send(self, user_key: str, replies: list[Reply]) -> None:
        channel, _, user_id = user_key.partition(":")
        sender = self.senders.get(channel)
        if sender is not None:
            sender(user_id, replies)
            return
        key = self.hub.key("outbox", user_key)
        pipe = self.hub.text.pipeline()
        for r in replies:
            pipe.rpush(key, json.dumps(to_json(r), ensure_ascii=False))
        pipe.expire(key, OUTBOX_TTL_S)
        pipe.execute()

    def drain(self, user_key: str) -> list[Reply]:
        key = self.hub.key("outbox", user_key)
        pipe = self.hub.text.pipeline()
        pipe.lrange(key, 0, -1)
        pipe.delete(key)
        raw, _ = pipe.execute()
        return [from_json(json.loads(r)) for r in raw]

    def forget_user(self, user_key: str) -> None:
        self.hub.text.delete(self.hub.key("outbox", user_key))
