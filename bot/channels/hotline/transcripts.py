"""Reading and checking hotline transcripts (the format of docs/contracts.md, docs/hotline.md).

One call a line (JSON Lines), or the calls of a JSON array (the HTTP API). Every
item becomes either a `Call` or a `BadLine` carrying its line number and the
reason, so one broken line never stops the others. Reasons name the field and
the problem, never the field's content (a line may hold ID or phone numbers).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from bot.city.districts import DISTRICTS

SPEAKERS = ("agent", "caller")
MAX_CALL_ID = 128


@dataclass(frozen=True)
class Turn:
    speaker: str      # agent | caller
    text: str


@dataclass(frozen=True)
class Call:
    line: int                   # 1-based line (or array position) it came from
    call_id: str
    started_at: dt.datetime
    duration_s: float
    district: str | None        # full district name, or None when the transcript has none
    turns: tuple[Turn, ...]
    # The caller's number as the telephone system recorded it (optional). Raw: it lives only in
    # memory, is pseudonymised by the ingestor (keyed hash) and never written or shown.
    caller: str | None = field(default=None, repr=False, compare=False)

    def caller_texts(self) -> list[str]:
        return [t.text for t in self.turns if t.speaker == "caller" and t.text.strip()]

    def fingerprint(self) -> str:
        """A digest of what was said and when, not of where it sits in a file: the same call sent
        twice has the same fingerprint; a different call reusing the call_id does not."""
        content = [self.started_at.isoformat(), self.duration_s, self.district,
                   [[t.speaker, t.text] for t in self.turns]]
        return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "reason": self.reason}


class InvalidCall(ValueError):
    """The reason a call object is not a valid transcript."""


def normalise_district(value: str) -> str | None:
    """武侯 / 武侯区 -> 武侯区; None when it is not one of the city's districts."""
    value = value.strip()
    for d in DISTRICTS:
        if value in (d, d[:-1]):
            return d
    return None


def parse_call(obj: object, line: int) -> Call:
    """Check one decoded call object; raise InvalidCall naming what is wrong."""
    if not isinstance(obj, dict):
        raise InvalidCall(f"expected a JSON object, got {_json_type(obj)}")

    call_id = obj.get("call_id")
    if call_id is None:
        raise InvalidCall("missing field call_id")
    if not isinstance(call_id, str) or not call_id.strip():
        raise InvalidCall("call_id must be a non-empty string")
    if len(call_id) > MAX_CALL_ID:
        raise InvalidCall(f"call_id longer than {MAX_CALL_ID} characters")
    if has_control_characters(call_id):
        # A newline in an id that is logged and printed would forge a line of its own.
        raise InvalidCall("call_id contains control characters")

    started = obj.get("started_at")
    if started is None:
        raise InvalidCall("missing field started_at")
    if not isinstance(started, str):
        raise InvalidCall("started_at must be an ISO-8601 string")
    try:
        started_at = dt.datetime.fromisoformat(started.strip())
    except ValueError:
        raise InvalidCall("started_at is not an ISO-8601 date-time") from None

    duration = obj.get("duration_s")
    if duration is None:
        raise InvalidCall("missing field duration_s")
    # bool is an int to Python, not a number to anyone writing JSON.
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration):
        raise InvalidCall("duration_s must be a number")
    if duration < 0:
        raise InvalidCall("duration_s must not be negative")

    district = obj.get("district")
    if district is not None:
        if not isinstance(district, str):
            raise InvalidCall("district must be a string")
        if district.strip():
            named = normalise_district(district)
            if named is None:
                raise InvalidCall("district is not one of the city's 14 districts")
            district = named
        else:
            district = None   # "" means "not known", like a missing field

    caller = obj.get("caller")
    if caller is not None and not isinstance(caller, str):
        raise InvalidCall("caller must be a string")
    return Call(line, call_id.strip(), started_at, float(duration), district, _turns(obj.get("turns")),
                caller=(caller or "").strip() or None)


# Control (newline, escape), format (bidi override, zero-width) and line/paragraph separators.
_UNSAFE_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def has_control_characters(text: str) -> bool:
    """Whether text holds a character that could break or disguise a log line."""
    return any(unicodedata.category(ch) in _UNSAFE_CATEGORIES for ch in text)


def _turns(turns: object) -> tuple[Turn, ...]:
    if turns is None:
        raise InvalidCall("missing field turns")
    if not isinstance(turns, list):
        raise InvalidCall("turns must be a list")
    if not turns:
        raise InvalidCall("turns is empty")
    out = []
    for i, t in enumerate(turns, 1):
        if not isinstance(t, dict):
            raise InvalidCall(f"turn {i} must be an object")
        if t.get("speaker") not in SPEAKERS:
            raise InvalidCall(f"turn {i}: speaker must be 'agent' or 'caller'")
        if not isinstance(t.get("text"), str):
            raise InvalidCall(f"turn {i}: text must be a string")
        out.append(Turn(t["speaker"], t["text"]))
    if not any(t.speaker == "caller" and t.text.strip() for t in out):
        raise InvalidCall("no caller speech in turns")
    return tuple(out)


def _json_type(obj: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null"}.get(type(obj), type(obj).__name__)


class _DuplicateGuard:
    """The first line of each call_id wins; later ones are bad lines naming it."""

    def __init__(self):
        self.first_line: dict[str, int] = {}

    def check(self, call: Call) -> Call | BadLine:
        first = self.first_line.setdefault(call.call_id, call.line)
        if first != call.line:
            return BadLine(call.line, f"duplicate call_id (first seen on line {first})")
        return call


def read_jsonl(lines: Iterable[bytes | str], first_line: int = 1) -> Iterator[Call | BadLine]:
    """Each non-blank line of a JSON Lines stream, as a Call or a BadLine (lines count from
    `first_line`: a resumed file goes on with its own numbers)."""
    guard = _DuplicateGuard()
    for number, raw in enumerate(lines, first_line):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield BadLine(number, "line is not valid UTF-8")
                continue
        if number == 1:
            raw = raw.lstrip("\ufeff")   # a byte-order mark some editors write
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError as e:
            yield BadLine(number, f"malformed JSON ({_json_error(e)})")
            continue
        except RecursionError:
            yield BadLine(number, "JSON nested too deeply")
            continue
        yield _checked(obj, number, guard)


def read_array(items: list) -> Iterator[Call | BadLine]:
    """The calls of a JSON array; `line` is the position in the array, from 1."""
    guard = _DuplicateGuard()
    for number, obj in enumerate(items, 1):
        yield _checked(obj, number, guard)


def _checked(obj: object, number: int, guard: _DuplicateGuard) -> Call | BadLine:
    try:
        call = parse_call(obj, number)
    except InvalidCall as e:
        return BadLine(number, str(e))
    return guard.check(call)


def _json_error(e: ValueError) -> str:
    # json's message quotes no content, only the position: safe to report.
    msg = getattr(e, "msg", None)
    col = getattr(e, "colno", None)
    return f"{msg} at column {col}" if msg and col else "not JSON"
