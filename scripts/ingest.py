#!/usr/bin/env python3
"""`make ingest FILE=path.jsonl [OUT=dir]`: ingest 12345 hotline transcripts.

Reads the JSON Lines file (format: docs/contracts.md, docs/hotline.md), understands each
call with the assistant's NLU, files complaints as 12345 work orders (once per
call_id, however often the file is ingested), and writes

    OUT/calls.jsonl    one result per ingested call, in file order
    OUT/summary.json   the counts, bad lines and failed calls

and OUT/progress.json, where it got to. Ctrl-C (SIGINT) or SIGTERM stops it cleanly at the
last call written; `--resume` with the same OUT goes on from there without filing any
work order twice. OUT defaults to reports/ingest-<timestamp>/. Settings come from config.yaml and
the environment like the app's (REDIS_URL, NLU_URL, APP__...), so the services
of `make run` must be up. Exit status: 0 when every good line was ingested (bad
lines are reported, not fatal), 1 when some calls failed (re-run after fixing:
nothing is filed twice), 2 for a wrong invocation or setting, 3 when a service
the ingestion needs does not answer, 130 when interrupted (resume with --resume).
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqdm import tqdm  # noqa: E402

from bot.channels.hotline import Summary, read_jsonl  # noqa: E402
from bot.channels.hotline.charts import ChartsUnavailable, prepare as prepare_charts, write_charts  # noqa: E402
from bot.channels.hotline.checkpoint import Checkpoint, prefix_hash  # noqa: E402
from bot.channels.hotline.gazetteer import gazetteer  # noqa: E402
from bot.channels.hotline.picture import CityPicture, Heard  # noqa: E402
from bot.channels.hotline.shared import SharedFile  # noqa: E402
from bot.core.clock import CLOCK  # noqa: E402
from bot.core.errors import ConfigError  # noqa: E402
from bot.core.settings import load_settings  # noqa: E402
from bot.nlu.client import NluUnavailable  # noqa: E402
from bot.channels.hotline import call_model  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402

MAX_LISTED = 30   # bad lines / failed calls printed; summary.json has them all
CHECKPOINT_EVERY_S = 1.0


def _write_outcome(outcome, calls, heard, queries) -> None:
    """One ingested call's lines in calls.jsonl, heard.jsonl and (for a query) queries.jsonl;
    a bad line has no result and writes nothing."""
    result = getattr(outcome, "result", None)
    if result is None:
        return
    calls.write(json.dumps(result, ensure_ascii=False) + "\n")
    heard.write(json.dumps(outcome.heard.as_dict(), ensure_ascii=False) + "\n")
    if outcome.query:
        queries.write(json.dumps(outcome.query, ensure_ascii=False) + "\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Ingest 12345 hotline transcripts (JSON Lines).")
    p.add_argument("--file", required=True, type=Path, help="the transcripts, one call a line")
    p.add_argument("--out", type=Path, help="output folder (default: reports/ingest-<timestamp>/)")
    p.add_argument("--workers", type=int, default=4, help="calls processed at once (default 4)")
    p.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   help="log level on stderr (default WARNING: keeps the progress bar readable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--shared", action="store_true",
                   help="share the file with other processes run the same way (Redis Streams); each "
                        "writes the results of the lines it did to its own --out")
    p.add_argument("--resume", action="store_true",
                   help="go on where an interrupted run into the same --out stopped")
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
    if args.resume and not args.out:
        print("ingest: --resume needs the --out of the interrupted run", file=sys.stderr)
        return 2
    start = Checkpoint.load(out) if args.resume else None
    if args.resume:
        problem = resume_problem(start, path)
        if problem:
            print(f"ingest: cannot resume from {out}: {problem}", file=sys.stderr)
            return 2
    out.mkdir(parents=True, exist_ok=True)
    summary = Summary.restore(start.summary) if start else Summary()
    started, started_at = time.time(), CLOCK.now()
    call_model.current(train_if_missing=True)   # a command may train it; the service only loads it
    ingestor = runtime.hotline(workers=args.workers)
    # The gazetteer and the charts' library are loaded while the first calls wait on the NLU: not
    # by every worker at once when their first call needs places, nor after the last call.
    threading.Thread(target=warm_up, name="hotline-warm-up", daemon=True).start()
    if args.shared:
        interrupted = run_shared(ingestor, SharedFile(runtime.hub, path), out, summary)
    else:
        interrupted = run_file(ingestor, path, out, summary, start, progress=not args.no_progress)

    finished = time.time()
    report = {"file": str(path), "started_at": started_at.isoformat(),
              "elapsed_s": round(finished - started, 3), **summary.as_dict()}
    if interrupted is not None:
        report["interrupted_at_line"] = interrupted
    (out / "summary.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    routing = runtime.services.service_settings.complaint_routing
    print_summary(report, routing, path, out)
    write_picture(out)
    if interrupted is not None:
        print(f"Interrupted after line {interrupted}: nothing is lost. Go on with\n"
              f"  make ingest FILE={path} OUT={out} RESUME=1", file=sys.stderr)
        return 130
    return 1 if summary.failed_calls else 0


def warm_up() -> None:
    gazetteer()
    prepare_charts()


def write_picture(out: Path) -> None:
    """picture.json (counts, hot spots, repeat callers), work_orders.csv and the charts, from
    heard.jsonl (read line by line: the picture keeps counters, not the calls)."""
    picture = CityPicture()
    with (out / "heard.jsonl").open(encoding="utf-8") as f:
        for line in f:
            picture.add(Heard.from_dict(json.loads(line)))
    data = picture.as_dict()
    (out / "picture.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    picture.write_csv(out / "work_orders.csv")
    try:
        charts = write_charts(data, out)
    except ChartsUnavailable as e:
        print(f"ingest: no charts: {e}", file=sys.stderr)
        charts = []
    spots = data["hot_spots"]
    print(f"Hot spots (same place and topic ≥3 times in 7 days): {len(spots)}; repeat callers: "
          f"{len(data['repeat_callers'])}")
    for s in spots[:10]:
        print(f"  {s['calls']:>3}  {s['district']} {s['place']} {s['topic']} ({s['from']} – {s['to']})")
    print(f"Wrote {out / 'picture.json'}, {out / 'work_orders.csv'}"
          + "".join(f", {c}" for c in charts))


def run_shared(ingestor, shared: SharedFile, out: Path, summary: Summary) -> int | None:
    """This process's share of a file fed to a Redis Stream (bot/channels/hotline/shared.py).
    Results in line order of what this process did. Interrupted: its unacknowledged lines go to
    the other processes (or to the next run with --shared) once idle long enough."""
    feeder = threading.Thread(target=shared.feed_if_needed, name="hotline-feeder", daemon=True)
    feeder.start()
    entry_of: dict[int, bytes] = {}

    def items():
        for entry_id, line, raw in shared.lines():
            parsed = list(read_jsonl([raw], first_line=line))
            if not parsed:          # a blank line: nothing to do
                shared.ack(entry_id)
                continue
            if line in entry_of:    # handed out again while this process still works on it
                continue
            entry_of[line] = entry_id
            yield parsed[0]

    previous = signal.signal(signal.SIGTERM, _raise_stop)
    # Ctrl-C stops cleanly even where the process was started with SIGINT ignored (a job started with
    # & from a script inherits that): the interrupt is this command's documented way to stop.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    last = None
    try:
        with (out / "calls.jsonl").open("a", encoding="utf-8") as calls, \
                (out / "heard.jsonl").open("a", encoding="utf-8") as heard, \
                (out / "queries.jsonl").open("a", encoding="utf-8") as queries:
            try:
                for outcome in ingestor.outcomes(items()):
                    summary.add(outcome)
                    _write_outcome(outcome, calls, heard, queries)
                    calls.flush()
                    heard.flush()
                    ingestor.flush_kept()   # kept for the office's reports before the line is acknowledged
                    entry_id = entry_of.pop(outcome.line, None)
                    if entry_id is None:
                        print(f"ingest: line {outcome.line} done twice in this process", file=sys.stderr)
                    else:
                        shared.ack(entry_id)
                    last = outcome.line
            except (KeyboardInterrupt, _Stop):
                return last or 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    feeder.join(timeout=5)
    return None


def resume_problem(start: Checkpoint | None, path: Path) -> str | None:
    if start is None:
        return None         # stopped before the first checkpoint: nothing was done, start from the top
    if start.finished:
        return "that run finished (start a new one, into another --out)"
    if path.stat().st_size < start.offset or prefix_hash(path, start.offset).hexdigest() != start.prefix_sha256:
        return f"{path} is not the file that run read (its first {start.offset} bytes differ)"
    return None


class _Stop(BaseException):
    """SIGTERM, turned into a clean stop like Ctrl-C (not an Exception: no `except Exception` on the
    way, such as keeping a batch for the office's reports, may swallow it)."""


def run_file(ingestor, path: Path, out: Path, summary: Summary, start: Checkpoint | None,
             progress: bool) -> int | None:
    """Ingest `path` from the checkpoint on (or from the top), writing calls.jsonl and progress.json.
    Returns the last line done when interrupted, None when the file was finished."""
    offset, line = (start.offset, start.line) if start else (0, 0)
    digest = prefix_hash(path, offset)      # of the part done, to go on from
    calls_path, heard_path = out / "calls.jsonl", out / "heard.jsonl"
    if start:       # results written after the last checkpoint are redone
        for p, size in ((calls_path, start.calls_bytes), (heard_path, start.heard_bytes),
                        (out / "queries.jsonl", start.queries_bytes)):
            with p.open("a+b") as f:
                f.truncate(size)
    ends: dict[int, tuple[int, object]] = {}      # line -> (offset after it, digest up to it)

    read = {"offset": offset, "line": line}

    def lines(source):
        for raw in source:
            read["offset"] += len(raw)
            read["line"] += 1
            digest.update(raw)
            ends[read["line"]] = (read["offset"], digest.copy())
            yield raw

    done = {"offset": offset, "line": line, "digest": digest.copy()}

    def checkpoint(calls, heard, queries, finished: bool = False) -> None:
        ingestor.flush_kept()       # the office's reports hold every call the checkpoint counts as done
        for f in (calls, heard, queries):
            f.flush()
        Checkpoint(str(path), done["offset"], done["line"], done["digest"].hexdigest(), calls.tell(),
                   summary.as_dict(), finished, heard.tell(), queries.tell()).save(out)

    previous = signal.signal(signal.SIGTERM, _raise_stop)
    # Ctrl-C stops cleanly even where the process was started with SIGINT ignored (a job started with
    # & from a script inherits that): the interrupt is this command's documented way to stop.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    total = count_calls(path)
    try:
        mode = "a" if start else "w"        # a fresh run (or one stopped before its first checkpoint)
        with path.open("rb") as source, calls_path.open(mode, encoding="utf-8") as calls, \
                heard_path.open(mode, encoding="utf-8") as heard, \
                (out / "queries.jsonl").open(mode, encoding="utf-8") as queries, \
                tqdm(total=total, initial=min(summary.calls_read, total), unit="call", file=sys.stderr,
                     disable=not progress) as bar:
            source.seek(offset)
            last_saved = time.monotonic()
            try:
                for outcome in ingestor.outcomes(read_jsonl(lines(source), first_line=line + 1)):
                    summary.add(outcome)
                    _write_outcome(outcome, calls, heard, queries)
                    # Blank lines yield nothing: the position is the end of this outcome's line.
                    done["offset"], done["digest"] = ends.pop(outcome.line)
                    done["line"] = outcome.line
                    for n in [n for n in ends if n < outcome.line]:
                        del ends[n]
                    bar.update(1)
                    if time.monotonic() - last_saved >= CHECKPOINT_EVERY_S:
                        checkpoint(calls, heard, queries)
                        last_saved = time.monotonic()
                # Trailing blank lines: the whole file is done.
                done["offset"], done["line"], done["digest"] = read["offset"], read["line"], digest.copy()
                checkpoint(calls, heard, queries, finished=True)
                return None
            except (KeyboardInterrupt, _Stop):
                checkpoint(calls, heard, queries)
                return done["line"]
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def _raise_stop(*_args) -> None:
    raise _Stop()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:       # before the calls started (or after they ended): nothing half done
        print("ingest: interrupted", file=sys.stderr)
        sys.exit(130)
