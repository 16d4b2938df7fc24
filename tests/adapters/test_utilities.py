from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import CHEN, HUANG, ZHAO


def test_zhao_li_bills_across_pages(adapters, sandbox):
    with StatsDelta(sandbox, "utilities") as d:
        bills = adapters.utilities.bills(ZHAO)
    assert d["requests"] == 2  # the platform sends two bills a page
    due = {b.kind: b.amount_due for b in bills if not b.paid}
    assert due == {"水费": Decimal("45.60"), "电费": Decimal("210.35")}
    assert len(bills) == 4
    water = next(b for b in bills if b.kind == "水费" and not b.paid)
    assert (water.period, water.due_date) == ("2026-10", dt.date(2026, 11, 30))


def test_three_pages(adapters):
    assert len(adapters.utilities.bills(HUANG)) == 5


def test_no_bills(adapters):
    assert adapters.utilities.bills(CHEN) == []


def test_a_503_while_paging_is_retried(adapters, sandbox):
    # The bills query is a POST (the ID in its body, not the URL) marked idempotent: retried.
    adapters.utilities.bills(ZHAO)
    sandbox.fault("utilities", "error_503", times=1)
    with StatsDelta(sandbox, "utilities") as d:
        assert len(adapters.utilities.bills(ZHAO)) == 4
    assert d["requests"] == 3 and d["faulted"] == 1
