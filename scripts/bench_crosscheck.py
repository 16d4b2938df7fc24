#!/usr/bin/env python3
"""Time and requests per cross-department check over the sandbox, in bulk, side by side with the
baseline of asking one citizen per request (docs/benchmarks.md).

    SANDBOX_PORT_BASE=9100 .venv/bin/python scripts/bench_crosscheck.py [--runs 2] [--sample 50]

Bulk: `--runs` full runs of every rule (the first keeps the findings, the next find them again),
each source's requests, pages, records and seconds. Baseline: the per-citizen queries a check
would need instead (social insurance's account, market regulation's registrations), timed over
`--sample` calls each against the named citizens (the only people the per-citizen endpoints know),
and multiplied out to the population the bulk run read. A fresh SQLite records file in a temporary
directory, so the figures do not depend on earlier runs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--sample", type=int, default=50)
    args = p.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='bench-cc-')}/records.sqlite3")
    if os.environ.get("SANDBOX_PORT_BASE"):
        from scripts.devstack import sandbox_backends_env
        os.environ.update(sandbox_backends_env(int(os.environ["SANDBOX_PORT_BASE"]), dict(os.environ)))
    import logging
    from adapters import build_adapters
    from bot.core.clock import CLOCK
    from bot.core.redis_hub import RedisHub
    from bot.core.settings import load_settings
    from bot.crosscheck import run_checks
    from bot.runtime import build_records
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    hub = RedisHub(settings.redis.url, settings.redis.key_prefix + "bench-cc:")
    adapters = build_adapters(settings.backends, hub, settings.profile)
    records = build_records(settings)
    print(f"machine: {os.cpu_count()} cores; sandbox population 10,000 + the named citizens")
    for i in range(args.runs):
        r = run_checks(adapters, records.findings, today=CLOCK.today(), lookback_months=24, trigger="bench")
        print(f"\nrun {i + 1}: {r.seconds:.2f} s in all")
        for name, s in r.sources.items():
            print(f"  {name:20} {s['calls']:4} requests {s['pages']:4} pages {s['records']:6} records {s['seconds']:6.2f} s")
        for rule, c in r.checked.items():
            print(f"  rule {rule:22} {c['calls']:4} requests {c['records_scanned']:6} records {c['seconds']:6.2f} s"
                  f"  found {c['found']} (new {c['new']})")
        people = 10_000 + 11          # the population and the named citizens
    # Baseline: one citizen per request.
    from bot.core import access
    access.set_sink(None)
    zhao, sun = "510122197811250069", "510108198009090042"
    timings = {}
    for label, call in (("social_insurance.account", lambda: adapters.social_insurance.account(zhao)),
                        ("market_regulation.registrations", lambda: adapters.market_regulation.registrations(sun))):
        samples = []
        for _ in range(args.sample):
            t = time.perf_counter()
            try:
                call()
            except Exception:      # NotFound answers are timed too
                pass
            samples.append(time.perf_counter() - t)
        timings[label] = statistics.median(samples)
        print(f"\nbaseline {label}: p50 {timings[label] * 1000:.1f} ms a citizen ({args.sample} calls)")
    print(f"  one citizen per request for {people} people, one query each of the two: "
          f"{people * 2} requests, ≈ {people * sum(timings.values()):.0f} s one at a time")
    adapters.close()
    hub.delete_prefix()
    return 0


if __name__ == "__main__":
    sys.exit(main())
