#!/usr/bin/env python
"""k-fold stratified cross-validation of the NLU pipeline over the training data.

Runs in the NLU virtualenv (the one that has Rasa), from the repository root:

    python scripts/nlu_crossval.py [--folds 5] [--out reports/] [--config nlu_data/config.yml]
                                   [--nlu nlu_data/nlu] [--seed 13] [--keep DIR] [--sweep]
                                   [--records FILE] [--only 0,2]

The intent examples of every file under ``--nlu`` are split into ``--folds`` folds, stratified
by intent (each intent's examples are shuffled with ``--seed`` and dealt round-robin). For each
fold a model is trained from scratch with ``rasa train nlu`` (same config, in a temporary
folder) on the other folds plus every non-intent block (regexes, lookup tables, synonyms), and
evaluated on the held-back fold exactly as ``scripts/nlu_eval.py`` evaluates a file (texts
normalised with ``bot.nlu.normalise.normalise``, same scoring rules -- see that script's docstring).

It prints and writes ``<out>/nlu-crossval-<timestamp>.json`` with the same flat keys as
nlu_eval (``intent.accuracy``, ``intent.macro_f1``, ``intent.per_intent``,
``entities.<name>.precision|recall|f1``, ``fallback.*``) averaged over the folds (the mean of
the per-fold figures), the confusions summed over the folds, each fold's own figures under
``folds`` and the training time of each fold. With ``--records FILE`` every out-of-fold
prediction (text, gold intent, fold, the training file it came from, predicted / raw intent and
confidence, entities) is also written to FILE as JSON lines, and the figures are broken down
by training file (``by_file``) -- how a new batch of data fares against the older ones.

This trains ``--folds`` models one after the other: expect several minutes per fold on a
2-core machine. It is an on-demand command, not part of the test suite.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import nlu_eval  # noqa: E402


def read_blocks(nlu_path: str, sources: Dict[str, str] = None):
    """(intent -> [raw example lines], [non-intent items]) from the Rasa YAML files.
    If ``sources`` is a dict it receives example line -> file name."""
    paths = [nlu_path]
    if os.path.isdir(nlu_path):
        paths = sorted(os.path.join(nlu_path, f) for f in os.listdir(nlu_path)
                       if f.endswith((".yml", ".yaml")))
    intents: Dict[str, List[str]] = collections.OrderedDict()
    other: List[Dict[str, Any]] = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        for item in doc.get("nlu") or []:
            if "intent" in item:
                lines = [l.strip()[2:].strip() for l in str(item["examples"]).splitlines()
                         if l.strip().startswith("- ")]
                intents.setdefault(item["intent"], []).extend(lines)
                if sources is not None:
                    for l in lines:
                        sources.setdefault(l, os.path.basename(p))
            else:
                other.append(item)
    return intents, other


def write_nlu(path: str, intents: Dict[str, List[str]], other: List[Dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('version: "3.1"\nnlu:\n')
        for intent, lines in intents.items():
            if not lines:
                continue
            fh.write(f"- intent: {intent}\n  examples: |\n")
            for l in lines:
                fh.write(f"    - {l}\n")
        for item in other:
            kind = next(k for k in ("regex", "lookup", "synonym") if k in item)
            fh.write(f"- {kind}: {item[kind]}\n  examples: |\n")
            for l in str(item["examples"]).splitlines():
                if l.strip():
                    fh.write(f"    {l.strip()}\n")


def split_folds(intents: Dict[str, List[str]], k: int, seed: int):
    rng = random.Random(seed)
    folds = [collections.OrderedDict((i, []) for i in intents) for _ in range(k)]
    for intent, lines in intents.items():
        lines = list(lines)
        rng.shuffle(lines)
        for n, l in enumerate(lines):
            folds[n % k][intent].append(l)
    return folds


def train(config: str, nlu_dir: str, out_dir: str, name: str, log_path: str) -> float:
    cmd = ["nice", "-n", "5", sys.executable, "-m", "rasa", "train", "nlu", "--config", config,
           "--nlu", nlu_dir, "--out", out_dir, "--fixed-model-name", name]
    t0 = time.time()
    with open(log_path, "w") as log:
        subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=True)
    return time.time() - t0


def average(fold_results: List[Dict[str, Any]]) -> Dict[str, Any]:
    n = len(fold_results)
    out: Dict[str, Any] = {}
    keys = [k for k in fold_results[0] if isinstance(fold_results[0][k], (int, float))
            and not isinstance(fold_results[0][k], bool)]
    for k in keys:
        vals = [r[k] for r in fold_results if isinstance(r.get(k), (int, float))]
        out[k] = round(sum(vals) / len(vals), 4) if vals else None
    ent_keys = {k for r in fold_results for k in r if k.startswith("entities.")}
    for k in sorted(ent_keys):
        vals = [r[k] for r in fold_results if k in r]
        out[k] = round(sum(vals) / len(vals), 4)
        if k.endswith(".support"):
            out[k] = sum(vals)
    per: Dict[str, Dict[str, float]] = {}
    for intent in sorted({i for r in fold_results for i in r["intent.per_intent"]}):
        rows = [r["intent.per_intent"][intent] for r in fold_results if intent in r["intent.per_intent"]]
        per[intent] = {m: round(sum(x[m] for x in rows) / len(rows), 4)
                       for m in ("precision", "recall", "f1")}
        per[intent]["support"] = sum(x["support"] for x in rows)
    out["intent.per_intent"] = per
    conf = collections.Counter()
    for r in fold_results:
        for c in r["confusions"]:
            conf[(c["gold"], c["predicted"])] += c["count"]
    out["confusions"] = [{"gold": g, "predicted": p, "count": c} for (g, p), c in conf.most_common()]
    out["fallback.oos_count"] = sum(r["fallback.oos_count"] for r in fold_results)
    out["fallback.in_scope_count"] = sum(r["fallback.in_scope_count"] for r in fold_results)
    out["n_messages"] = sum(r["n_messages"] for r in fold_results)
    out["folds_n"] = n
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="k-fold stratified cross-validation of the NLU model")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", default="reports")
    ap.add_argument("--config", default="nlu_data/config.yml")
    ap.add_argument("--nlu", default="nlu_data/nlu")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--keep", default=None, help="keep fold data, models and logs in this folder")
    ap.add_argument("--sweep", action="store_true", help="also replay fallback thresholds per fold")
    ap.add_argument("--records", default=None,
                    help="write every out-of-fold prediction to this JSON-lines file")
    ap.add_argument("--only", default=None,
                    help="comma-separated fold indices to run (0-based), e.g. to compare pipeline "
                         "variants on one fold; the default runs every fold")
    args = ap.parse_args(argv)

    config = os.path.abspath(os.path.join(ROOT, args.config)) if not os.path.isabs(args.config) else args.config
    nlu_path = os.path.join(ROOT, args.nlu) if not os.path.isabs(args.nlu) else args.nlu
    sources: Dict[str, str] = {}
    intents, other = read_blocks(nlu_path, sources)
    folds = split_folds(intents, args.folds, args.seed)
    work = args.keep or tempfile.mkdtemp(prefix="nlu-cv-")
    os.makedirs(work, exist_ok=True)
    results, all_records = [], []
    try:
        only = {int(x) for x in args.only.split(",")} if args.only else set(range(args.folds))
        for k in range(args.folds):
            if k not in only:
                continue
            fold_dir = os.path.join(work, f"fold{k}")
            train_dir = os.path.join(fold_dir, "train")
            os.makedirs(train_dir, exist_ok=True)
            train_part = collections.OrderedDict(
                (i, [l for j, f in enumerate(folds) if j != k for l in f[i]]) for i in intents)
            write_nlu(os.path.join(train_dir, "train.yml"), train_part, other)
            test_file = os.path.join(fold_dir, "test.yml")
            write_nlu(test_file, folds[k], [])
            print(f"fold {k + 1}/{args.folds}: training on {sum(map(len, train_part.values()))} "
                  f"examples, testing on {sum(map(len, folds[k].values()))}", flush=True)
            secs = train(config, train_dir, fold_dir, "model", os.path.join(fold_dir, "train.log"))
            agent = nlu_eval.load_agent(os.path.join(fold_dir, "model.tar.gz"))
            test_examples = nlu_eval.load_examples(test_file)
            records = nlu_eval.parse_records(agent, test_examples)
            test_lines = [l for i in intents for l in folds[k][i]]
            for rec, line in zip(records, test_lines):
                rec["fold"] = k
                rec["source"] = sources.get(line, "?")
            res = nlu_eval.score(records)
            res["train_seconds"] = round(secs, 1)
            if args.sweep:
                res["sweep"] = nlu_eval.sweep(records, nlu_eval.SWEEP_THRESHOLDS, nlu_eval.SWEEP_AMBIGUITIES)
            all_records.extend(records)
            results.append(res)
            print(f"fold {k + 1}: accuracy {res['intent.accuracy']:.4f} macro-F1 "
                  f"{res['intent.macro_f1']:.4f} ({secs:.0f} s training)", flush=True)
            del agent
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary = average(results)
    summary["folds"] = [{k: v for k, v in r.items() if k != "confusions"} for r in results]
    summary["config"] = args.config
    summary["seed"] = args.seed
    if args.records:
        by_file = collections.defaultdict(list)
        for r in all_records:
            by_file[r["source"]].append(r)
        summary["by_file"] = {}
        for f, recs in sorted(by_file.items()):
            res = nlu_eval.score(recs)
            summary["by_file"][f] = {k: res[k] for k in ("n_messages", "intent.accuracy",
                                     "fallback.oos_caught", "fallback.in_scope_fallback_rate")}
        with open(args.records, "w", encoding="utf-8") as fh:
            for r in all_records:
                fh.write(json.dumps({k: v for k, v in r.items() if not k.startswith("_")},
                                    ensure_ascii=False) + "\n")
    if args.sweep:
        summary["sweep_pooled"] = nlu_eval.sweep(all_records, nlu_eval.SWEEP_THRESHOLDS, nlu_eval.SWEEP_AMBIGUITIES)
    print()
    print(f"=== {args.folds}-fold cross-validation (mean over {len(results)} folds) ===")
    nlu_eval.print_report(summary, all_records)
    if args.sweep:
        print("\npooled out-of-fold fallback sweep:")
        for s in summary["sweep_pooled"]:
            print(f"  {s['threshold']:.2f} (amb {s['ambiguity_threshold']:.2f})  {s['intent.accuracy']:.4f}  {s['intent.macro_f1']:.4f}  "
                  f"{s['fallback.oos_caught']}  {s['fallback.in_scope_fallback_rate']}")
    if args.records:
        print("\nout-of-fold figures by training file (accuracy, OOS caught, in-scope fallback):")
        for f, v in summary["by_file"].items():
            print(f"  {f:28s} {v['n_messages']:5d}  {v['intent.accuracy']:.4f}  "
                  f"{v['fallback.oos_caught']}  {v['fallback.in_scope_fallback_rate']}")
    path = nlu_eval.write_json(summary, os.path.join(ROOT, args.out) if not os.path.isabs(args.out) else args.out,
                               stem="nlu-crossval")
    print(f"\nreport written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
