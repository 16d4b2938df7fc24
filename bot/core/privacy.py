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
import os
import re
from dataclasses import dataclass

from bot.core import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# The shapes in which citizens write identifiers: the ONE definition used for validation,
# masking, log redaction, the NLU stand-ins and the hotline. An identifier is read from a chain
# of digit groups (find_identifiers below):
# - digits full-width or ASCII, or spoken as Chinese numerals (幺三八… in a transcript: a run of
#   at least three numerals is read as digits, so that 第一 or 一下 are never numbers);
# - groups joined by up to three separators: spaces (also the ideographic one), tabs, dashes,
#   dots, mixed any way ("5101 0719-9203.0845 25"); a line break ends a chain (lists, addresses);
#   dots count only when there are at least two (one dot alone is a decimal: 131.12345678);
# - an ID number: 17 digits then a digit or X/x (valid or not: a mistyped one is still someone's),
#   possibly right after letters ("sfz5101...") and, when it ends in X, straight before the next
#   number (a phone);
# - a mainland mobile: 1[3-9] and 9 more digits, possibly after +86, 86 or 0086.
_NUMERALS = "零〇一幺二两三四五六七八九"
_NUMERAL_DIGIT = dict(zip(_NUMERALS, "0011223456789"))
_NUMERAL_RUN = re.compile(rf"[{_NUMERALS}](?:[ \t\u3000\-－.．]{{0,3}}[{_NUMERALS}]){{2,}}")
_CANON = str.maketrans("０１２３４５６７８９Ｘｘ\u3000－．＋", "0123456789Xx -.+")
_GROUP = re.compile(r"\d+(?:[ \t.\-]{0,3}[Xx](?![A-Za-z]))?")
_GAP = re.compile(r"[ \t.\-]{1,3}")
_PHONE_DIGITS = re.compile(r"(?:0086|86)?(1[3-9]\d{9})")
_ID_DIGITS = re.compile(r"\d{17}[\dX]")
# - an application number: 2 letters naming the backend + date + sequence.
APPLICATION_NO = re.compile(r"(?<![A-Za-z0-9])(CJ|QY|GJ|SB|YB|GD|YY)\d{14}(?!\d)")


def canonical(text: str) -> str:
    """The text with every character an identifier may be written in turned into ASCII digits,
    X, space, dash, dot or plus — character for character, so every position stays valid."""
    text = text.translate(_CANON)
    if any(c in _NUMERAL_DIGIT for c in text):
        text = _NUMERAL_RUN.sub(lambda m: "".join(_NUMERAL_DIGIT.get(c, c) for c in m.group(0)), text)
    return text


def ascii_digits(text: str) -> str:
    return canonical(text)


def every_numeral_as_digit(text: str) -> str:
    """canonical(), and every Chinese numeral a digit even alone ("幺2三四五六" -> "123456"): for a
    message that can only be a number (the SMS code asked), never for free text (一下, 第一)."""
    return "".join(_NUMERAL_DIGIT.get(c, c) for c in canonical(text))


def is_identifier_char(ch: str) -> bool:
    """A character that carries a digit (or an ID's X) of an identifier, however written."""
    return ch.isdigit() or ch in "XxＸｘ" or ch in _NUMERAL_DIGIT


@dataclass(frozen=True)
class Found:
    """One identifier in a text: kind "id_number" or "phone", its span in the text as written,
    and its value (an ID: 18 characters, X upper-case; a phone: the bare 11 digits)."""
    kind: str
    start: int
    end: int
    raw: str
    value: str

    # The parts of re.Match that callers use, so a Found can stand where a match did.
    def group(self, n: int = 0) -> str:
        return self.raw

    def span(self) -> tuple[int, int]:
        return self.start, self.end


def find_identifiers(text: str) -> list[Found]:
    """Every ID number and mobile number in `text`, in order, however grouped or written."""
    if not text:
        return []
    canon = canonical(text)
    groups = list(_GROUP.finditer(canon))
    found: list[Found] = []
    chain: list[re.Match] = []
    for g in groups + [None]:
        if g is not None and chain:
            gap = canon[chain[-1].end():g.start()]
            joined = (gap == "" and chain[-1].group(0)[-1] in "Xx") or _GAP.fullmatch(gap)
            if joined:
                chain.append(g)
                continue
        if chain:
            found += _read_chain(text, canon, chain)
        chain = [g] if g is not None else []
    return found


