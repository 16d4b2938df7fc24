"""The audit records: searchable by citizen and account, never holding a raw identifier, and
append-only in the database itself (SQLite and PostgreSQL)."""
import pytest
import sqlalchemy as sa

from bot.records.audit import AuditLog

ID = "11010519491231002X"
OTHER = "510104198801012345"


def _read(log, citizen, actor="bot", **kw):
    log.record(backend="housing_fund", operation="account", citizen_id=citizen, actor=actor,
               actor_role=kw.pop("actor_role", "bot"), purpose=kw.pop("purpose", "citizen_query"), **kw)


def test_records_are_found_by_citizen_and_by_account(records_db):
    log = AuditLog(records_db)
    _read(log, ID)
    _read(log, ID, actor="account:li", actor_role="agent", purpose="agent_view")
    _read(log, OTHER, actor="account:li", actor_role="agent", purpose="agent_view")
    assert [r["actor"] for r in log.search(citizen_id=ID)] == ["account:li", "bot"]
    # The same number as written by a person (spaces, lower-case x) finds the same citizen.
    assert len(log.search(citizen_id="110105 19491231 002x")) == 2
    assert len(log.search(actor="account:li")) == 2
    assert log.search(citizen_id=OTHER)[0]["purpose"] == "agent_view"


def test_no_record_holds_a_raw_identifier(records_db):
    log = AuditLog(records_db)
    _read(log, ID)
    with records_db.engine.connect() as c:
        rows = c.execute(sa.text("SELECT * FROM audit_records")).all()
    dump = repr(rows)
    assert rows and ID not in dump and ID[:14] not in dump and ID[-8:] not in dump


def test_the_database_refuses_to_change_or_delete_a_record(records_db):
    _read(AuditLog(records_db), ID)
    for statement in ("UPDATE audit_records SET actor = 'someone else'", "DELETE FROM audit_records"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with records_db.engine.begin() as c:
                c.execute(sa.text(statement))
    assert AuditLog(records_db).count() == 1


def test_on_postgresql_the_applications_role_may_add_but_not_change(records_db):
    if records_db.dialect != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    with records_db.engine.begin() as c:
        c.execute(sa.text("SET LOCAL ROLE records_writer"))
        c.execute(sa.text("INSERT INTO audit_records (at, backend, operation, citizen, actor, actor_role, purpose,"
                          " cached, outcome) VALUES (1, 'b', 'o', 'c', 'bot', 'bot', 'p', false, 'ok')"))
    # Without the trigger, the role itself still has no right to change or delete.
    with records_db.engine.begin() as c:
        c.execute(sa.text("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only"))
    for statement in ("UPDATE audit_records SET actor = 'x'", "DELETE FROM audit_records"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            with records_db.engine.begin() as c:
                c.execute(sa.text("SET LOCAL ROLE records_writer"))
                c.execute(sa.text(statement))
    assert AuditLog(records_db).count() == 1
