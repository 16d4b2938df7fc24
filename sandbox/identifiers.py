"""Identifiers the sandbox makes up: resident ID numbers (GB 11643, the check
character from bot.core.privacy, the one definition) and unified social credit
codes of companies (统一社会信用代码, GB 32100-2015, with the organisation
code's own check character from GB 11714)."""
from __future__ import annotations

import datetime as dt

from bot.core.privacy import id_check_char

# GB 32100: 31 characters (no I, O, Z, S, V), weights 3^i mod 31.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 (the 9-character organisation code inside the USCC).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(region: str, born: dt.date, sequence: int) -> str:
    """An 18-character resident ID: 6-digit region, birth date, 3-digit sequence
    (odd for men, even for women), check character."""
    if len(region) != 6 or not region.isdigit() or not 0 <= sequence <= 999:
        raise ValueError("region must be 6 digits and sequence 0-999")
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def _org_check(body8: str) -> str:
    total = sum(_ORG_CHARS.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc(region: str, org_body: str, authority: str = "9", kind: str = "1") -> str:
    """A unified social credit code: authority (9 = market regulation), kind
    (1 = enterprise), 6-digit region, 8-character organisation body + its check,
    then the code's own check character."""
    if len(org_body) != 8 or any(c not in _ORG_CHARS for c in org_body):
        raise ValueError("org_body must be 8 characters of 0-9 and A-Y (no I, O, S, V, Z)")
    first17 = f"{authority}{kind}{region}{org_body}{_org_check(org_body)}"
    if len(first17) != 17:
        raise ValueError("region must be 6 digits")
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    if len(code) != 18 or any(c not in USCC_CHARS for c in code[:8] + code[17]):
        return False
    org = code[8:17]
    if org[8] not in "0123456789X" or any(c not in _ORG_CHARS for c in org[:8]):
        return False
    try:
        return uscc(code[2:8], org[:8], code[0], code[1]) == code
    except ValueError:
        return False
