#!/usr/bin/env python3
"""Compare NLU pipelines side by side in one run: training time, accuracy on every held-out set,
and unique-message /model/parse throughput against the baseline (issue 14, docs/nlu.md).

    .venv/bin/python scripts/bench_nlu_models.py --baseline nlu_data/config.yml \
        candidates/lr.yml candidates/lr.yml:2 candidates/diet0.yml [--rounds 3] [--duration 20] \
        [--connections 16]

A config written `path:N` is served by N Rasa processes side by side (the same model, trained
once), as `make run` does with NLU_SERVERS=N and NLU_URL listing them in rotation.

For every config (the baseline first):

1. train: `rasa train nlu` on nlu_data/nlu into --out (default candidates/, git-ignored), with a
   fresh, empty Rasa cache (RASA_CACHE_DIRECTORY) so that nothing is reused from an earlier
   training, under `nice -n --train-nice`; the wall-clock time is recorded. A model already in
   --out with its timing file is reused unless --retrain.
2. serve: a real `rasa run --enable-api` per model and process, on consecutive ports from --port.
3. accuracy, over HTTP, every text normalised as the application does: the plain held-out file
   (tests/nlu/heldout.yml), the dialect/speech set (tests/nlu/heldout_speech/, all kinds), the
   everyday-talk set (tests/nlu/heldout_talk/), and
   the multi-slot conversations (tests/conversation/heldout_forms.yaml) judged by entity
   extraction: the gold entities of a turn are the NLU-filled slots (person_name, id_number,
   contact -> phone, district, service_item, verification_code) the turn newly sets.
   Scoring is scripts/nlu_eval.py's.
4. throughput: wrk at --connections on unique texts (bench_webhook.py's unique-message
   generator, a new text every request), warm-up then --duration seconds per model, in
   --rounds rounds that alternate the order (baseline first, then last, ...). The connections
   are split over --wrk-instances wrk processes (one thread each) running at once, instance i
   against the model's server i mod N, for every model alike: one server gets all 16
   connections, two servers 8 each, through the same client path. The figure is the median
   over the rounds and its ratio to the baseline's median; p99 is the worst instance's.

Prints a markdown table and writes reports/bench_nlu_models-<time>.json. Needs wrk. Every Rasa
server it starts is stopped at the end (also on errors and Ctrl-C).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.identifiers import mask_identifiers  # noqa: E402
from bot.nlu.normalise import normalise  # noqa: E402
from scripts.bench_webhook import WRK_SCRIPT, Server, build_mix, run_wrk  # noqa: E402
from scripts.nlu_eval import load_examples, norm_value, records_from_parses, score  # noqa: E402

RASA = Path(os.environ.get("NLU_VENV", ROOT / ".venv-nlu")) / "bin" / "rasa"
HELDOUT_SETS = {
    "plain": ROOT / "tests/nlu/heldout.yml",
    "speech": ROOT / "tests/nlu/heldout_speech",
    "talk": ROOT / "tests/nlu/heldout_talk",
}
FORMS = ROOT / "tests/conversation/heldout_forms.yaml"
# slot -> the NLU entity that fills it
FORM_ENTITY = {"person_name": "person_name", "id_number": "id_number", "contact": "phone",
               "district": "district", "service_item": "service_item",
               "verification_code": "verification_code"}
IDENTIFIERS = ("id_number", "application_no", "phone")


# -- data -------------------------------------------------------------------------------------------

def forms_examples(path: Path = FORMS) -> list[dict]:
    """One example per citizen turn; gold entities = the NLU-filled slots this turn newly sets."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for conv in doc["conversations"]:
        held: dict = {}
        for turn in conv["turns"]:
            after = dict(turn.get("slots") or {})
            done = (turn.get("completed") or {}).get("slots") or {}
            now = {**after, **done}
            gold = [{"entity": FORM_ENTITY[k], "value": str(v)} for k, v in now.items()
                    if k in FORM_ENTITY and v is not None and held.get(k) != v]
            out.append({"intent": "forms", "text": turn["say"], "entities": gold})
            held = after
    return out


