"""Point 6: every read of a citizen's records in a backend leaves exactly one audit record (who, why,
which backend, the citizen as a keyed hash), and none holds a raw identifier. Driven through the
real dispatcher and the sandbox backends over HTTP."""
import sqlalchemy as sa

from bot.core import access
from bot.core.privacy import pseudonym
from tests.fixtures.chat import LI, WANG


def _new_records(runtime, since_id: int) -> list[dict]:
    return [r for r in reversed(runtime.records.audit.search(limit=1000)) if r["id"] > since_id]


def _last_id(runtime) -> int:
    newest = runtime.records.audit.search(limit=1)
    return newest[0]["id"] if newest else 0


def test_a_balance_query_leaves_one_record_of_the_bot_reading_for_the_citizen(chat, fake_runtime):
    chat.bind(LI)
    before = _last_id(fake_runtime)
    assert "18,905.20 元" in chat.say("公积金")
    records = _new_records(fake_runtime, before)
    assert [(r["backend"], r["operation"], r["outcome"]) for r in records] == [("housing_fund", "account", "ok")]
    r = records[0]
    assert (r["actor"], r["actor_role"], r["purpose"], r["cached"]) == ("bot", "bot", "citizen_query", False)
    assert r["citizen"] == pseudonym("id_number", LI[1])


def test_the_ledger_leaves_one_record_per_backend_asked(chat, fake_runtime):
    chat.bind(WANG)
    before = _last_id(fake_runtime)
    chat.say("我的办件")
    records = _new_records(fake_runtime, before)
    asked = sorted(a.name for a in fake_runtime.adapters.ledger_sources())
    # One per backend: affairs() made of applications() is still one read.
    assert sorted(r["backend"] for r in records) == asked
    assert {r["operation"] for r in records} == {"affairs"}
    assert {r["citizen"] for r in records} == {pseudonym("id_number", WANG[1])}


def test_a_read_that_finds_nothing_or_fails_is_recorded_too(chat, fake_runtime, sandbox):
    from tests.fixtures.chat import CHEN
    chat.bind(CHEN)
    before = _last_id(fake_runtime)
    chat.say("公积金")                            # the student has no housing-fund account
    assert [r["outcome"] for r in _new_records(fake_runtime, before)] == ["not_found"]
    sandbox.fault("housing_fund", "down")
    before = _last_id(fake_runtime)
    chat.say("公积金")
    outcomes = [r["outcome"] for r in _new_records(fake_runtime, before)]
    assert len(outcomes) == 1 and outcomes[0] != "ok"


def test_a_person_reading_is_recorded_as_that_person(fake_runtime):
    before = _last_id(fake_runtime)
    with access.reading_as(access.Reader("account:li.agent", "agent", "agent_view")):
        fake_runtime.adapters.social_insurance.account(LI[1])
    [r] = _new_records(fake_runtime, before)
    assert (r["actor"], r["actor_role"], r["purpose"], r["backend"]) == (
        "account:li.agent", "agent", "agent_view", "social_insurance")
    assert fake_runtime.records.audit.search(actor="account:li.agent")[0]["id"] == r["id"]


def test_no_audit_record_holds_a_raw_identifier(chat, fake_runtime):
    chat.bind(LI)
    chat.say("公积金")
    chat.say("我的办件")
    with fake_runtime.records.db.engine.connect() as c:
        dump = repr(c.execute(sa.text("SELECT * FROM audit_records")).all())
    assert LI[1] not in dump and LI[1][:14] not in dump and LI[1][-6:] not in dump
