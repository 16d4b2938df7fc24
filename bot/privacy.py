"""Citizens' identifiers: validation, masking for display, redaction for logs.

Rules (see ../shared/reference/wechat-protocol.md §6):
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

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# Candidates only; validity needs the check character too (see is_valid_id_number).
ID_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
# Anything that looks like an 18-character ID, valid or not: used for redaction,
# because a mistyped ID number is still personal data.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    return value.strip().upper()


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
    if born > (today or _dt.date.today()) or born.year < 1880:
        return False
    return id_check_char(value[:17]) == value[17]


def is_valid_phone(value: str) -> bool:
    return bool(re.fullmatch(r"1[3-9]\d{9}", value.strip()))


def mask_id_number(value: str) -> str:
    value = normalise_id_number(value)
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    value = value.strip()
    if len(value) != 11:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


def mask_text(text: str) -> str:
    """Mask every ID-like and phone number inside free text (for replies and work orders)."""
    text = _ID_LIKE.sub(lambda m: mask_id_number(m.group(0)), text)
    return PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def redact_text(text: str) -> str:
    """Replace identifiers with placeholders: the form used in logs and analytics."""
    text = _ID_LIKE.sub("<ID_NUMBER>", text)
    return PHONE.sub("<PHONE>", text)


def keyed_hash(pepper: bytes, value: str) -> str:
    """Stable pseudonym for lookups and log correlation; not reversible without the pepper."""
    return hmac.new(pepper, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
