"""The database of the durable records: one engine per process, migrations by Alembic."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = f"sqlite:///{ROOT / 'data' / 'records.sqlite3'}"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("DATABASE_URL") or DEFAULT_URL


class Database:
    def __init__(self, url: str, *, schema: str | None = None, sqlite_wal: bool = True):
        """`schema`: a PostgreSQL schema to work in (its search_path), e.g. one per test run.
        `sqlite_wal=False` keeps SQLite's own rollback journal (the benchmark's baseline)."""
        self.url = url
        # A connection for every web thread at once (gunicorn's 16 by default, WEB_THREADS), so that
        # none waits on the pool; PostgreSQL's own limit is max_connections (docs/deployment.md).
        kwargs: dict = {"pool_pre_ping": True, "pool_size": 20, "max_overflow": 10}
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False}
        elif schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
        self.schema = schema
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _record):
                conn.execute("PRAGMA busy_timeout = 5000")   # several workers write: wait, don't fail
                # Write-ahead log: readers never wait for a writer, and a commit appends to the log
                # instead of syncing the whole file (docs/benchmarks.md §7: 16 → 1 ms a record).
                # NORMAL survives any crash of the application; only an OS crash or power loss can
                # lose the last commits (PostgreSQL is the choice where that matters).
                if sqlite_wal:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed at the end, rolled back on an exception."""
        with self._sessions() as s:
            with s.begin():
                yield s

    def revisions(self) -> tuple[str | None, str]:
        """(the database's revision, the code's newest): equal when the schema is up to date."""
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        return current, head

    def check_schema(self) -> None:
        """Refuse to run on a schema older (or newer) than the code: say what to do instead."""
        current, head = self.revisions()
        if current != head:
            raise SchemaNotCurrent(
                "records", f"the database ({self.engine.url.render_as_string(hide_password=True)}) is at "
                f"revision {current or 'none'}, this code needs {head}: run `make db-upgrade` as the "
                f"tables' owner (DATABASE_OWNER_URL), then start again")

    def migrate(self) -> None:
        """Bring the schema to Alembic's newest revision (a no-op when it is there)."""
        from alembic import command
        from alembic.config import Config
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        # Several processes start at once (gunicorn's workers, the worker): one migrates at a time.
        with self._migration_lock(), self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4217017)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        path = self.url.split("///", 1)[-1] if self.dialect == "sqlite" else ""
        if not path or path == ":memory:":
            yield
            return
        import fcntl
        with open(f"{path}.migrate.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def dispose(self) -> None:
        self.engine.dispose()


class SchemaNotCurrent(ConfigError):
    """The records' schema is not the one this code was written for (a start-up refusal)."""


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """`migrate=True` (the default, what `make run` needs): bring the schema up to date now.
    `migrate=False` (records.migrate_on_start: false, production on PostgreSQL): the application
    connects as a role that may not change tables, so it only checks that `make db-upgrade` has
    been run by the tables' owner, and refuses to start otherwise."""
    db = Database(url or database_url())
    if migrate:
        db.migrate()
    else:
        db.check_schema()
    return db
