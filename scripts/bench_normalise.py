#!/usr/bin/env python
"""Cost of bot.nlu.normalise per message, this checkout's against another's, in one run.

    .venv/bin/python scripts/bench_normalise.py --baseline /path/to/other/checkout [--rounds 4]

The messages are every held-out NLU message (tests/nlu/heldout.yml, heldout_speech/, heldout_talk/);
each round times `normalise_with_offsets` over all of them five times, alternating baseline and
this checkout so that the machine's load falls on both alike. Prints µs per message per round.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from scripts.nlu_eval import load_examples  # noqa: E402

SETS = ("tests/nlu/heldout.yml", "tests/nlu/heldout_speech", "tests/nlu/heldout_talk")


def _load(checkout: str, name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(checkout, "bot", "nlu", "normalise.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, help="the other checkout (its bot/nlu/normalise.py)")
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args(argv)
    texts = [e["text"] for s in SETS if os.path.exists(os.path.join(ROOT, s))
             for e in load_examples(os.path.join(ROOT, s))]
    runs = {"baseline": _load(args.baseline, "baseline_normalise"), "this": _load(ROOT, "this_normalise")}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.rounds):
        for name, module in runs.items():
            module.normalise_with_offsets(texts[0])
            started = time.perf_counter()
            for _ in range(5):
                for t in texts:
                    module.normalise_with_offsets(t)
            times[name].append(1e6 * (time.perf_counter() - started) / (5 * len(texts)))
    for name, values in times.items():
        print(f"{name:8s} {len(texts)} messages: median {statistics.median(values):.1f} µs per message "
              f"(rounds {' / '.join(f'{v:.1f}' for v in values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
