"""Driving the dispatcher like a channel does, for conversation tests."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

from bot.core.messages import Incoming, to_plain_text

_users = itertools.count(1)
CST = dt.timezone(dt.timedelta(hours=8))

# The seeded citizens of ../shared/spec/sandbox.md.
WANG = ("王建国", "510104198506122310")
LI = ("李芳", "510107199203084525")
ZHAO = ("赵丽", "510122197811250069")
CHEN = ("陈晨", "11010520000229003X")
LIU = ("刘洋", "440306199507151287")


class Chat:
    """One citizen talking to a runtime's dispatcher; `say` returns the replies as plain text."""

    def __init__(self, runtime, user_id: str | None = None, channel: str = "test"):
        self.runtime = runtime
        self.user_id = user_id or f"u{next(_users)}-{uuid.uuid4().hex[:6]}"
        self.channel = channel
        self.replies: list = []
        self.transcript: list[tuple[str, str]] = []

    @property
    def user_key(self) -> str:
        return f"{self.channel}:{self.user_id}"

    def send(self, text: str | None = None, **kw) -> list:
        self.replies = self.runtime.dispatcher.handle(
            Incoming(channel=self.channel, user_id=self.user_id, text=text, **kw))
        self.transcript.append((text or "", self.text()))
        return self.replies

    def text(self) -> str:
        return "\n".join(to_plain_text(r) for r in self.replies)

    def say(self, text: str | None = None, **kw) -> str:
        self.send(text, **kw)
        return self.text()

    def bind(self, who: tuple[str, str]) -> str:
        name, id_number = who
        self.say("我要实名认证")
        self.say(name)
        self.say(id_number)
        return self.say("123456")


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month before today's (what "上个月" means)."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def affairs_of(runtime, id_number: str, district: str, today: dt.date) -> tuple[set[str], set[str]]:
    """(refs updated last month in `district`, every other ref) of a citizen's ledger, read
    from the backends: what "上个月在<district>办的" must keep and drop on `today`."""
    from adapters.fanout import collect_affairs
    first, last = last_month(today)
    affairs = collect_affairs(runtime.adapters, id_number, 5).affairs
    keep = {a.ref_no for a in affairs if a.district == district and first <= a.updated_at.date() <= last}
    return keep, {a.ref_no for a in affairs} - keep