def evaluate(url: str) -> dict:
    """Accuracy figures of the model served at `url` on every held-out set, twice: as
    scripts/nlu_eval.py parses (normalised text) and, under "<set>/app", as the application's
    NLU client does (normalised, identifiers swapped for stand-ins, values restored after)."""
    sets = {name: load_examples(str(p)) for name, p in HELDOUT_SETS.items()}
    sets["forms"] = forms_examples()
    res = {}
    with requests.Session() as s:
        def parse(text: str) -> dict:
            return s.post(f"{url}/model/parse", json={"text": text}, timeout=30).json()

        for name, examples in sets.items():
            texts = [normalise(ex["text"]) for ex in examples]
            parses = [parse(t) for t in texts]
            app = []
            for t, p in zip(texts, parses):
                m = mask_identifiers(t)
                app.append(m.restore(parse(m.text)) if m.spans else p)
            for key, got in ((name, parses), (f"{name}/app", app)):
                recs = records_from_parses(examples, texts, got)
                if name == "forms":  # judged by entities only
                    for r in recs:
                        r["pred"] = "forms"
                res[key] = score(recs)
                res[key].pop("intent.per_intent", None)
                res[key]["identifier_f1"] = pooled_f1(recs, IDENTIFIERS)
                res[key]["entity_f1"] = pooled_f1(recs)
                res[key]["identifier_errors"] = [  # for reading, not scored
                    {"text": r["text"], "gold": g, "predicted": pr} for r in recs
                    for g, pr in [(sorted((e["entity"], norm_value(e["entity"], e["value"]))
                                          for e in r["gold_entities"] if e["entity"] in IDENTIFIERS),
                                   sorted(x for x in r["pred_entities"] if x[0] in IDENTIFIERS))]
                    if g != pr]
    return res


def pooled_f1(records: list[dict], entities=None) -> float | None:
    """Micro F1 over the given entity types (all when None), with nlu_eval's multiset matching."""
    tp = fp = fn = 0
    for r in records:
        gold = collections.Counter((e["entity"], norm_value(e["entity"], e["value"]))
                                   for e in r["gold_entities"] if entities is None or e["entity"] in entities)
        pred = collections.Counter(x for x in r["pred_entities"] if entities is None or x[0] in entities)
        both = sum((gold & pred).values())
        tp, fp, fn = tp + both, fp + sum(pred.values()) - both, fn + sum(gold.values()) - both
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else None


# -- training and serving -----------------------------------------------------------------------

def train(config: Path, name: str, out: Path, nice: int, retrain: bool) -> float:
    model, timing = out / f"{name}.tar.gz", out / f"{name}.train.json"
    if model.exists() and timing.exists() and not retrain:
        return json.loads(timing.read_text())["seconds"]
    cache = tempfile.mkdtemp(prefix="rasa-cache-", dir=out)
    env = {**os.environ, "RASA_CACHE_DIRECTORY": cache, "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = ["nice", "-n", str(nice), str(RASA), "train", "nlu", "--config", str(config), "--nlu", "nlu_data/nlu",
           "--out", str(out), "--fixed-model-name", name]
    print(f"[{name}] training {config} ...", flush=True)
    t0 = time.monotonic()
    with open(out / f"{name}.train.log", "wb") as log:
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    seconds = time.monotonic() - t0
    shutil.rmtree(cache, ignore_errors=True)
    load = os.getloadavg()
    timing.write_text(json.dumps({"seconds": seconds, "config": str(config), "loadavg": load}))
    print(f"[{name}] trained in {seconds:.0f} s (load {load[0]:.1f})", flush=True)
    return seconds


def rasa_server(name: str, model: Path, port: int, log_dir: Path) -> Server:
    url = f"http://127.0.0.1:{port}"
    return Server(f"rasa-{name}", [str(RASA), "run", "--enable-api", "-m", str(model), "-i", "127.0.0.1",
                                   "-p", str(port)], {"TF_CPP_MIN_LOG_LEVEL": "3"}, f"{url}/status", log_dir)


