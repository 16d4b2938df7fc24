"""Percentiles for the benchmark scripts: one definition, so that their figures compare."""
from __future__ import annotations


def percentile(values, q: float) -> float:
    """Nearest rank: the value at index int(q × n) of the sorted values, q in [0, 1]."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
