"""Replies out: the dispatcher's replies as WeChat text, passive reply XML, long-text pages.

WeChat shows only text in a passive reply here, so choices become numbered
lines (bot.core.messages.to_plain_text) and the citizen answers with the number.
A text reply's content may hold at most 2048 bytes: longer answers are cut
into pages at line ends; the first goes out with a "reply 更多" note and the
rest wait in Redis (user_state.py). The words that ask for them are the
conversation's (bot.conversation.words.MORE_WORDS), which also page the
dispatcher's long lists: the channel's pages, when there are any, come first.
"""
from __future__ import annotations

import time
from typing import Iterable

from bot.core.messages import Reply, to_plain_text

MAX_CONTENT_BYTES = 2048
MORE_NOTE = "\n\n（内容较长，回复“更多”查看）"
SUCCESS = "success"    # "received, no reply" — never encrypted


def cdata(text: str) -> str:
    """A CDATA section that no text can close early (wechatpy does not escape `]]>`)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(to_user: str, from_user: str, content: str, create_time: int | None = None) -> str:
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{int(create_time if create_time is not None else time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content>{cdata(content)}</Content></xml>")


def replies_to_text(replies: Iterable[Reply]) -> str:
    return "\n\n".join(t for t in (to_plain_text(r).strip() for r in replies) if t)


def paginate(text: str, limit: int = MAX_CONTENT_BYTES, note: str = MORE_NOTE) -> list[str]:
    """Pages of at most `limit` bytes; every page but the last ends with `note`."""
    if len(text.encode()) <= limit:
        return [text]
    room = limit - len(note.encode())
    pages: list[str] = []
    current = ""
    for line in _fit_lines(text.split("\n"), room):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) > room:
            pages.append(current)
            current = line
        else:
            current = candidate
    pages.append(current)
    return [p + note for p in pages[:-1]] + [pages[-1]]


def _fit_lines(lines: list[str], room: int) -> Iterable[str]:
    """Lines, with any single line longer than a page cut at character boundaries."""
    for line in lines:
        while len(line.encode()) > room:
            cut = room
            while len(line[:cut].encode()) > room:   # shrink until the UTF-8 fits
                cut -= max(1, (len(line[:cut].encode()) - room) // 3)
            yield line[:cut]
            line = line[cut:]
        yield line