def _read_chain(text: str, canon: str, chain: list[re.Match]) -> list[Found]:
    out, i = [], 0
    while i < len(chain):
        hit = _id_from(text, canon, chain, i) or _phone_from(text, canon, chain, i)
        if hit is None:
            i += 1
            continue
        found, i = hit
        out.append(found)
    return out


def _dots_ok(canon: str, chain: list[re.Match], i: int, j: int) -> bool:
    """Not exactly one dot in the candidate (one dot alone is a decimal point)."""
    return canon[chain[i].start():chain[j].end()].count(".") != 1


def _id_from(text, canon, chain, i):
    digits = ""
    for j in range(i, len(chain)):
        digits += re.sub(r"[\s.\-]", "", chain[j].group(0)).upper()
        if len(digits) > 18 or ("X" in digits and not digits.endswith("X")):
            return None
        if len(digits) == 18 and _ID_DIGITS.fullmatch(digits) and _dots_ok(canon, chain, i, j):
            a, b = chain[i].start(), chain[j].end()
            return Found("id_number", a, b, text[a:b], digits), j + 1
    return None


def _phone_from(text, canon, chain, i):
    digits = ""
    for j in range(i, len(chain)):
        if "X" in chain[j].group(0).upper():
            return None
        digits += chain[j].group(0)
        if len(digits) > 15:
            return None
        m = _PHONE_DIGITS.fullmatch(digits)
        if m and (len(digits) == 11 or not _PHONE_DIGITS.fullmatch(digits + (chain[j + 1].group(0)
                                                                           if j + 1 < len(chain) else "x"))):
            if not _dots_ok(canon, chain, i, j):
                return None
            a, b = chain[i].start(), chain[j].end()
            if len(digits) > 11 and a > 0 and canon[a - 1] == "+":
                a -= 1
            return Found("phone", a, b, text[a:b], m.group(1)), j + 1
    return None


class IdentifierShape:
    """One kind of identifier with the parts of re.Pattern that callers use (search, finditer,
    fullmatch, sub), all answered by find_identifiers."""

    def __init__(self, kind: str):
        self.kind = kind

    def finditer(self, text: str) -> list[Found]:
        return [f for f in find_identifiers(text) if f.kind == self.kind]

    def search(self, text: str) -> Found | None:
        return next(iter(self.finditer(text)), None)

    def fullmatch(self, text: str) -> Found | None:
        found = self.finditer(text)
        return found[0] if len(found) == 1 and found[0].span() == (0, len(text)) else None

    def sub(self, repl, text: str) -> str:
        return _replace(text, {self.kind: repl if callable(repl) else (lambda f: repl)})


ID_LIKE = IdentifierShape("id_number")
PHONE = IdentifierShape("phone")


def compact(value: str) -> str:
    """An identifier without its separators (and +86), upper-cased: the form backends get."""
    found = find_identifiers(value.strip())
    if len(found) == 1:
        return found[0].value
    value = re.sub(r"[-\s.]", "", canonical(value).strip()).upper()
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


def _replace(text: str, how: dict) -> str:
    """Each identifier of a kind in `how` replaced by how[kind](found); the rest as written."""
    out, last = [], 0
    for f in find_identifiers(text):
        if f.kind in how:
            out += [text[last:f.start], how[f.kind](f)]
            last = f.end
    return "".join(out) + text[last:] if out else text


def mask_text(text: str) -> str:
    """Mask every ID-like and phone number inside free text (for replies and work orders)."""
    return _replace(text, {"id_number": lambda f: mask_id_number(f.value), "phone": lambda f: mask_phone(f.value)})


# Credentials that travel in URLs (WeChat's access_token, app secret, login code)
# and end up in urllib3's DEBUG lines.
_SECRET_PARAM = re.compile(r"((?:access_token|secret|appsecret|js_code|session_key)=)[^&\s\"']+", re.I)


def redact_text(text: str) -> str:
    """Replace identifiers and URL credentials with placeholders: the form used in logs."""
    text = _replace(text, {"id_number": lambda f: "<ID_NUMBER>", "phone": lambda f: "<PHONE>"})
    return _SECRET_PARAM.sub(r"\1***", text) if "=" in text else text


