"""Traditional characters to simplified: one converter for every reader (the NLU's normaliser,
person names, which the identity backend holds in simplified characters: 孫小梅 is 孙小梅)."""
from __future__ import annotations

import functools

import opencc


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters and phrases to simplified (OpenCC's t2s tables); simplified text,
    digits, Latin letters and emoji are left as they are."""
    return _t2s().convert(text)
