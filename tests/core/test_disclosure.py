"""Small-count suppression: no shown value under 5, and no withheld value that a line of the table
(a row or a column with its total) would give away."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from bot.core.disclosure import CountTable, suppress, withheld


def lines(n_rows: int, n_cols: int):
    return ([[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
            + [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)])


tables = st.integers(1, 6).flatmap(lambda r: st.integers(1, 6).flatmap(
    lambda c: st.lists(st.lists(st.integers(0, 40), min_size=c, max_size=c), min_size=r, max_size=r)))


@settings(max_examples=400, deadline=None)
@given(tables)
def test_no_shown_value_under_5_and_none_withheld_alone_in_a_line(cells):
    t = CountTable.of(range(len(cells)), range(len(cells[0])), cells)
    shown = suppress(t)
    hidden = withheld(t)
    for row in shown:
        assert all(v is None or v >= 5 for v in row)
    for line in lines(len(cells), len(cells[0])):
        # one unknown in a line whose other members are shown would be its total minus the rest
        assert sum(p in hidden for p in line) != 1
        # where the line's total is shown, the sum it gives away of its withheld values is no small count
        if line[-1] not in hidden and any(p in hidden for p in line):
            assert sum(t.grid[i][j] for i, j in line if (i, j) in hidden) >= 5
    # nothing shown is changed
    for i, row in enumerate(shown):
        for j, v in enumerate(row):
            assert v is None or v == t.grid[i][j]


def test_the_standard_case_a_small_cell_and_its_complement():
    t = CountTable.of(["锦江区", "武侯区"], ["审批中", "已办结"], [[3, 20], [10, 30]])
    shown = suppress(t)
    assert shown[0][0] is None                        # 3 < 5
    assert shown[0][1] is None and shown[1][0] is None and shown[1][1] is None   # its row and column complements
    assert shown[2][2] == 63                          # the grand total stays


def test_withheld_zeros_beside_a_shown_total_are_not_given_away():
    """Row A's two zeros, withheld, would be known to be zero from 22 − 10 − 12, and column y's
    8 from its total then: more of the row is withheld."""
    t = CountTable.of(["A", "B", "C"], ["x", "y", "z", "w"], [[0, 0, 10, 12], [7, 8, 9, 10], [6, 9, 8, 7]])
    shown = suppress(t)
    row_a = shown[0]
    assert row_a[4] is None or sum(t.grid[0][j] for j in range(5) if row_a[j] is None) >= 5
    assert shown[1][1] is None                       # B,y stays withheld


def test_a_table_of_large_counts_is_shown_whole():
    t = CountTable.of(["a", "b"], ["x", "y"], [[10, 20], [30, 40]])
    assert suppress(t) == [[10, 20, 30], [30, 40, 70], [40, 60, 100]]


def test_built_from_records():
    t = CountTable.build([("锦江区", "审批中")] * 6 + [("武侯区", "审批中")] * 2, lambda r: r[0], lambda r: r[1])
    assert t.rows == ("武侯区", "锦江区") or t.rows == ("锦江区", "武侯区")
    assert sorted(t.grid[i][0] for i in range(2)) == [2, 6] and t.grid[2][1] == 8


def test_an_empty_table_shows_nothing():
    t = CountTable.build([], lambda r: r, lambda r: r)
    assert suppress(t) == [[None]]
