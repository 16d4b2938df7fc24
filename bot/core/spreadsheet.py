"""CSV that the city's offices open in Excel: a cell that starts like a formula (= + - @, or a tab
or carriage return before one) would be run as one, so it is written with a leading apostrophe,
which Excel shows as text (OWASP's advice against CSV injection). Numbers stay numbers."""
from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(values):
    return [safe_cell(v) for v in values]
