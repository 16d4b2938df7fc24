"""Small, strict readers for backend answers. Anything unexpected raises
ValueError/KeyError/TypeError, which BackendAdapter._request turns into
BadResponse; so a parse function can simply index and convert."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import requests

from adapters.records import CST


def json_body(response: requests.Response, *, exact_numbers: bool = False) -> Any:
    """The decoded JSON body; exact_numbers reads 3120.45 as Decimal, not float."""
    ctype = response.headers.get("Content-Type", "")
    if "json" not in ctype:
        raise ValueError(f"expected JSON, got {ctype or 'no content type'}")
    text = response.content.decode("utf-8")
    return json.loads(text, parse_float=Decimal) if exact_numbers else json.loads(text)


def xml_body(response: requests.Response) -> ET.Element:
    ctype = response.headers.get("Content-Type", "")
    if "xml" not in ctype:
        raise ValueError(f"expected XML, got {ctype or 'no content type'}")
    return ET.fromstring(response.content)  # ParseError is a SyntaxError: caught by _request


def xml_fields(element: ET.Element) -> dict[str, str]:
    """<person><a>1</a><b>x</b></person> -> {"a": "1", "b": "x"} (empty tags -> "")."""
    return {child.tag: (child.text or "").strip() for child in element}


def money(value: Any) -> Decimal:
    """'52340.56', 52340.56 read as Decimal (never via float), or int."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not an amount: {value!r}")
    if isinstance(value, float):
        raise TypeError("amount arrived as a float; read the body with exact_numbers=True")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


def fen(value: Any) -> Decimal:
    """An integer number of fen (分) as yuan: 4560 -> Decimal('45.60')."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a whole number of fen: {value!r}")
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def date(value: str, fmt: str | None = None) -> dt.date:
    """'2026-11-01' (ISO) or a given strptime format such as '%Y%m%d'."""
    if fmt:
        return dt.datetime.strptime(value, fmt).date()
    return dt.date.fromisoformat(value)


def local_datetime(value: str, fmt: str | None = None) -> dt.datetime:
    """An aware datetime; a value without an offset is Beijing time."""
    parsed = dt.datetime.strptime(value, fmt) if fmt else dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CST)


def month(value: str) -> str:
    """'202610' or '2026-10' -> '2026-10' (checked)."""
    digits = value.replace("-", "")
    dt.datetime.strptime(digits, "%Y%m")
    return f"{digits[:4]}-{digits[4:]}"


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value
