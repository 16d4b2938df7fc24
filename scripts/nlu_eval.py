#!/usr/bin/env python
"""Evaluate a trained Rasa NLU model on a Rasa-format NLU file it was not trained on.

Runs in the NLU virtualenv (the one that has Rasa), from the repository root:

    python scripts/nlu_eval.py --model models/nlu-XXXX.tar.gz --data tests/nlu/heldout.yml \
        [--out reports/] [--raw] [--sweep]

The model is loaded in-process (``rasa.core.agent.Agent.load``) and every message is parsed with
``await agent.parse_message(text)``. Unless ``--raw`` is given, each text first goes through
``bot.nlu.normalise.normalise`` and ``bot.nlu.identifiers.mask_identifiers`` -- exactly what the
application does before it calls Rasa, restoring the identifiers' values (and adding those the model
did not tag) after it -- and a message that turns one thing down and asks another (不是要投诉，我就是问一下…) takes the intent of
the clause that asks, as the dispatcher does (``bot.nlu.contrast``; ``--no-contrast`` reads every
message whole).

Scoring rules
-------------
* Intent: the predicted intent is the top intent of the parse, which is ``nlu_fallback`` when the
  FallbackClassifier fired. A fallback counts as WRONG for an in-scope message (the citizen gets
  a clarifying question instead of the service) and as CORRECT for an ``out_of_scope`` message
  (the bot does not pretend to serve it). Accordingly ``nlu_fallback`` predictions on
  out-of-scope messages are scored as ``out_of_scope`` in accuracy, the per-intent table and
  macro-F1, and as their own label ``nlu_fallback`` for in-scope messages (so they lower the
  recall of the true intent without adding a false positive to another intent).
* macro-F1 is the unweighted mean of the F1 of every intent that occurs in the data
  (``nlu_fallback`` is not an intent and is not averaged).
* Out-of-scope figures: ``fallback.oos_caught`` = share of out_of_scope messages predicted as
  out_of_scope or nlu_fallback; ``fallback.in_scope_fallback_rate`` = share of in-scope messages
  predicted as nlu_fallback.
* Entities: per message the gold and predicted (entity, value) pairs are compared as multisets
  (character offsets are ignored). Values are normalised before comparison: ``normalise()``,
  then an ID number or phone is read as the forms read it (``bot.core.privacy.compact``: separators,
  ``+86``/``0086`` and spoken numerals undone), and for application_no / verification_code
  everything but digits and the prefix letters is dropped. If two extractors (DIET and the
  RegexEntityExtractor) return the same entity type for overlapping spans, it counts once.
  Gold values are the annotated ``value`` (synonym target) or the annotated text.
* ``--sweep`` additionally replays the stored intent rankings for several FallbackClassifier
  thresholds (the model's own threshold is bypassed by reading the best non-fallback intent
  from ``intent_ranking``); used to choose the threshold (see docs/nlu.md).

Output: a human-readable report on stdout, and JSON in ``<out>/nlu-eval-<timestamp>.json`` with
the flat keys ``intent.accuracy``, ``intent.macro_f1``, ``intent.per_intent`` and
``entities.<name>.precision|recall|f1`` (plus ``confusions``, ``fallback.*``, ``sweep``, ...).
Exit code 0 once the report is written, whatever the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as _dt
import json
import logging
import os
import re
import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bot.core.privacy import compact  # noqa: E402
from bot.nlu import contrast  # noqa: E402
from bot.nlu.identifiers import mask_identifiers  # noqa: E402
from bot.nlu.normalise import normalise  # noqa: E402

FALLBACK = "nlu_fallback"
OOS = "out_of_scope"
_ANNOT = re.compile(r"\[([^\]]+)\](?:\((\w+)(?::([^)]+))?\)|(\{[^}]*\}))")
_IDENTIFIERS = {"id_number", "application_no", "phone", "verification_code"}


# --------------------------------------------------------------------------- data
def parse_example(line: str) -> Tuple[str, List[Dict[str, Any]]]:
    """Turn one annotated Rasa example into (plain text, [{entity, value, start, end}])."""
    text, ents, pos = "", [], 0
    for m in _ANNOT.finditer(line):
        text += line[pos:m.start()]
        start = len(text)
        surface = m.group(1)
        text += surface
        if m.group(2):
            name, value = m.group(2), m.group(3) or surface
        else:
            spec = json.loads(m.group(4))
            name, value = spec["entity"], spec.get("value", surface)
        ents.append({"entity": name, "value": value, "start": start, "end": len(text)})
        pos = m.end()
    text += line[pos:]
    return text, ents


def load_examples(path: str) -> List[Dict[str, Any]]:
    """Read the intent examples of a Rasa 3.x YAML NLU file (or of every .yml in a folder)."""
    import yaml

    paths = [path]
    if os.path.isdir(path):
        paths = sorted(
            os.path.join(path, f) for f in os.listdir(path) if f.endswith((".yml", ".yaml"))
        )
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        for item in doc.get("nlu") or []:
            if "intent" not in item:
                continue
            for raw in str(item.get("examples", "")).splitlines():
                raw = raw.strip()
                if not raw.startswith("- "):
                    continue
                text, ents = parse_example(raw[2:].strip())
                out.append({"intent": item["intent"], "text": text, "entities": ents})
    return out


# ----------------------------------------------------------------------- scoring
def norm_value(entity: str, value: Any) -> str:
    v = normalise(str(value))
    if entity in ("id_number", "phone"):
        return compact(v)   # as the forms read it: separators, +86/0086, numerals (幺三八…) undone
    if entity in _IDENTIFIERS:
        v = re.sub(r"[^0-9A-Z]", "", v.upper())
    return v


def dedupe_predicted(ents: Iterable[Dict[str, Any]]) -> List[Tuple[str, str]]:
    """(entity, normalised value) pairs, counting overlapping same-type spans once."""
    kept: List[Dict[str, Any]] = []
    for e in ents:
        dup = False
        for k in kept:
            if k["entity"] == e["entity"] and e.get("start", -1) < k.get("end", -1) and k.get("start", -1) < e.get("end", -1):
                dup = True
                break
        if not dup:
            kept.append(e)
    return [(e["entity"], norm_value(e["entity"], e.get("value", ""))) for e in kept]


def prf(tp: int, fp: int, fn: int) -> Dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def scored_label(gold: str, pred: str) -> str:
    return OOS if (pred == FALLBACK and gold == OOS) else pred


def score(records: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Compute every metric from parse records {intent, pred, gold_entities, pred_entities}."""
    intents = sorted({r["intent"] for r in records})
    n = len(records)
    correct = sum(1 for r in records if scored_label(r["intent"], r["pred"]) == r["intent"])
    per: Dict[str, Dict[str, float]] = {}
    for it in intents:
        tp = sum(1 for r in records if r["intent"] == it and scored_label(r["intent"], r["pred"]) == it)
        fp = sum(1 for r in records if r["intent"] != it and scored_label(r["intent"], r["pred"]) == it)
        fn = sum(1 for r in records if r["intent"] == it and scored_label(r["intent"], r["pred"]) != it)
        per[it] = dict(prf(tp, fp, fn), support=sum(1 for r in records if r["intent"] == it))
    macro = sum(v["f1"] for v in per.values()) / len(per) if per else 0.0
    conf = collections.Counter(
        (r["intent"], scored_label(r["intent"], r["pred"]))
        for r in records
        if scored_label(r["intent"], r["pred"]) != r["intent"]
    )
    oos = [r for r in records if r["intent"] == OOS]
    ins = [r for r in records if r["intent"] != OOS]
    res: Dict[str, Any] = {
        "n_messages": n,
        "intent.accuracy": round(correct / n, 4) if n else 0.0,
        "intent.macro_f1": round(macro, 4),
        "intent.per_intent": per,
        "confusions": [
            {"gold": g, "predicted": p, "count": c} for (g, p), c in conf.most_common()
        ],
        "fallback.oos_caught": round(
            sum(1 for r in oos if r["pred"] in (OOS, FALLBACK)) / len(oos), 4) if oos else None,
        "fallback.oos_count": len(oos),
        "fallback.in_scope_fallback_rate": round(
            sum(1 for r in ins if r["pred"] == FALLBACK) / len(ins), 4) if ins else None,
        "fallback.in_scope_count": len(ins),
    }
    # entities
    counts: Dict[str, List[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for r in records:
        gold = collections.Counter(
            (e["entity"], norm_value(e["entity"], e["value"])) for e in r["gold_entities"])
        pred = collections.Counter(r["pred_entities"])
        for key in set(gold) | set(pred):
            tp = min(gold[key], pred[key])
            c = counts[key[0]]
            c[0] += tp
            c[1] += pred[key] - tp
            c[2] += gold[key] - tp
    for name in sorted(counts):
        tp, fp, fn = counts[name]
        m = prf(tp, fp, fn)
        for k, v in m.items():
            res[f"entities.{name}.{k}"] = v
        res[f"entities.{name}.support"] = tp + fn
    return res


def sweep(records: List[Dict[str, Any]], thresholds: Iterable[float],
          ambiguities: Iterable[float] = (0.0,)) -> List[Dict[str, Any]]:
    """Replay the FallbackClassifier for other thresholds using the raw best intent.

    Like Rasa's FallbackClassifier: fallback when the best confidence is below ``threshold``
    or when the two best intents are closer than ``ambiguity_threshold``.
    """
    out = []
    for a in ambiguities:
      for t in thresholds:
        recs = []
        for r in records:
            low = r["raw_conf"] < t or (a > 0 and r["raw_conf"] - r["second_conf"] < a)
            pred = FALLBACK if low else r["raw_intent"]
            recs.append(dict(r, pred=pred))
        s = score(recs)
        out.append({
            "threshold": t,
            "ambiguity_threshold": a,
            "intent.accuracy": s["intent.accuracy"],
            "intent.macro_f1": s["intent.macro_f1"],
            "fallback.oos_caught": s["fallback.oos_caught"],
            "fallback.in_scope_fallback_rate": s["fallback.in_scope_fallback_rate"],
        })
    return out


# ------------------------------------------------------------------------ model
def load_agent(model: str):
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:  # Rasa 3.6 logs every parse at debug level through structlog otherwise
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
    except Exception:  # pragma: no cover - older/newer Rasa
        pass
    from rasa.core.agent import Agent

    return Agent.load(model)


async def _app_parse(agent, text: str) -> Dict[str, Any]:
    """A parse as bot.nlu.client makes it: identifiers swapped for stand-ins before Rasa, the real
    values (and any identifier the model did not tag, bot.nlu.identifiers) put back after."""
    masked = mask_identifiers(text)
    return masked.restore(await agent.parse_message(masked.text))


async def _parse_all(agent, texts: List[str], as_app: bool = True) -> List[Dict[str, Any]]:
    out = []
    for t in texts:
        out.append(await (_app_parse(agent, t) if as_app else agent.parse_message(t)))
    return out


# The application's nlu.clarify_below (config.yaml): how sure the clause after a turned-down one
# must be to decide a message's intent (bot.nlu.contrast, applied by the dispatcher).
CLARIFY_BELOW = 0.5


async def _read_contrasts(agent, examples: List[Dict[str, Any]],
                          parses: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """As the dispatcher does: where a message turns one thing down and asks another, the intent
    of the clause that asks (bot.nlu.contrast.reading), the entities of the whole message."""
    out = []
    for ex, whole in zip(examples, parses):
        found = contrast.split(ex["text"])
        if found is None:
            out.append(whole)
            continue
        read = {c: await _app_parse(agent, normalise(c)) for c in (found.rest, found.turned_down)}

        def intent_of(clause: str) -> Tuple[str, float]:
            intent = read[clause].get("intent") or {}
            return intent.get("name") or FALLBACK, float(intent.get("confidence") or 0.0)

        whole_intent = (whole.get("intent") or {}).get("name") or FALLBACK
        whole_confidence = float((whole.get("intent") or {}).get("confidence") or 0.0)
        clause = contrast.reading(ex["text"], whole_intent, intent_of, CLARIFY_BELOW, whole_confidence)
        out.append(whole if clause is None else {**whole, "intent": read[clause].get("intent"),
                                                 "intent_ranking": read[clause].get("intent_ranking")})
    return out


def parse_records(agent, examples: List[Dict[str, Any]], raw: bool = False,
                  contrasts: bool = True) -> List[Dict[str, Any]]:
    texts = [ex["text"] if raw else normalise(ex["text"]) for ex in examples]
    t0 = time.perf_counter()
    parses = asyncio.run(_parse_all(agent, texts, as_app=not raw))
    if contrasts and not raw:
        parses = asyncio.run(_read_contrasts(agent, examples, parses))
    elapsed = time.perf_counter() - t0
    records = records_from_parses(examples, texts, parses)
    for r in records:
        r["_ms"] = elapsed * 1000 / max(1, len(records))
    return records


def records_from_parses(examples: List[Dict[str, Any]], texts: List[str],
                        parses: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Scoring records from Rasa parse results (in-process or from a server's /model/parse)."""
    records = []
    for ex, text, p in zip(examples, texts, parses):
        pred = (p.get("intent") or {}).get("name") or FALLBACK
        conf = float((p.get("intent") or {}).get("confidence") or 0.0)
        ranking = [x for x in p.get("intent_ranking") or [] if x.get("name") != FALLBACK]
        raw_intent = ranking[0]["name"] if ranking else pred
        raw_conf = float(ranking[0]["confidence"]) if ranking else conf
        second = ranking[1] if len(ranking) > 1 else {"name": None, "confidence": 0.0}
        records.append({
            "text": text,
            "intent": ex["intent"],
            "pred": pred,
            "confidence": conf,
            "raw_intent": raw_intent,
            "raw_conf": raw_conf,
            "second_intent": second["name"],
            "second_conf": float(second["confidence"]),
            # the whole ranking Rasa returned (scripts/nlu_temperature.py replays it at other scales)
            "ranking": [[x["name"], float(x["confidence"])] for x in ranking],
            "gold_entities": ex["entities"],
            "pred_entities": dedupe_predicted(p.get("entities") or []),
        })
    return records


# ------------------------------------------------------------------------ report
def print_report(res: Dict[str, Any], records: List[Dict[str, Any]], top: int = 15) -> None:
    print(f"messages: {res['n_messages']}")
    print(f"intent accuracy: {res['intent.accuracy']:.4f}   macro-F1: {res['intent.macro_f1']:.4f}")
    print()
    print(f"{'intent':32s} {'prec':>6s} {'rec':>6s} {'f1':>6s} {'n':>5s}")
    for it, v in sorted(res["intent.per_intent"].items()):
        print(f"{it:32s} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['support']:5d}")
    print()
    print("most frequent confusions (gold -> predicted):")
    for c in res["confusions"][:top]:
        print(f"  {c['count']:3d}  {c['gold']} -> {c['predicted']}")
    print()
    print(f"out_of_scope ending in out_of_scope/nlu_fallback: {res['fallback.oos_caught']}"
          f"  (of {res['fallback.oos_count']})")
    print(f"in-scope messages ending in nlu_fallback: {res['fallback.in_scope_fallback_rate']}"
          f"  (of {res['fallback.in_scope_count']})")
    print()
    names = sorted({k.split(".")[1] for k in res if k.startswith("entities.")})
    print(f"{'entity':20s} {'prec':>6s} {'rec':>6s} {'f1':>6s} {'n':>5s}")
    for n in names:
        print(f"{n:20s} {res[f'entities.{n}.precision']:6.3f} {res[f'entities.{n}.recall']:6.3f} "
              f"{res[f'entities.{n}.f1']:6.3f} {res[f'entities.{n}.support']:5d}")
    if "sweep" in res:
        print()
        print("fallback threshold sweep (accuracy, macro-F1, OOS caught, in-scope fallback):")
        for s in res["sweep"]:
            print(f"  {s['threshold']:.2f} (amb {s['ambiguity_threshold']:.2f})  {s['intent.accuracy']:.4f}  {s['intent.macro_f1']:.4f}  "
                  f"{s['fallback.oos_caught']}  {s['fallback.in_scope_fallback_rate']}")


def write_json(res: Dict[str, Any], out_dir: str, stem: str = "nlu-eval") -> str:
    os.makedirs(out_dir, exist_ok=True)
    ts = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(out_dir, f"{stem}-{ts}.json")
    i = 1
    while os.path.exists(path):
        path = os.path.join(out_dir, f"{stem}-{ts}-{i}.json")
        i += 1
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(res, fh, ensure_ascii=False, indent=2)
    return path


SWEEP_THRESHOLDS = [round(0.05 * i, 2) for i in range(0, 20)]
SWEEP_AMBIGUITIES = [0.0, 0.05, 0.1]


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="trained model .tar.gz")
    ap.add_argument("--data", required=True, help="Rasa NLU YAML file (or folder) to evaluate on")
    ap.add_argument("--out", default="reports", help="folder for the JSON report (default reports/)")
    ap.add_argument("--raw", action="store_true", help="parse the texts as written: no normalise(), no identifier masking")
    ap.add_argument("--no-contrast", action="store_true",
                    help="read every message whole (no bot.nlu.contrast clause rule, as before issue 12)")
    ap.add_argument("--sweep", action="store_true", help="also replay fallback thresholds")
    ap.add_argument("--errors", action="store_true", help="print every misclassified message")
    args = ap.parse_args(argv)

    examples = load_examples(args.data)
    if not examples:
        print(f"no intent examples in {args.data}", file=sys.stderr)
        return 0
    agent = load_agent(args.model)
    records = parse_records(agent, examples, raw=args.raw, contrasts=not args.no_contrast)
    res = score(records)
    res["model"] = os.path.basename(args.model)
    res["data"] = args.data
    res["normalised"] = not args.raw
    res["contrast_rule"] = not (args.raw or args.no_contrast)
    res["parse_ms_mean"] = round(records[0]["_ms"], 2)
    if args.sweep:
        res["sweep"] = sweep(records, SWEEP_THRESHOLDS, SWEEP_AMBIGUITIES)
    print_report(res, records)
    if args.errors:
        print()
        print("misclassified:")
        for r in records:
            if scored_label(r["intent"], r["pred"]) != r["intent"]:
                print(f"  [{r['intent']} -> {r['pred']} {r['confidence']:.2f}"
                      f" (raw {r['raw_intent']} {r['raw_conf']:.2f})] {r['text']}")
        print("entity errors:")
        for r in records:
            gold = sorted((e["entity"], norm_value(e["entity"], e["value"])) for e in r["gold_entities"])
            pred = sorted(r["pred_entities"])
            if gold != pred:
                print(f"  {r['text']}\n     gold={gold}\n     pred={pred}")
    path = write_json(res, args.out)
    print()
    print(f"report written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
