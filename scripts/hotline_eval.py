#!/usr/bin/env python3
"""`make hotline-eval FILE=calls.jsonl GOLD=gold.jsonl`: how well the hotline understands calls.

Runs every call of FILE through the hotline's understanding (the same code as `make ingest`,
without filing anything) and compares with GOLD (one line per call: call_id, intent,
secondary_intents, topic, department, district). Prints

    purpose     accuracy of the main intent, over all calls
    topic       accuracy of the complaint topic, over the gold complaints
    department  accuracy of the department, over the gold complaints
    district    accuracy of the district, over the calls whose gold names one
    other       share of gold complaints we put on topic `other` (manual triage)

and, with --misses, each call that went wrong. It works against the NLU server of a running
`make run` (NLU_URL; Redis at REDIS_URL caches the parses) and says so plainly when it is not up;
with --start-nlu it starts one itself on NLU_URL's port with the current model, and stops it at
the end. Nothing is filed: the work-order system is not called.
The labelled set in tests/channels/hotline/eval/ was written before any tuning: figures on
it are held-out figures only for changes that were not tuned against its text.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.hotline import read_jsonl  # noqa: E402
from bot.channels.hotline.transcripts import Call  # noqa: E402
from bot.core.settings import load_settings  # noqa: E402
from bot.channels.hotline import call_model  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from scripts import nlu_model  # noqa: E402
from scripts.devstack import Part, http_ok  # noqa: E402

COMPLAINT = "file_complaint"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Accuracy of the hotline's understanding on a labelled set.")
    p.add_argument("--file", required=True, type=Path, help="the calls (JSON Lines, as for make ingest)")
    p.add_argument("--gold", required=True, type=Path, help="the labels, one JSON object per call_id")
    p.add_argument("--misses", action="store_true", help="list every call that went wrong")
    p.add_argument("--json", type=Path, help="also write the figures and the misses to this file")
    p.add_argument("--rules-only", action="store_true",
                   help="without the model of the whole call (call_model.py): the rules alone, for comparison")
    p.add_argument("--start-nlu", action="store_true", help="start a Rasa server when none answers at NLU_URL")
    return p.parse_args(argv)


def model_loaded(url: str) -> bool:
    return http_ok(f"{url}/status", check=lambda r: bool(r.json().get("model_file")))


def ensure_nlu(url: str, start: bool) -> Part | None:
    """A Rasa server at `url` (the first of a comma-separated list): the one running, or one we start."""
    first = url.split(",")[0].rstrip("/")
    if model_loaded(first):
        return None
    if not start:
        print(f"hotline-eval: the NLU server at {first} (NLU_URL) does not answer with a model loaded.\n"
              "Start the stack with `make run` (or add --start-nlu to start a Rasa server here).", file=sys.stderr)
        sys.exit(3)
    model = nlu_model.model_path()
    if not model.exists():
        sys.exit(f"hotline-eval: no NLU at {first} and no model for the current nlu_data/ ({model.name}): "
                 "run `make model`")
    u = urlparse(first)
    part = Part("rasa-hotline-eval", [str(nlu_model.RASA), "run", "--enable-api", "-m", str(model),
                                      "-i", u.hostname or "127.0.0.1", "-p", str(u.port or 5005)],
                lambda: model_loaded(first), ready_timeout_s=300)
    print(f"hotline-eval: starting Rasa at {first} (log: logs/{part.name}.log)", file=sys.stderr)
    part.start()
    part.wait_ready()
    return part


def score(predicted: dict[str, dict], gold: dict[str, dict]) -> tuple[dict, list[dict]]:
    """The figures, and one entry per call that went wrong in any measured way."""
    n = {"calls": 0, "purpose": 0, "complaints": 0, "topic": 0, "department": 0, "with_district": 0,
         "district": 0, "other": 0}
    misses = []
    for call_id, g in gold.items():
        p = predicted.get(call_id)
        if p is None:
            misses.append({"call_id": call_id, "missing": "not understood (bad line or NLU failure)"})
            p = {}
        n["calls"] += 1
        wrong = {}
        if p.get("intent") == g["intent"]:
            n["purpose"] += 1
        else:
            wrong["intent"] = (p.get("intent"), g["intent"])
        if g["intent"] == COMPLAINT:
            n["complaints"] += 1
            n["topic"] += p.get("topic") == g["topic"]
            n["department"] += p.get("department") == g["department"]
            n["other"] += p.get("topic") == "other"
            if p.get("topic") != g["topic"]:
                wrong["topic"] = (p.get("topic"), g["topic"])
        if g.get("district"):
            n["with_district"] += 1
            if p.get("district") == g["district"]:
                n["district"] += 1
            else:
                wrong["district"] = (p.get("district"), g["district"])
        if wrong and p:
            misses.append({"call_id": call_id, **{k: {"got": a, "gold": b} for k, (a, b) in wrong.items()}})

    def ratio(a: str, b: str) -> float | None:
        return round(n[a] / n[b], 3) if n[b] else None

    figures = {"calls": n["calls"], "purpose_accuracy": ratio("purpose", "calls"),
               "complaints": n["complaints"], "topic_accuracy": ratio("topic", "complaints"),
               "department_accuracy": ratio("department", "complaints"),
               "calls_with_district": n["with_district"], "district_accuracy": ratio("district", "with_district"),
               "other_share": ratio("other", "complaints")}
    return figures, misses


def main(argv=None) -> int:
    args = parse_args(argv)
    gold = {}
    for line in args.gold.read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[g["call_id"]] = g
    settings = load_settings(overrides={"app.log_level": "WARNING"})
    part = ensure_nlu(settings.nlu.url, args.start_nlu)
    try:
        runtime = build_runtime(settings)
        if not args.rules_only:
            call_model.current(train_if_missing=True)   # a command may train it; the service only loads it
        ingestor = runtime.hotline(workers=1)
        if args.rules_only:
            ingestor.call_model = None
        predicted: dict[str, dict] = {}
        with args.file.open("rb") as f:
            for item in read_jsonl(f):
                if isinstance(item, Call):
                    a = ingestor.understand(item)
                    predicted[item.call_id] = {"intent": a.intent, "secondary_intents": a.secondary_intents,
                                               "topic": a.topic, "department": a.department,
                                               "district": a.district}
                else:
                    print(f"hotline-eval: line {item.line}: {item.reason}", file=sys.stderr)
    finally:
        if part:
            part.stop()
    figures, misses = score(predicted, gold)
    print(f"Hotline understanding on {args.file} ({figures['calls']} calls, gold {args.gold})")
    rows = [("purpose accuracy (all calls)", figures["purpose_accuracy"], figures["calls"]),
            ("topic accuracy (complaints)", figures["topic_accuracy"], figures["complaints"]),
            ("department accuracy (complaints)", figures["department_accuracy"], figures["complaints"]),
            ("district accuracy (gold has one)", figures["district_accuracy"], figures["calls_with_district"]),
            ("`other` share (complaints)", figures["other_share"], figures["complaints"])]
    for name, value, over in rows:
        print(f"  {name:<36}{'-' if value is None else f'{value:.3f}':>7}   (n={over})")
    if args.misses:
        for m in misses:
            print("  miss " + json.dumps(m, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "misses": misses}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
