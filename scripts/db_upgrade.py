#!/usr/bin/env python3
"""`make db-upgrade`: bring the durable records' schema to the newest revision, once, as the
tables' owner — before the application (which, on PostgreSQL in production, connects as a member
of records_writer and may not change tables) starts with records.migrate_on_start: false.

    DATABASE_OWNER_URL=postgresql+psycopg://owner@db/city make db-upgrade

DATABASE_OWNER_URL, else DATABASE_URL, else the SQLite file `make run` uses. Prints the revision
before and after; exits 1 with the reason when the database cannot be reached or migrated.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from bot.records.db import Database, database_url  # noqa: E402


def main() -> int:
    url = os.environ.get("DATABASE_OWNER_URL") or database_url()
    db = Database(url)
    shown = db.engine.url.render_as_string(hide_password=True)
    try:
        before, head = db.revisions()
        db.migrate()
        after, _ = db.revisions()
    except SQLAlchemyError as e:
        print(f"db-upgrade: {shown}: {type(e).__name__}: {getattr(e, 'orig', e)}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"records database {shown}: {before or 'empty'} -> {after}"
          + (" (already up to date)" if before == head else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
