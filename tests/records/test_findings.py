"""The findings' records on SQLite and PostgreSQL: one row per rule, citizen and period however
often (or however concurrently) it is kept, no raw ID number stored, a review once and only by the
reviewing department."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from bot.core.privacy import pseudonym
from bot.records import Findings, NewFinding, ReviewRefused

ZHOU = "510122194807120030"


def found(period="2026-08", id_number=ZHOU, reviewer="人力资源和社会保障局"):
    return NewFinding(rule="pension_after_death", reviewer=reviewer, id_number=id_number, name="周德明",
                      district="双流区", period=period, summary=f"仍发放 2 个月，身份证 {id_number}",
                      evidence={"人力资源和社会保障局": {"amount": "460.00"}})


def test_one_row_per_rule_citizen_and_period(records_db):
    book = Findings(records_db)
    run = book.start_run("test")
    first, new = book.keep(found(), run)
    again, new_again = book.keep(found(), run)
    other, _ = book.keep(found(period="2026-09"), run)
    assert new and not new_again and first == again != other
    assert book.count() == 2
    f = book.get(first)
    assert f["citizen_key"] == pseudonym("id_number", ZHOU) and f["masked_id"] == "510***********0030"
    assert f["times_seen"] == 2 and ZHOU not in f["summary"]
    with records_db.engine.connect() as c:
        dump = " ".join(str(v) for row in c.execute(text("SELECT * FROM crosscheck_findings")) for v in row)
    assert ZHOU not in dump
    book.finish_run(run, {"checked": {"pension_after_death": {"found": 2}}})
    assert book.runs(1)[0]["report"]["checked"]["pension_after_death"]["found"] == 2


def test_runs_keeping_one_finding_at_once_make_one_row(records_db):
    book = Findings(records_db)
    results, barrier = [], threading.Barrier(6)

    def keep():
        barrier.wait()
        results.append(book.keep(found(), 1))

    threads = [threading.Thread(target=keep) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert book.count() == 1 and len({i for i, _ in results}) == 1
    assert sum(new for _, new in results) == 1


def test_a_review_once_by_its_own_department(records_db):
    book = Findings(records_db)
    finding_id, _ = book.keep(found(), 1)
    with pytest.raises(LookupError):
        book.review(finding_id, "confirmed", "ok", by="account:mz", department="民政局")
    with pytest.raises(ReviewRefused):
        book.review(finding_id, "maybe", "ok", by="account:si", department="人力资源和社会保障局")
    with pytest.raises(ReviewRefused):
        book.review(finding_id, "dismissed", "", by="account:si", department="人力资源和社会保障局")
    row = book.review(finding_id, "dismissed", "登记有误", by="account:si", department="人力资源和社会保障局")
    assert row["status"] == "dismissed" and row["note"] == "登记有误"
    with pytest.raises(ReviewRefused):
        book.review(finding_id, "confirmed", "再看", by="account:office", department=None)
    assert [f["id"] for f in book.search(reviewer="人力资源和社会保障局")] == [finding_id] and not book.search(reviewer="民政局")
