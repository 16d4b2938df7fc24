#!/usr/bin/env python
"""Choose the linear classifier's `temperature` from out-of-fold predictions (issue 14).

    .venv-nlu/bin/python scripts/nlu_crossval.py --folds 5 --seed 13 \
        --config scripts/nlu_pipelines/lr100_l2.yml --records reports/cv-lr100_l2.jsonl
    .venv/bin/python scripts/nlu_temperature.py reports/cv-lr100_l2.jsonl [--threshold 0.5]

The application's thresholds (nlu.clarify_below 0.5, a new request inside a form at 0.7,
small talk at 0.8: config.yaml, bot/conversation/dispatcher.py) were set on DIET's softmax
confidences. A logistic regression ranks as well but its probabilities are flatter, so the
same threshold asks "which one?" far more often. Dividing its scores by a temperature T < 1
sharpens them without changing any ranking. Every record's stored ranking is replayed at each
T (p_i ** (1/T), renormalised: the same as dividing the scores, up to the ranking's cut-off at
Rasa's ten best intents, whose tail is negligible once sharpened).

The rule is DIET's threshold rule turned around: the threshold stays at --threshold (the one the
app and the FallbackClassifier share) and T is the largest (least sharpening) whose pooled
out-of-fold in-scope fallback stays under --max-in-scope (3 %): every message the model is
unsure of is still caught as far as that allows. Prints, per T, the in-scope fallback, the
out-of-scope caught, and the share of in-scope messages at or above 0.7 and 0.8 (the form and
small-talk rules) with how often those are right.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Dict, List, Tuple

OOS = "out_of_scope"
TEMPERATURES = [1.0, 0.9, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2]


def tempered(ranking: List[Tuple[str, float]], temperature: float) -> List[Tuple[str, float]]:
    """The ranking with each probability raised to 1/T and renormalised (order unchanged)."""
    if not ranking:
        return []
    logs = [math.log(max(p, 1e-300)) / temperature for _, p in ranking]
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    return [(name, w / total) for (name, _), w in zip(ranking, weights)]


def figures(records: List[dict], temperature: float, threshold: float) -> Dict[str, float]:
    ins = oos_caught = n_oos = below = sure7 = sure7_right = sure8 = sure8_right = 0
    for r in records:
        ranking = tempered(r["ranking"], temperature)
        name, conf = ranking[0] if ranking else (None, 0.0)
        if r["intent"] == OOS:
            n_oos += 1
            oos_caught += conf < threshold or name == OOS
            continue
        ins += 1
        below += conf < threshold
        if conf >= 0.7:
            sure7 += 1
            sure7_right += name == r["intent"]
        if conf >= 0.8:
            sure8 += 1
            sure8_right += name == r["intent"]
    return {
        "temperature": temperature,
        "in_scope_fallback": below / max(1, ins),
        "oos_caught": oos_caught / max(1, n_oos),
        "in_scope_at_0.7": sure7 / max(1, ins),
        "right_at_0.7": sure7_right / max(1, sure7),
        "in_scope_at_0.8": sure8 / max(1, ins),
        "right_at_0.8": sure8_right / max(1, sure8),
    }


def choose(rows: List[Dict[str, float]], max_in_scope: float) -> Dict[str, float] | None:
    """The least sharpening (largest T) whose in-scope fallback is under max_in_scope."""
    fitting = [r for r in rows if r["in_scope_fallback"] < max_in_scope]
    return max(fitting, key=lambda r: r["temperature"]) if fitting else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("records", help="nlu_crossval.py --records output (JSON lines)")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--max-in-scope", type=float, default=0.03)
    args = ap.parse_args(argv)
    with open(args.records, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    if not records or "ranking" not in records[0]:
        print("these records carry no ranking: rerun nlu_crossval.py with this version of nlu_eval.py",
              file=sys.stderr)
        return 2
    rows = [figures(records, t, args.threshold) for t in TEMPERATURES]
    print(f"{len(records)} out-of-fold messages, threshold {args.threshold}")
    print("| T | in-scope fallback | OOS caught | in-scope ≥ 0.7 (right) | in-scope ≥ 0.8 (right) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['temperature']:.2f} | {r['in_scope_fallback']:.1%} | {r['oos_caught']:.3f} | "
              f"{r['in_scope_at_0.7']:.1%} ({r['right_at_0.7']:.3f}) | {r['in_scope_at_0.8']:.1%} ({r['right_at_0.8']:.3f}) |")
    best = choose(rows, args.max_in_scope)
    print(f"\nchosen: T = {best['temperature']}" if best else "\nno temperature meets the rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