def keyed_hash(pepper: bytes, value: str) -> str:
    """Stable pseudonym for lookups and log correlation; not reversible without the pepper."""
    return hmac.new(pepper, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# The key of every pseudonym: the deployment's HASH_PEPPER (security.hash_pepper, from the
# environment), set by the runtime at start (configure_pseudonyms); read from the environment when
# nothing configured it (a script, a backend adapter used alone).
_PSEUDONYM_KEY: bytes | None = None


def configure_pseudonyms(key: bytes) -> None:
    global _PSEUDONYM_KEY
    if not key:
        raise ValueError("the pseudonym key must not be empty")
    _PSEUDONYM_KEY = key


def pseudonym(kind: str, value: str) -> str:
    """THE keyed hash of an identifier (kind: "id_number", "phone", "user", ...) for anything that
    must find or correlate it without holding it: Redis keys, idempotency keys, headers, logs.
    An ID number has few enough possible values (a birth date, a region, a sequence) that a plain
    hash is reversed by trying them: without the key, this one is not. Identifiers are compacted
    first, so every written shape of one number gives one pseudonym."""
    key = _PSEUDONYM_KEY or os.environ.get("HASH_PEPPER", "").encode()
    if not key:
        # A script of a production deployment must not quietly key pseudonyms differently.
        if os.environ.get("APP_PROFILE") == "production":
            raise RuntimeError("HASH_PEPPER is required in production: it keys every pseudonym")
        key = b"sandbox-pepper"
    if kind in ("id_number", "phone"):
        value = compact(value)
    return hmac.new(key, f"{kind}\0{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# A number corrected in the words after it: "最后两位是32", "末尾是02", "最后那个7应该是6".
# ("最后两位搞反了 是69": a few words may say what went wrong before the right digits)
_TAIL_FIX = re.compile(r"(?:最后|末尾|尾数|后面)(?:[一二两三四五1-5]位|那个?\s*([0-9Xx])\s*)?[^0-9Xx，,。]{0,5}?(?:应该)?(?:是|改成)"
                       r"\s*([0-9Xx]{1,5})")
# A phone taken back in the words after it: "15882619037 哎算了 电话不留了".
TAKEN_BACK = re.compile(r"不留了|不留电话|电话不留|号码不留|不用留|还是不留|不想留|不方便留")


# ... or at a place counted in it: "倒数第三位是4不是3", "第五位应该是8", "中间四位是8061", "前三位是139".
_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12, "十三": 13, "十四": 14, "十五": 15, "十六": 16, "十七": 17, "十八": 18}
_COUNT = r"(1[0-8]|[1-9]|十[一二三四五六七八]?|[一二两三四五六七八九])"
_PLACE_FIX = re.compile(rf"(倒数)?第{_COUNT}[位个](?:数字?)?(?:应该|其实)?(?:是|改成|为)\s*([0-9Xx])(?![\d号楼栋单元层])")
_SPAN_FIX = re.compile(rf"(前|中间){_COUNT}位(?:数字?)?(?:应该|其实)?(?:是|改成|为)\s*([0-9]{{2,8}})")


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMERALS.get(word, 0)


def _placed_fix(number: str, after: str) -> str | None:
    """A digit or a run of digits corrected at a place counted from either end, or the middle
    four of a mobile (3-4-4, as people read it); None when the words say no such place."""
    m = _PLACE_FIX.search(after)
    if m:
        place, new = _count(m.group(2)), m.group(3).upper()
        if not 1 <= place <= len(number):
            return None
        i = len(number) - place if m.group(1) else place - 1
        return number[:i] + new + number[i + 1:]
    m = _SPAN_FIX.search(after)
    if m:
        size, new = _count(m.group(2)), m.group(3)
        if size != len(new) or size >= len(number):
            return None
        if m.group(1) == "前":
            return new + number[size:]
        if len(number) == 11 and size == 4:   # a mobile's middle four
            return number[:3] + new + number[7:]
    return None


def corrected_number(number: str, after: str) -> str:
    """`number` with the correction said after it applied (its last digits, one digit, or the
    digits at a place it counts)."""
    placed = _placed_fix(number, after)
    if placed is not None:
        return placed
    m = _TAIL_FIX.search(after)
    if m is None:
        return number
    old, new = m.group(1), m.group(2).upper()
    if old is not None:
        i = number.rfind(old.upper())
        return number[:i] + new + number[i + 1:] if i >= 0 and len(new) == 1 else number
    return number[:len(number) - len(new)] + new if len(new) < len(number) else number
