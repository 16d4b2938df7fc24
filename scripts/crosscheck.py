#!/usr/bin/env python3
"""`make crosscheck [OUT=dir] [SCORE=1]`: run the cross-department checks once, now.

Reads the social-insurance, civil-affairs and market-regulation bulk listings (paged, in bulk),
applies every rule of bot/crosscheck/rules.py, keeps the findings in the durable records (once per
rule, citizen and period, however often it runs) and writes OUT/<department>.csv per reviewing
department and OUT/run.json (default OUT: reports/crosscheck-<timestamp>/). Settings come from
config.yaml and the environment like the app's (REDIS_URL, DATABASE_URL, APP__...); with the
sandbox profile, SANDBOX_PORT_BASE points it at a sandbox on other ports, as for `make run`.

--score compares what it found with the sandbox's record of what was planted (the named citizens
of the cross-checks and the synthetic population): precision and recall per rule.

Exit status: 0 every rule checked, 1 some rule could not be checked (a backend down: the run
says which and found nothing from it), 2 a wrong setting.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.errors import ConfigError  # noqa: E402

# The named citizens of the spec's cross-checks: the rule that must find each.
NAMED = {"510121195203150026": "double_pension", "510122194807120030": "pension_after_death",
         "510108198009090042": "dibao_company_officer"}


def _parse(argv):
    p = argparse.ArgumentParser(prog="make crosscheck", description="Run the cross-department checks once.")
    p.add_argument("--out", help="directory for the CSVs and run.json")
    p.add_argument("--score", action="store_true", help="score against the sandbox's planted anomalies")
    return p.parse_args(argv)


def expected_anomalies() -> dict[str, set[str]]:
    """rule -> pseudonyms of who must be found: the planted population and the named citizens."""
    from bot.core.privacy import pseudonym
    from sandbox.data import load_world
    from sandbox.population import generate
    pop = generate(reserved_ids=frozenset(load_world().citizens))
    want = {rule: {pseudonym("id_number", row["id_number"]) for row in rows} for rule, rows in pop.planted.items()}
    for id_number, rule in NAMED.items():
        want[rule].add(pseudonym("id_number", id_number))
    return want


def score(report, findings) -> dict[str, dict]:
    want = expected_anomalies()
    out = {}
    for rule, ids in report.finding_ids.items():
        got = {f["citizen_key"] for f in findings.search(ids=ids, limit=len(ids) + 1)}
        hit = len(got & want[rule])
        out[rule] = {"found": len(got), "planted": len(want[rule]), "true_positives": hit,
                     "precision": round(hit / len(got), 4) if got else None,
                     "recall": round(hit / len(want[rule]), 4) if want[rule] else None}
    return out


def main(argv=None) -> int:
    args = _parse(argv)
    if os.environ.get("SANDBOX_PORT_BASE"):
        from scripts.devstack import sandbox_backends_env
        os.environ.update(sandbox_backends_env(int(os.environ["SANDBOX_PORT_BASE"]), dict(os.environ)))
    from adapters import build_adapters
    from bot.core.clock import CLOCK
    from bot.core.logs import configure_logging
    from bot.core.privacy import configure_pseudonyms
    from bot.core.redis_hub import RedisHub
    from bot.core.settings import load_settings
    from bot.crosscheck import CrosscheckSettings, run_checks
    from bot.runtime import build_records
    try:
        settings = load_settings()
        cc = CrosscheckSettings.read(settings.extra)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    configure_logging(settings.app.log_level)
    configure_pseudonyms(settings.security.hash_pepper)
    if settings.clock_at:
        CLOCK.move_to(settings.clock_at)
    hub = RedisHub(settings.redis.url, settings.redis.key_prefix)
    adapters = build_adapters(settings.backends, hub, settings.profile)
    records = build_records(settings)
    out = Path(args.out or ROOT / "reports" / f"crosscheck-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        report = run_checks(adapters, records.findings, today=CLOCK.today(), lookback_months=cc.lookback_months,
                            out=out, trigger="command")
    finally:
        adapters.close()
    print(f"run {report.run_id}: {report.seconds:.1f} s, window {report.window['months']}, "
          f"deaths since {report.window['deaths_since']}")
    for name, s in report.sources.items():
        state = "read" if s["complete"] else f"NOT READ ({s['error']})"
        print(f"  source {name:20} {s['backend']:17} {state}: {s['records']} records, {s['pages']} pages, "
              f"{s['calls']} requests, {s['seconds']:.2f} s")
    for rule, c in report.checked.items():
        print(f"  rule {rule:22} → {c['reviewer']}: {c['found']} found ({c['new']} new), "
              f"{c['records_scanned']} records in {c['calls']} requests, {c['seconds']:.2f} s")
    for rule, why in report.unchecked.items():
        print(f"  rule {rule:22} NOT CHECKED: {why}")
    if args.score:
        scores = score(report, records.findings)
        for rule, s in scores.items():
            print(f"  score {rule:21} precision {s['precision']}, recall {s['recall']} "
                  f"({s['true_positives']} of {s['found']} found, {s['planted']} planted)")
        path = out / "score.json"
        path.write_text(json.dumps(scores, ensure_ascii=False, indent=1), encoding="utf-8")
        report.files.append(str(path))
    print("written: " + ", ".join(report.files))
    return 0 if report.complete else 1


if __name__ == "__main__":
    sys.exit(main())
