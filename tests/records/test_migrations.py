"""Who changes the records' schema: `make db-upgrade` as the tables' owner, once; an application
started with records.migrate_on_start: false only checks the schema is current and refuses to
start otherwise — so that on PostgreSQL it can connect as a member of records_writer, which may
add audit records but never change tables or records."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core.errors import ConfigError
from bot.records import AuditLog, HeardCalls
from bot.records.db import Database, SchemaNotCurrent, open_database
from tests.fixtures.records import TEST_DATABASE_URL, _postgres_schema

ROOT = Path(__file__).resolve().parents[2]


def _db_upgrade(url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_OWNER_URL": url}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "db_upgrade.py")], env=env, capture_output=True,
                          text=True, timeout=120)


def test_an_app_that_does_not_migrate_refuses_a_schema_older_than_its_code(tmp_path):
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    with pytest.raises(SchemaNotCurrent, match="make db-upgrade") as refused:
        open_database(url, migrate=False)
    assert isinstance(refused.value, ConfigError) and refused.value.path == "records"
    done = _db_upgrade(url)
    assert done.returncode == 0 and "empty ->" in done.stdout
    assert "already up to date" in _db_upgrade(url).stdout
    db = open_database(url, migrate=False)          # now it starts
    current, head = db.revisions()
    assert current == head
    db.dispose()


def test_the_runtime_takes_the_setting(tmp_path, redis_hub):
    from bot.core.settings import load_settings
    from bot.runtime import build_records
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    settings = load_settings(env={}, overrides={"records.url": url, "records.migrate_on_start": "false"})
    with pytest.raises(ConfigError, match="db-upgrade"):
        build_records(settings)
    settings = load_settings(env={}, overrides={"records.url": url, "records.migrate_on_start": "true"})
    build_records(settings).db.dispose()            # the default: it migrates as it starts


def test_a_bad_database_url_is_reported_not_thrown(tmp_path):
    done = _db_upgrade("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert done.returncode == 1 and "db-upgrade:" in done.stderr and "Traceback" not in done.stderr


def test_on_postgresql_the_owner_migrates_and_the_app_role_only_writes_records():
    admin, schema = _postgres_schema()
    role = f"app_{uuid.uuid4().hex[:8]}"
    owner_url = sa.engine.make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    app_url = owner_url.set(username=role)
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        app = Database(app_url.render_as_string(hide_password=False))
        # Before the owner migrates: the app refuses to start, and could not have migrated itself.
        with pytest.raises(SchemaNotCurrent):
            app.check_schema()
        with pytest.raises(sa.exc.DBAPIError):     # it may not create tables in the schema
            app.migrate()
        assert _db_upgrade(owner_url.render_as_string(hide_password=False)).returncode == 0
        with admin.connect() as c:
            c.exec_driver_sql(f"GRANT records_writer TO {role}")
        app.check_schema()                          # current now: it starts
        AuditLog(app).record(backend="housing_fund", operation="account", citizen_id="510104198506122310",
                             actor="bot", actor_role="bot", purpose="citizen_query")
        assert HeardCalls(app).keep({"call_id": "HL1", "day": "2026-11-02", "district": None, "intent": "greet"})
        assert AuditLog(app).count() == 1
        for statement in ("UPDATE audit_records SET actor = 'x'", "DROP TABLE heard_calls",
                          "ALTER TABLE accounts ADD COLUMN x int"):
            with pytest.raises(sa.exc.DBAPIError):
                with app.engine.begin() as c:
                    c.exec_driver_sql(statement)
        app.dispose()
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            c.exec_driver_sql(f"DROP OWNED BY {role}")
            c.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def test_r0005_renames_what_was_stored_under_former_department_names(tmp_path):
    """Before r0005 findings named 社保局/市场监管局 and ratings 社会保险事业管理局, names no account
    can hold now: a department would never see its old findings, ratings or reviews."""
    from alembic import command
    from alembic.config import Config
    from bot.records.db import MIGRATIONS
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "r0004")
        conn.execute(sa.text(
            "INSERT INTO crosscheck_findings (rule, citizen_key, period, reviewer, masked_id, name, summary, "
            "evidence, first_run, found_at, last_seen_at) VALUES ('double_pension', 'k', '2026-08', '社保局', "
            "'510***********0030', '周德明', 's', :ev, 1, 0, 0)"),
            {"ev": '{"社保局": {"amount": "460.00"}, "民政局": {"ref": "SW1"}}'})
        conn.execute(sa.text("INSERT INTO crosscheck_runs (started_at, \"trigger\", report) VALUES (0, 'make', :r)"),
                     {"r": '{"rules": [{"rule": "double_pension", "reviewer": "社保局"}]}'})
        conn.execute(sa.text("INSERT INTO rating_records (at, intent, department, level, comment, channel) "
                             "VALUES (0, 'query_social_insurance', '社会保险事业管理局', 'bad', '', 'wechat')"))
        conn.execute(sa.text("INSERT INTO accounts (name, role, department, password_hash, must_change_password, "
                             "failed_logins, locked_until, created_at, disabled) "
                             "VALUES ('si', 'department', '社保局', 'x', 0, 0, 0, 0, 0)"))
        command.upgrade(cfg, "r0005")
        reviewer, evidence = conn.execute(sa.text("SELECT reviewer, evidence FROM crosscheck_findings")).one()
        report = conn.execute(sa.text("SELECT report FROM crosscheck_runs")).scalar()
        rated = conn.execute(sa.text("SELECT department FROM rating_records")).scalar()
        account = conn.execute(sa.text("SELECT department FROM accounts")).scalar()
    engine.dispose()
    assert reviewer == rated == account == "人力资源和社会保障局"
    assert json.loads(evidence) == {"人力资源和社会保障局": {"amount": "460.00"}, "民政局": {"ref": "SW1"}}
    assert json.loads(report)["rules"][0]["reviewer"] == "人力资源和社会保障局"
