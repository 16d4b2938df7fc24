"""What the audit of personal data costs: the time to add one audit record, and a burst of 8 at once
(what one ledger query writes, its backends read in parallel), on SQLite (the default) and on
PostgreSQL, side by side in one run.

    .venv/bin/python scripts/bench_audit.py [--n 300] [--pg postgresql+psycopg://postgres@127.0.0.1/test]

Each database is fresh (a temporary SQLite file; a throw-away PostgreSQL schema, dropped after).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bot.records import AuditLog, Database  # noqa: E402

IDS = ["510104198506122310", "510107199203084525", "510122197811250069", "440306199507151287"]


def _record(log: AuditLog, i: int) -> None:
    log.record(backend="housing_fund", operation="account", citizen_id=IDS[i % len(IDS)], actor="bot",
               actor_role="bot", purpose="citizen_query")


def measure(db: Database, n: int) -> dict:
    log = AuditLog(db)
    for i in range(20):                       # warm the pool
        _record(log, i)
    one = []
    for i in range(n):
        t = time.perf_counter()
        _record(log, i)
        one.append((time.perf_counter() - t) * 1000)
    bursts = []
    with ThreadPoolExecutor(8) as pool:
        for _ in range(max(10, n // 10)):
            t = time.perf_counter()
            list(pool.map(lambda i: _record(log, i), range(8)))
            bursts.append((time.perf_counter() - t) * 1000)
    q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1]  # noqa: E731
    return {"one_p50": statistics.median(one), "one_p99": q(one, 99),
            "burst8_p50": statistics.median(bursts), "burst8_p99": q(bursts, 99), "records": log.count()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        # The baseline: SQLite's own default, a rollback journal synced at every commit.
        db = Database(f"sqlite:///{tmp}/rollback.sqlite3", sqlite_wal=False)
        db.migrate()
        results["sqlite rollback journal (baseline)"] = measure(db, args.n)
        db.dispose()
        db = Database(f"sqlite:///{tmp}/records.sqlite3")
        db.migrate()
        results["sqlite WAL (ours)"] = measure(db, args.n)
        db.dispose()
    admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE SCHEMA {schema}")
        db = Database(args.pg, schema=schema)
        db.migrate()
        results["postgresql"] = measure(db, args.n)
        db.dispose()
    except sa.exc.OperationalError as e:
        print(f"PostgreSQL not measured: {type(e.orig).__name__}")
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()
    print(f"{'database':<36}{'one p50':>10}{'one p99':>10}{'8 at once p50':>16}{'8 at once p99':>16}  (ms)")
    for name, r in results.items():
        print(f"{name:<36}{r['one_p50']:>10.2f}{r['one_p99']:>10.2f}{r['burst8_p50']:>16.2f}{r['burst8_p99']:>16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
