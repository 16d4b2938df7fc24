"""Small-count suppression for published count tables (statistical disclosure control).

    table = CountTable.build(rows, row_key, col_key)      # counts, with row, column and grand totals
    shown = suppress(table, threshold=5)                  # None where a value must not be shown

The table is read with its margins as one grid of (R+1) × (C+1) values: each row of it, the column
totals' row included, is a *line* whose cells add up to its last member, and so is each column.
    primary        every value under `threshold` (zeros too: no published value is under it);
    complementary  a line with exactly one value withheld would give it away (its total minus the
                   rest), so the next-smallest shown value of that line is withheld too (a cell
                   before its line's total); and where a line's total is shown, what it gives
                   away of its withheld values — their sum — must not be a small count either
                   (two withheld zeros beside a shown total are both known to be zero), so
                   more of the line is withheld until that sum reaches `threshold` (its total
                   too, when nothing else is left); repeated until nothing changes.
After it, every line has none or at least two values withheld, and in a line whose total is shown
the withheld values add up to at least `threshold`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable

THRESHOLD = 5


@dataclass(frozen=True)
class CountTable:
    rows: tuple[Hashable, ...]
    cols: tuple[Hashable, ...]
    grid: tuple[tuple[int, ...], ...]          # (R+1) × (C+1): cells, row totals last, column totals below

    @classmethod
    def build(cls, records: Iterable, row_key: Callable, col_key: Callable) -> "CountTable":
        counts = Counter((row_key(r), col_key(r)) for r in records)
        rows = tuple(sorted({r for r, _ in counts}, key=str))
        cols = tuple(sorted({c for _, c in counts}, key=str))
        return cls.of(rows, cols, [[counts.get((r, c), 0) for c in cols] for r in rows])

    @classmethod
    def of(cls, rows, cols, cells: list[list[int]]) -> "CountTable":
        body = [list(row) + [sum(row)] for row in cells]
        totals = [sum(row[j] for row in body) for j in range(len(cols) + 1)]
        return cls(tuple(rows), tuple(cols), tuple(tuple(r) for r in body + [totals]))


def _lines(n_rows: int, n_cols: int) -> list[list[tuple[int, int]]]:
    """Each line of the grid as its positions, the total last."""
    rows = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    cols = [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    return rows + cols


def withheld(table: CountTable, threshold: int = THRESHOLD) -> set[tuple[int, int]]:
    """The grid positions that must not be shown."""
    n_rows, n_cols = len(table.rows), len(table.cols)
    hidden = {(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1) if table.grid[i][j] < threshold}
    lines = _lines(n_rows, n_cols)
    value = lambda p: table.grid[p[0]][p[1]]   # noqa: E731
    changed = True
    while changed:
        changed = False
        for line in lines:
            if len(line) < 2:
                continue                   # a line of one member is its own total: an empty table
            withheld_here = [p for p in line if p in hidden]
            alone = len(withheld_here) == 1
            total_shown = line[-1] not in hidden
            small_sum = total_shown and withheld_here and sum(value(p) for p in withheld_here) < threshold
            if not (alone or small_sum):
                continue
            shown = [p for p in line if p not in hidden]
            # the smallest shown cell of the line, a cell before the line's own total
            pick = min(shown, key=lambda p: (p == line[-1], value(p), p))
            hidden.add(pick)
            changed = True
    return hidden


def suppress(table: CountTable, threshold: int = THRESHOLD) -> list[list[int | None]]:
    """The grid with every withheld value as None."""
    hidden = withheld(table, threshold)
    return [[None if (i, j) in hidden else v for j, v in enumerate(row)] for i, row in enumerate(table.grid)]
