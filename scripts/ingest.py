#!/usr/bin/env python3
"""`make ingest FILE=path.jsonl [OUT=dir]`: ingest 12345 hotline transcripts.

Reads the JSON Lines file (format: docs/contracts.md, docs/hotline.md), understands each
call with the assistant's NLU, files complaints as 12345 work orders (once per
call_id, however often the file is ingested), and writes

    OUT/calls.jsonl    one result per ingested call, in file order
    OUT/summary.json   the counts, bad lines and failed calls

OUT defaults to reports/ingest-<timestamp>/. Settings come from config.yaml and
the environment like the app's (REDIS_URL, NLU_URL, APP__...), so the services
of `make run` must be up. Exit status: 0 when every good line was ingested (bad
lines are reported, not fatal), 1 when some calls failed (re-run after fixing:
nothing is filed twice), 2 for a wrong invocation or setting, 3 when a service
the ingestion needs does not answer.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqdm import tqdm  # noqa: E402

from bot.channels.hotline import Summary, read_jsonl  # noqa: E402
from bot.core.clock import CLOCK  # noqa: E402
from bot.core.errors import ConfigError  # noqa: E402
from bot.core.settings import load_settings  # noqa: E402
from bot.nlu.client import NluUnavailable  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402

MAX_LISTED = 30   # bad lines / failed calls printed; summary.json has them all


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Ingest 12345 hotline transcripts (JSON Lines).")
    p.add_argument("--file", required=True, type=Path, help="the transcripts, one call a line")
    p.add_argument("--out", type=Path, help="output folder (default: reports/ingest-<timestamp>/)")
    p.add_argument("--workers", type=int, default=4, help="calls processed at once (default 4)")
    p.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   help="log level on stderr (default WARNING: keeps the progress bar readable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def default_out_dir() -> Path:
    stamp = CLOCK.now().strftime("%Y%m%d-%H%M%S")      # the stack's date (APP_CLOCK), Beijing time
    out = ROOT / "reports" / f"ingest-{stamp}"
    n = 2
    while out.exists():
        out = ROOT / "reports" / f"ingest-{stamp}-{n}"
        n += 1
    return out


def _where(url: str) -> str:
    """host:port of a URL, without any password in it."""
    u = urlparse(url)
    return f"{u.scheme}://{u.hostname}:{u.port}" if u.hostname else url.split("@")[-1]


def unreachable(runtime) -> list[str]:
    """What the ingestion needs and does not answer, each named with its address."""
    problems = []
    if not runtime.hub.ping():
        problems.append(f"Redis at {_where(runtime.settings.redis.url)} (REDIS_URL) does not answer")
    try:
        if not runtime.nlu.status().get("model_file"):
            problems.append(f"the NLU server at {_where(runtime.settings.nlu.url)} (NLU_URL) has no model loaded")
    except NluUnavailable as e:
        problems.append(f"the NLU server at {_where(runtime.settings.nlu.url)} (NLU_URL) does not answer ({e})")
    workorders = runtime.adapters.workorders
    state = workorders.health()
    if state != "ok":
        problems.append(f"the 12345 work-order system at {_where(workorders.base_url)} does not answer ({state})")
    return problems


def count_calls(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def print_summary(s: dict, routing: dict[str, str], path: Path, out: Path) -> None:
    print(f"\nHotline transcripts: {path}")
    rows = [("calls read", s["calls_read"]), ("ingested", s["ingested"]), ("bad lines", len(s["bad_lines"])),
            ("NLU failures", s["nlu_failures"]), ("other failed calls", len(s["failed_calls"]) - s["nlu_failures"]),
            ("work orders created", s["work_orders_created"]),
            ("work orders already filed", s["work_orders_existing"]),
            ("invalid ID numbers (flagged)", s["invalid_id_numbers"])]
    for name, value in rows:
        print(f"  {name:<30}{value}")
    # Counts first: Chinese names are double width and would break a column after them.
    sections = [("By intent", s["by_intent"]),
                ("By complaint topic → department",
                 {f"{topic} → {routing.get(topic, '?')}": n for topic, n in s["by_topic"].items()}),
                ("By department", s["by_department"])]
    for title, counts in sections:
        if counts:
            print(f"{title}:")
            for name, n in counts.items():
                print(f"  {n:>6}  {name}")
    for title, items in (("Bad lines", s["bad_lines"]), ("Failed calls", s["failed_calls"])):
        if items:
            print(f"{title}:")
            for e in items[:MAX_LISTED]:
                who = f" {e['call_id']}" if "call_id" in e else ""
                print(f"  line {e['line']}{who}: {e['reason']}")
            if len(items) > MAX_LISTED:
                print(f"  … and {len(items) - MAX_LISTED} more (see summary.json)")
    print(f"Wrote {out / 'calls.jsonl'} and {out / 'summary.json'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    path: Path = args.file
    if not path.is_file():
        print(f"ingest: no such file: {path}", file=sys.stderr)
        return 2
    try:
        settings = load_settings(overrides={"app.log_level": args.log_level})
    except ConfigError as e:
        print(f"ingest: bad setting: {e}", file=sys.stderr)
        return 2
    runtime = build_runtime(settings)
    problems = unreachable(runtime)
    if problems:
        print("ingest: cannot start, not reachable:\n  - " + "\n  - ".join(problems)
              + "\nStart them with `make run` (or point REDIS_URL / NLU_URL / APP__backends__... at yours).",
              file=sys.stderr)
        return 3

    out: Path = args.out or default_out_dir()
    out.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    started, started_at = time.time(), CLOCK.now()
    ingestor = runtime.hotline(workers=args.workers)
    with path.open("rb") as source, (out / "calls.jsonl").open("w", encoding="utf-8") as calls, \
            tqdm(total=count_calls(path), unit="call", file=sys.stderr, disable=args.no_progress) as bar:
        for outcome in ingestor.outcomes(read_jsonl(source)):
            summary.add(outcome)
            result = getattr(outcome, "result", None)
            if result is not None:
                calls.write(json.dumps(result, ensure_ascii=False) + "\n")
            bar.update(1)

    finished = time.time()
    report = {"file": str(path), "started_at": started_at.isoformat(),
              "elapsed_s": round(finished - started, 3), **summary.as_dict()}
    (out / "summary.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    routing = runtime.services.service_settings.complaint_routing
    print_summary(report, routing, path, out)
    return 1 if summary.failed_calls else 0


if __name__ == "__main__":
    sys.exit(main())
