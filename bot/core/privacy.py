"""Citizens' identifiers: validation, masking for display, redaction for logs.

Rules (the personal-information rules of docs/wechat.md, WeChat's rules):
- resident ID numbers follow GB 11643-1999 with an ISO 7064 MOD 11-2 check character;
- shown as the first 3 and last 4 characters around 11 asterisks;
- mobile numbers shown as 138****0001;
- logs never hold either: they are replaced by a placeholder.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re

from bot.core import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# The shapes in which citizens write identifiers: the one definition used for
# masking, log redaction, NLU stand-ins and slot validation.
# - an 18-character ID, valid or not (a mistyped one is still someone's), possibly
#   grouped 6-8-4 or 6-4-4-4 with spaces or dashes, possibly right after letters
#   ("sfz5101..."); one ending in X may run straight into the next number (a phone);
ID_LIKE = re.compile(r"(?<!\d)\d{6}[-\s]?(?:\d{8}|\d{4}[- ]\d{4})[-\s]?\d{3}(?:[Xx](?![Xx])|\d(?![\dXx]))")
# - a mainland mobile, possibly with +86, 86 or 0086 and grouped 3-4-4 by spaces, dashes or
#   two dots (one dot alone is a decimal: 1500000.0000 is an amount);
PHONE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}[-\s]?\d{4}|\.\d{4}\.\d{4})(?!\d)")
# - an application number: 2 letters naming the backend + date + sequence.
APPLICATION_NO = re.compile(r"(?<![A-Za-z0-9])(CJ|QY|GJ|SB|YB|GD|YY)\d{14}(?!\d)")


# Digits and X typed full-width (a Chinese IME's default), read as the ASCII they stand for.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def ascii_digits(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def compact(value: str) -> str:
    """An identifier without its separators (and +86), upper-cased: the form backends get."""
    value = re.sub(r"[-\s.]", "", ascii_digits(value).strip()).upper()
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    return compact(value)


def is_valid_id_number(value: str, today: _dt.date | None = None) -> bool:
    """True when value is an 18-character resident ID with a real, past birth date
    and a matching check character."""
    value = normalise_id_number(value)
    if not re.fullmatch(r"[1-9]\d{16}[\dX]", value):
        return False
    try:
        born = _dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born > (today or clock.today()) or born.year < 1880:
        return False
    return id_check_char(value[:17]) == value[17]


def is_valid_phone(value: str) -> bool:
    return bool(re.fullmatch(r"1[3-9]\d{9}", compact(value)))


def mask_id_number(value: str) -> str:
    value = normalise_id_number(value)
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    value = compact(value)
    if len(value) != 11:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


def _replace(pattern: re.Pattern, text: str, repl) -> str:
    """pattern.sub, matching full-width digits as ASCII while leaving the rest of the text as
    written (the translation keeps every character's position)."""
    out, last = [], 0
    for m in pattern.finditer(ascii_digits(text)):
        out += [text[last:m.start()], repl(m)]
        last = m.end()
    return "".join(out) + text[last:] if out else text


def mask_text(text: str) -> str:
    """Mask every ID-like and phone number inside free text (for replies and work orders)."""
    text = _replace(ID_LIKE, text, lambda m: mask_id_number(m.group(0)))
    return _replace(PHONE, text, lambda m: mask_phone(m.group(0)))


# Credentials that travel in URLs (WeChat's access_token, app secret, login code)
# and end up in urllib3's DEBUG lines.
_SECRET_PARAM = re.compile(r"((?:access_token|secret|appsecret|js_code|session_key)=)[^&\s\"']+", re.I)


def redact_text(text: str) -> str:
    """Replace identifiers and URL credentials with placeholders: the form used in logs."""
    text = _replace(ID_LIKE, text, lambda m: "<ID_NUMBER>")
    text = _replace(PHONE, text, lambda m: "<PHONE>")
    return _SECRET_PARAM.sub(r"\1***", text) if "=" in text else text


def keyed_hash(pepper: bytes, value: str) -> str:
    """Stable pseudonym for lookups and log correlation; not reversible without the pepper."""
    return hmac.new(pepper, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# The one keyed hash for pseudonyms (audit records, repeat callers, partners): HMAC-SHA256 under
# PSEUDONYM_KEY, with the kind of value mixed in so that an ID number and a phone never share one.
_DEV_PSEUDONYM_KEY = "development-pseudonym-key (never in production)"


def _pseudonym_key() -> bytes:
    import os   # read on each call: tests and scripts set the environment after import
    key = os.environ.get("PSEUDONYM_KEY", "")
    if os.environ.get("APP_PROFILE") == "production" and (len(key) < 16 or key == _DEV_PSEUDONYM_KEY):
        raise RuntimeError("PSEUDONYM_KEY (at least 16 characters) is required in production")
    return (key or _DEV_PSEUDONYM_KEY).encode("utf-8")


def pseudonym(kind: str, value: str) -> str:
    """A stable pseudonym of `value` ("id_number", "phone", …): the same citizen gives the same
    string, and nobody without PSEUDONYM_KEY can go back. Identifiers are compacted first, so
    that "138 0013 8000" and "13800138000" are one caller."""
    value = compact(value) if kind in ("id_number", "phone") else value.strip()
    return hmac.new(_pseudonym_key(), f"{kind}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]
