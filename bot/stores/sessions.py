"""Conversation state in Redis, one document per citizen, with an expiry.

The state is what the dispatcher needs between two messages: an open form
(intent, step, filled slots), the choices last offered, the request last
served (for the rating prompt), the rest of a long list ("更多"), and the last
few messages (masked; they go with a complaint or a handoff).

A form may hold an ID number while a binding is in progress, so with a data key
the document is encrypted (AES-GCM, the user key as associated data): a copy
of Redis reveals nothing of the conversation.
"""
from __future__ import annotations

import json
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping


from bot.core.redis_hub import RedisHub
from bot.core.sealing import PREFIX as SEALED_PREFIX, Sealer

HISTORY_LEN = 12


@dataclass
class Form:
    intent: str
    step: str = "slots"                         # handler-defined step name
    slots: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    reprompts: int = 0
    asking: str | None = None                   # the slot currently asked for


@dataclass
class Session:
    form: Form | None = None
    choices: list[list[str]] = field(default_factory=list)  # [label, reply] of the last Choices offered
    last_served: dict[str, Any] | None = None            # {"intent", "department", "at", "prompted"}
    pending_after_binding: dict[str, Any] | None = None  # intent + entities + text to resume once bound
    last_rating: dict[str, Any] | None = None            # the rating just given, while it may be corrected
    more: dict[str, Any] | None = None                   # the rest of a long list: {"title", "items", "footer"}
    parked: Form | None = None                           # a form set aside for a new request, offered back after it
    history: list[list[str]] = field(default_factory=list)  # last messages, masked: [who, text]
    updated_at: float = 0.0
    expired: bool = False                               # set on load when an old state timed out

    def remember(self, who: str, text: str) -> None:
        self.history.append([who, text[:200]])
        del self.history[:-HISTORY_LEN]

    def to_json(self) -> str:
        # Built by hand: dataclasses.asdict deep-copies every value, on every turn.
        d = {"form": self.form.__dict__ if self.form else None, "choices": self.choices,
             "last_served": self.last_served, "pending_after_binding": self.pending_after_binding,
             "last_rating": self.last_rating,
             "more": self.more, "parked": self.parked.__dict__ if self.parked else None, "history": self.history, "updated_at": self.updated_at}
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> "Session":
        d = json.loads(raw)
        form = Form(**d["form"]) if d.get("form") else None
        choices = [c if isinstance(c, list) else [c, c] for c in d.get("choices") or []]
        return cls(form=form, choices=choices, last_served=d.get("last_served"), last_rating=d.get("last_rating"),
                   pending_after_binding=d.get("pending_after_binding"), more=d.get("more"),
                   parked=Form(**d["parked"]) if d.get("parked") else None, history=d.get("history") or [], updated_at=d.get("updated_at", 0.0))


class SessionStore:
    def __init__(self, hub: RedisHub, ttl_s: int, data_key: bytes | None = None):
        self.hub = hub
        self.ttl_s = ttl_s
        # A binding in progress holds an ID number: the session is sealed (bot/core/sealing.py).
        self._sealer = Sealer(data_key) if data_key else None

    def _seal(self, user_key: str, doc: str) -> str:
        return self._sealer.seal(doc, user_key) if self._sealer else doc

    def _open(self, user_key: str, raw: str) -> str | None:
        if self._sealer is None:
            return None if raw.startswith(SEALED_PREFIX) else raw
        # None for another key (rotated) or a tampered value: the citizen starts afresh.
        return self._sealer.open(raw, user_key)

    def _key(self, user_key: str) -> str:
        return self.hub.key("session", user_key)

    def _marker(self, user_key: str) -> str:
        # Outlives the session so that we can tell the citizen their form expired.
        return self.hub.key("session-seen", user_key)

    def read_keys(self, user_key: str) -> list[str]:
        """What load() reads, so that a turn can fetch it with its other reads at once."""
        return [self._key(user_key), self._marker(user_key)]

    def load(self, user_key: str, prefetched: Mapping[str, str | None] | None = None) -> Session:
        raw = self.hub.get(self._key(user_key), prefetched)
        doc = self._open(user_key, raw) if raw else None
        if doc:
            return Session.from_json(doc)
        s = Session()
        had_form = self.hub.get(self._marker(user_key), prefetched)
        if had_form == "form":
            s.expired = True
            self.hub.text.delete(self._marker(user_key))
        return s

    def save(self, user_key: str, session: Session) -> None:
        session.updated_at = time.time()
        pipe = self.hub.text.pipeline()
        pipe.set(self._key(user_key), self._seal(user_key, session.to_json()), ex=self.ttl_s)
        if session.form:
            pipe.set(self._marker(user_key), "form", ex=self.ttl_s * 4)
        else:
            pipe.delete(self._marker(user_key))
        pipe.execute()

    def delete(self, user_key: str) -> None:
        self.hub.text.delete(self._key(user_key), self._marker(user_key))


class UserBusy(Exception):
    """Another message of the same citizen is still being handled."""


class UserLock:
    """One message per citizen at a time, across every worker process.

    SET NX PX with a random token; released only by its owner (a Lua check) so a
    lock that expired and was taken by another worker is never released by us.
    """

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def __init__(self, hub: RedisHub, ttl_s: int, wait_s: float):
        self.hub = hub
        self.ttl_ms = int(ttl_s * 1000)
        self.wait_s = wait_s
        self._release = hub.text.register_script(self._RELEASE)

    @contextmanager
    def hold(self, user_key: str) -> Iterator[None]:
        key = self.hub.key("lock", user_key)
        token = secrets.token_hex(8)
        deadline = time.monotonic() + self.wait_s
        delay = 0.005
        while not self.hub.text.set(key, token, nx=True, px=self.ttl_ms):
            if time.monotonic() >= deadline:
                raise UserBusy(user_key)
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            self._release(keys=[key], args=[token])
