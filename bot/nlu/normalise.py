"""Text normalisation applied before NLU and before the parse cache.

Citizens type full-width digits and letters (１２３, ＣＪ), stray spaces and
mixed case; Rasa should see one spelling of each so that the regexes for ID
and application numbers match and the cache key is stable.
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Spaces between two CJK characters or between CJK and a digit carry no
# meaning in Chinese and break regex matches such as "CJ 2026 1101 000123".
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_INNER_SPACE = re.compile(rf"(?<=[{_CJK}0-9A-Za-z])\s+(?=[{_CJK}0-9])|(?<=[{_CJK}])\s+(?=[A-Za-z])")


def to_half_width(text: str) -> str:
    """Map full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) and the ideographic
    space to ASCII. Chinese punctuation (，？！：) stays: the training data uses it."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    """Return the canonical form of a citizen's message.

    - full-width digits and letters to half-width (Chinese punctuation such as ，。？ stays)
    - Unicode NFC so that composed and decomposed forms compare equal
    - letters upper-cased where they are part of an identifier (cj2026... -> CJ2026...,
      trailing x of an ID number) and lower-cased elsewhere (GJJ -> gjj)
    - runs of whitespace collapsed; whitespace inside digit/CJK runs removed
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", to_half_width(text))
    text = _SPACES.sub(" ", text).strip()
    text = _INNER_SPACE.sub("", text)
    text = text.lower()
    # Identifiers are upper-case by contract (docs/contracts.md): restore them.
    text = re.sub(r"(?<![a-z])([a-z]{2})(\d{14})(?!\d)", lambda m: m.group(1).upper() + m.group(2), text)
    text = re.sub(r"(?<!\d)(\d{17})x(?![a-z0-9])", r"\1X", text)
    return text
