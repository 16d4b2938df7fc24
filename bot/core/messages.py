"""Channel-neutral messages in and replies out.

A channel (WeChat Official Account, mini-program, hotline) turns its wire format
into an `Incoming`, the dispatcher answers with a list of replies, and the channel
renders them (e.g. choices as numbered text where it cannot show buttons).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Incoming:
    channel: str                    # "wechat_oa", "miniprogram", "hotline", ...
    user_id: str                    # the channel's id for the person (WeChat openid, ...)
    text: str | None = None         # what they typed or said (voice recognition), if any
    kind: str = "text"              # text | voice | location | image | link | video | event
    intent: str | None = None       # set when the channel already knows it (menu CLICK)
    entities: dict[str, str] = field(default_factory=dict)  # pre-filled by the channel
    location: tuple[float, float] | None = None             # (lat, lon) for location messages
    message_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def user_key(self) -> str:
        """Identity of the person across our stores: channel + channel user id."""
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True)
class Text:
    text: str
    type: str = "text"


@dataclass(frozen=True)
class Choice:
    label: str      # shown to the citizen
    reply: str      # what choosing it sends back (also what typing the number means)

    @property
    def id(self) -> str:
        return choice_id(self.label, self.reply)


def choice_id(label: str, reply: str) -> str:
    """A choice's id for JSON channels: the same for the same option, whichever message offered it
    (so that a client can answer with it, and the session recognises it without storing ids)."""
    return hashlib.sha256(f"{label}\x00{reply}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Choices:
    prompt: str
    options: tuple[Choice, ...]
    type: str = "choices"


@dataclass(frozen=True)
class Card:
    title: str
    fields: tuple[tuple[str, str], ...] = ()
    footer: str = ""
    type: str = "card"


@dataclass(frozen=True)
class ListReply:
    title: str
    items: tuple[str, ...]
    footer: str = ""
    type: str = "list"


Reply = Union[Text, Choices, Card, ListReply]


def to_plain_text(reply: Reply) -> str:
    """Render one reply for channels that only show text."""
    if isinstance(reply, Text):
        return reply.text
    if isinstance(reply, Choices):
        lines = [reply.prompt] + [f"{i}. {c.label}" for i, c in enumerate(reply.options, 1)]
        lines.append("（回复数字即可）")
        return "\n".join(lines)
    if isinstance(reply, Card):
        lines = [f"【{reply.title}】"] + [f"{k}：{v}" for k, v in reply.fields]
        if reply.footer:
            lines.append(reply.footer)
        return "\n".join(lines)
    if isinstance(reply, ListReply):
        lines = [reply.title] + [f"{i}. {item}" for i, item in enumerate(reply.items, 1)]
        if reply.footer:
            lines.append(reply.footer)
        return "\n".join(lines)
    raise TypeError(f"unknown reply type {type(reply).__name__}")


def to_json(reply: Reply) -> dict:
    """Render one reply for JSON channels (mini-program)."""
    if isinstance(reply, Text):
        return {"type": "text", "text": reply.text}
    if isinstance(reply, Choices):
        return {"type": "choices", "prompt": reply.prompt,
                "options": [{"id": c.id, "label": c.label, "reply": c.reply} for c in reply.options]}
    if isinstance(reply, Card):
        return {"type": "card", "title": reply.title,
                "fields": [{"name": k, "value": v} for k, v in reply.fields], "footer": reply.footer}
    if isinstance(reply, ListReply):
        return {"type": "list", "title": reply.title, "items": list(reply.items), "footer": reply.footer}
    raise TypeError(f"unknown reply type {type(reply).__name__}")