def wait_model(url: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/status", timeout=2).json().get("model_file"):
                requests.post(f"{url}/model/parse", json={"text": "你好"}, timeout=30).raise_for_status()
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(1)
    raise RuntimeError(f"{url}: no model loaded after {timeout_s:.0f} s")


def parse_spec(spec: str) -> tuple[str, Path, int]:
    """`path.yml` or `path.yml:N` -> (name, path, N Rasa processes)."""
    path, _, k = spec.partition(":")
    n = int(k or 1)
    return (Path(path).stem + (f"x{n}" if n > 1 else ""), Path(path), n)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (all their threads), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def throughput(urls: list[str], secs: float, args, rng: random.Random, script: Path) -> dict:
    """--wrk-instances wrk processes at once, instance i against urls[i % len(urls)], each on its
    own unique texts; requests summed, p99 the worst instance's."""
    k = args.wrk_instances
    conns = [args.connections // k + (1 if i < args.connections % k else 0) for i in range(k)]
    results: list[dict | None] = [None] * k
    paths = []
    for i in range(k):
        n = int(secs * 250 / k) + 200  # more texts than any model parses, so none repeats
        lines = ["/model/parse\t" + json.dumps({"text": it.text}, ensure_ascii=False)
                 for it in build_mix(n, rng, 0.0)]
        paths.append(args.out / f"wrk_lines_{i}.txt")
        paths[i].write_text("\n".join(lines) + "\n", encoding="utf-8")

    def one(i: int) -> None:
        results[i] = run_wrk(urls[i % len(urls)], paths[i], "application/json", duration=secs,
                             connections=conns[i], threads=1, script=script)

    workers = [threading.Thread(target=one, args=(i,)) for i in range(k)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if any(r is None for r in results):
        raise RuntimeError("a wrk instance failed")
    out = {"rps": sum(r["rps"] for r in results), "p50_ms": statistics.mean(r["p50_ms"] for r in results),
           "p99_ms": max(r["p99_ms"] for r in results), "wrapped": sum(r["wrapped"] for r in results),
           "non_2xx": sum(r["non_2xx"] for r in results), "instances": results}
    return out


# -- main -------------------------------------------------------------------------------------------

def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("configs", nargs="*", help="candidate pipeline configs, `path` or `path:N` (N Rasa processes)")
    p.add_argument("--baseline", type=Path, default=ROOT / "nlu_data/config.yml")
    p.add_argument("--out", type=Path, default=ROOT / "candidates", help="models, timings, logs")
    p.add_argument("--port", type=int, default=15206, help="first Rasa port (one per model)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=20, help="seconds measured per model and round")
    p.add_argument("--warmup", type=float, default=4)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--wrk-instances", type=int, default=2,
                   help="wrk processes (one thread each) sharing --connections, for every model alike")
    p.add_argument("--train-nice", type=int, default=5)
    p.add_argument("--retrain", action="store_true", help="train even when a model is in --out")
    p.add_argument("--no-throughput", action="store_true")
    p.add_argument("--no-eval", action="store_true", help="throughput only (no accuracy)")
    p.add_argument("--train-only", action="store_true", help="train the candidates (not the baseline) and stop")
    p.add_argument("--seed", type=int, default=20261127)
    args = p.parse_args()
    if not args.no_throughput and not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk)")
    args.out.mkdir(parents=True, exist_ok=True)
    specs = [("baseline", args.baseline, 1)] + [parse_spec(c) for c in args.configs]
    # one model per config file: `x.yml` and `x.yml:2` share the training and the accuracy figures
    model_of: dict[str, str] = {}
    for n, c, _ in specs:
        model_of.setdefault(str(c.resolve()), n)
    names = [n for n, _, _ in specs]
    info: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "cpus": os.cpu_count(),
                  "connections": args.connections, "rounds": args.rounds, "duration_s": args.duration,
                  "wrk_instances": args.wrk_instances,
                  "models": {n: {"config": str(c), "servers": k, "model": model_of[str(c.resolve())]}
                             for n, c, k in specs}}
    trained = {n: c for n, c, _ in specs if model_of[str(c.resolve())] == n}

    if args.train_only:
        for n, c in trained.items():
            if n != "baseline":
                train(c, n, args.out, args.train_nice, args.retrain)
        return 0
    seconds = {n: round(train(c, n, args.out, args.train_nice, args.retrain), 1) for n, c in trained.items()}
    for m in info["models"].values():
        m["train_s"] = seconds[m["model"]]

    servers: list[Server] = []
    urls: dict[str, list[str]] = {}
    pids: dict[str, list[int]] = {}
    try:
        port = args.port
        for n, _, k in specs:
            model = args.out / f"{info['models'][n]['model']}.tar.gz"
            for j in range(k):
                srv = rasa_server(f"{n}-{j + 1}", model, port, args.out)
                servers.append(srv.start(timeout_s=300))
                urls.setdefault(n, []).append(f"http://127.0.0.1:{port}")
                pids.setdefault(n, []).append(srv.proc.pid)
                port += 1
        evaluated: dict[str, dict] = {}
        for n in names:
            for u in urls[n]:
                wait_model(u)
            m = info["models"][n]
            if args.no_eval:
                continue
            if m["model"] not in evaluated:
                print(f"[{n}] serving at {urls[n]}; evaluating ...", flush=True)
                evaluated[m["model"]] = evaluate(urls[n][0])
            m["eval"] = evaluated[m["model"]]

        if not args.no_throughput:
            rng = random.Random(args.seed)
            script = args.out / "wrk_replay.lua"
            script.write_text(WRK_SCRIPT)
            for r in range(args.rounds):
                order = names if r % 2 == 0 else names[::-1]
                for n in order:
                    for phase, secs in (("warmup", args.warmup), ("measure", args.duration)):
                        cpu0 = cpu_seconds(pids[n])
                        res = throughput(urls[n], secs, args, rng, script)
                    # CPU per parse: what the model costs, whatever share of the cores the
                    # other jobs of a loaded machine leave it (parses/s alone measures that share)
                    res["rasa_cpu_s"] = cpu_seconds(pids[n]) - cpu0
                    res["cpu_ms_per_parse"] = 1000 * res["rasa_cpu_s"] / max(1, res["rps"] * args.duration)
                    res["loadavg"] = os.getloadavg()[0]
                    info["models"][n].setdefault("rounds", []).append(res)
                    print(f"[{n}] round {r + 1}: {res['rps']:.1f} parses/s p50 {res['p50_ms']:.0f} ms "
                          f"p99 {res['p99_ms']:.0f} ms, Rasa CPU {res['cpu_ms_per_parse']:.1f} ms/parse "
                          f"(wrapped {res['wrapped']}, non-2xx {res['non_2xx']}, "
                          f"load {res['loadavg']:.1f})", flush=True)
    finally:
        for srv in servers:
            srv.stop()

    base = info["models"]["baseline"]
    for n, m in info["models"].items():
        if m.get("rounds"):
            m["rps_median"] = round(statistics.median(x["rps"] for x in m["rounds"]), 1)
            m["p99_median_ms"] = round(statistics.median(x["p99_ms"] for x in m["rounds"]), 1)
            m["rps_ratio"] = round(m["rps_median"] / base["rps_median"], 2)
            m["cpu_ms_per_parse_median"] = round(statistics.median(x["cpu_ms_per_parse"] for x in m["rounds"]), 2)
            m["cpu_ratio"] = round(base["cpu_ms_per_parse_median"] / m["cpu_ms_per_parse_median"], 2)
        m["train_ratio"] = round(m["train_s"] / base["train_s"], 2)
    out = ROOT / "reports"
    out.mkdir(exist_ok=True)
    path = out / f"bench_nlu_models-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False))
    print()
    print(markdown_table(info))
    print(f"\nresults: {path}")
    return 0


def markdown_table(info: dict) -> str:
    head = ("| model | Rasa processes | train s (×base) | parses/s (×base) | Rasa CPU ms/parse (base ÷ this) | p99 ms "
            "| plain acc / OOS / in-fb | speech acc / OOS / in-fb | talk acc / OOS / in-fb "
            "| id F1 plain/speech/forms | id F1 as the app (same) | entity F1 (all) plain/speech/forms |")
    rows = [head, "|---" * 12 + "|"]

    def trio(d: dict) -> str:
        return (f"{d.get('intent.accuracy')} / {d.get('fallback.oos_caught')} / "
                f"{d.get('fallback.in_scope_fallback_rate')}")

    for n, m in info["models"].items():
        e = m.get("eval", {})
        pl, sp, fo = e.get("plain", {}), e.get("speech", {}), e.get("forms", {})
        apl, asp, afo = e.get("plain/app", {}), e.get("speech/app", {}), e.get("forms/app", {})
        rps = f"{m['rps_median']} (×{m['rps_ratio']})" if "rps_median" in m else "–"
        rows.append(
            f"| {n} | {m.get('servers', 1)} | {m['train_s']:.0f} (×{m['train_ratio']}) | {rps} "
            f"| {m.get('cpu_ms_per_parse_median', '–')} (×{m.get('cpu_ratio', '–')}) "
            f"| {m.get('p99_median_ms', '–')} | {trio(pl)} | {trio(sp)} | {trio(e.get('talk', {}))} "
            f"| {pl.get('identifier_f1')}/{sp.get('identifier_f1')}/{fo.get('identifier_f1')} "
            f"| {apl.get('identifier_f1')}/{asp.get('identifier_f1')}/{afo.get('identifier_f1')} "
            f"| {pl.get('entity_f1')}/{sp.get('entity_f1')}/{fo.get('entity_f1')} |")
    return "\n".join(rows)

if __name__ == "__main__":
    sys.exit(main())
