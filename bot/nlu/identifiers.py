"""Identifiers are swapped for fixed stand-ins before a text reaches Rasa.

"CJ20261101000123 办到哪了" and "CJ20261020000456 办到哪了" mean the same thing;
the digits matter to the backend, not to the intent. So before parsing, each
application number, ID number, mobile number and 6-digit code is replaced by a
stand-in of the same shape and length, and afterwards the entities found at
those positions get the citizen's real value back. Two gains:

- the Rasa server (and its logs) never sees a citizen's ID or phone number;
- texts that differ only in such numbers share one parse-cache entry.

Stand-ins keep the length, so every offset Rasa reports is valid in the
original text too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.privacy import APPLICATION_NO, ID_LIKE, PHONE, is_identifier_char


def _digits_from(stand_in: str):
    """Replace the digits (also full-width or Chinese numerals, and an ID's X) of a match, right-aligned, by those of
    `stand_in`; separators and any prefix letters stay, so the length does too."""
    def replace(m: re.Match) -> str:
        src = list(m.group(0))
        fill = list(stand_in)
        for i in range(len(src) - 1, -1, -1):
            if is_identifier_char(src[i]) and fill:
                src[i] = fill.pop()
        return "".join(src)
    return replace


# The application number keeps its two-letter prefix: it names the backend
# (CJ exit-entry, QY business registration, ...), which the intent depends on.
_PATTERNS = (
    ("application_no", APPLICATION_NO, lambda m: m.group(1) + "20261101000001"),
    ("id_number", ID_LIKE, _digits_from("110101199001011237")),
    ("phone", PHONE, _digits_from("8613900001111")),
    ("verification_code", re.compile(r"(?<![0-9A-Za-z])\d{6}(?![0-9A-Za-z])"), lambda m: "246810"),
)
IDENTIFIER_ENTITIES = frozenset(name for name, _, _ in _PATTERNS)
# Kinds whose shape alone says what they are: a span masked as one of these is that entity whatever
# the model tagged (Rasa's regexes know only the ungrouped shapes: `5101 0419 …`, `幺三八…` were
# missed). A bare 6-digit number is not among them: only the context makes it a verification code.
SELF_EVIDENT = ("application_no", "id_number", "phone")
_SHAPE = {name: pattern for name, pattern, _ in _PATTERNS}


def _well_formed(entity: dict) -> bool:
    """A statistical extractor (the CRF; DIET before) may tag short numbers (88, 12345) as id_number: an identifier
    entity counts only when its value has the identifier's shape. (Whether an ID's
    check character verifies is the slot validator's business: the citizen is told.)"""
    shape = _SHAPE.get(entity.get("entity", ""))
    return shape is None or bool(shape.fullmatch(str(entity.get("value", ""))))


def clean_entities(entities: list[dict]) -> list[dict]:
    """Drop malformed identifiers; keep one entity per span (the CRF and the regex
    extractor both report identifiers: the regex copy wins)."""
    kept: dict[tuple, dict] = {}
    for e in entities:
        if not _well_formed(e):
            continue
        span = (e.get("entity"), e.get("start"), e.get("end"))
        if span not in kept or e.get("extractor") == "RegexEntityExtractor":
            kept[span] = e
    return list(kept.values())


@dataclass(frozen=True)
class Masked:
    original: str
    text: str                               # what Rasa sees
    spans: tuple[tuple[int, int], ...]      # where stand-ins were put
    kinds: tuple[str, ...] = ()             # the entity each span was masked as (same order)

    def restore(self, body: dict) -> dict:
        """Rasa's parse of `text`, turned into a parse of `original`."""
        out = dict(body)
        out["text"] = self.original
        if not self.spans:
            out["entities"] = clean_entities(body.get("entities") or [])
            return out
        entities = []
        for e in body.get("entities") or []:
            e = dict(e)
            start, end = e.get("start"), e.get("end")
            if isinstance(start, int) and isinstance(end, int) and self._overlaps(start, end):
                if e.get("entity") in IDENTIFIER_ENTITIES or e.get("value") == self.text[start:end]:
                    e["value"] = self.original[start:end]
            entities.append(e)
        entities = clean_entities(entities)
        out["entities"] = entities + self._untagged(entities)
        return out

    def _untagged(self, entities: list[dict]) -> list[dict]:
        """An entity for each self-evident identifier the model did not tag as what it is."""
        added = []
        for (a, b), kind in zip(self.spans, self.kinds):
            if kind not in SELF_EVIDENT:
                continue
            if any(e.get("entity") == kind and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
                   and e["start"] < b and a < e["end"] for e in entities):
                continue
            added.append({"entity": kind, "start": a, "end": b, "value": self.original[a:b],
                          "extractor": "identifiers"})
        return added

    def _overlaps(self, start: int, end: int) -> bool:
        return any(start < b and a < end for a, b in self.spans)


def mask_identifiers(text: str) -> Masked:
    spans: list[tuple[int, int]] = []
    kinds: dict[tuple[int, int], str] = {}
    chars = list(text)
    for name, pattern, stand_in in _PATTERNS:
        for m in pattern.finditer(text):
            a, b = m.span()
            if any(a < y and x < b for x, y in spans):
                continue  # already covered by a longer identifier
            replacement = stand_in(m)
            assert len(replacement) == b - a
            chars[a:b] = replacement
            spans.append((a, b))
            kinds[(a, b)] = name
    ordered = tuple(sorted(spans))
    return Masked(text, "".join(chars), ordered, tuple(kinds[s] for s in ordered))
