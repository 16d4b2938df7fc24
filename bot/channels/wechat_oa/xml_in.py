"""Reading WeChat's XML: a flat `<xml>` of leaf fields, nothing more.

WeChat never sends a DTD, entities, attributes or repeated fields, so any of
those means the body is not from WeChat. The parser is expat driven directly:
it refuses DTDs and entities (after a byte search that rejects them before
parsing at all), keeps only the top-level leaf fields as strings, and bounds
the depth. Then the fields are validated (docs/wechat.md, WeChat's rules: hostile XML), so that the
rest of the channel only ever sees well-formed values. Every problem is a
`BadMessage`.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Mapping
from xml.parsers import expat

MAX_DEPTH = 6   # xml > field > nested (menu pickers' SendPicsInfo/PicList/item/...) — no more

_DTD = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)

MESSAGE_TYPES = frozenset({"text", "image", "voice", "video", "shortvideo", "location", "link", "event"})
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MSG_ID = re.compile(r"[0-9]{1,20}")
_CREATE_TIME = re.compile(r"[0-9]{1,10}")
_MSG_TYPE = re.compile(r"[a-z_]{1,32}")
_EVENT = re.compile(r"[A-Za-z_]{1,64}")


class BadMessage(Exception):
    """The body is not a WeChat message we accept (malformed, hostile, or invalid fields)."""


class _Refuse(Exception):
    pass


def parse_fields(body: bytes) -> dict[str, str]:
    """Top-level leaf fields of `<xml>...</xml>` (nested groups are skipped), or BadMessage."""
    if _DTD.search(body):
        raise BadMessage("DTD or entity declaration")
    fields: dict[str, str] = {}
    stack: list[str] = []
    text: list[str] = []

    def refuse(*_args):
        raise _Refuse()

    def start(name, attrs):
        if attrs or len(stack) >= MAX_DEPTH or (not stack and name != "xml"):
            raise _Refuse()
        stack.append(name)
        text.clear()

    def end(name):
        if len(stack) == 2:
            if name in fields:
                raise _Refuse()      # duplicate field: which one would be believed?
            fields[name] = "".join(text)
        stack.pop()
        text.clear()

    def chars(data):
        if len(stack) == 2:
            text.append(data)

    parser = expat.ParserCreate(encoding="utf-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SkippedEntityHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(body, True)
    except (_Refuse, expat.ExpatError, UnicodeError, ValueError):
        raise BadMessage("not a WeChat XML message") from None
    return fields


@dataclass(frozen=True)
class WeChatMessage:
    """A validated inbound message or event; `fields` keep WeChat's own names."""
    fields: Mapping[str, str]

    @property
    def msg_type(self) -> str:
        return self.fields["MsgType"]

    @property
    def event(self) -> str:
        """The event name, lower-cased (WeChat mixes 'subscribe' and 'CLICK'); '' for messages."""
        return self.fields.get("Event", "").lower()

    @property
    def openid(self) -> str:
        return self.fields["FromUserName"]

    @property
    def account(self) -> str:
        return self.fields["ToUserName"]

    @property
    def create_time(self) -> int:
        return int(self.fields["CreateTime"])

    @property
    def msg_id(self) -> str | None:
        return self.fields.get("MsgId")

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    @property
    def dedup_key(self) -> str:
        """Same for WeChat's retries of one push, different for two pushes (§1.5).

        Messages: MsgId. Events have none: FromUserName+CreateTime+Event+EventKey
        (Event and EventKey so that a LOCATION report and a click in the same
        second stay two events)."""
        if self.msg_type != "event":
            return f"m:{self.msg_id}"
        raw = "\x1f".join([self.openid, self.fields["CreateTime"], self.fields.get("Event", ""),
                           self.fields.get("EventKey", "")])
        return "e:" + hashlib.sha1(raw.encode()).hexdigest()


def read_message(fields: Mapping[str, str]) -> WeChatMessage:
    """Validate the fields every message shares, and the id where there must be one."""
    def need(name: str, pattern: re.Pattern) -> str:
        value = fields.get(name)
        if value is None or not pattern.fullmatch(value):
            raise BadMessage(f"missing or malformed {name}")
        return value

    need("ToUserName", _OPENID)
    need("FromUserName", _OPENID)
    need("CreateTime", _CREATE_TIME)
    msg_type = need("MsgType", _MSG_TYPE)
    if msg_type == "event":
        need("Event", _EVENT)
    elif msg_type in MESSAGE_TYPES:
        need("MsgId", _MSG_ID)
    elif "MsgId" in fields:
        need("MsgId", _MSG_ID)
    return WeChatMessage(dict(fields))


def parse_message(body: bytes) -> WeChatMessage:
    return read_message(parse_fields(body))
