#!/usr/bin/env python3
"""NLU parse latency and throughput: one Rasa server over HTTP, and the
assistant's NLU client (normalisation + identifier stand-ins + Redis cache) in
front of it, on the same texts, in one run.

    .venv/bin/python scripts/bench_nlu.py --nlu-url http://127.0.0.1:5005 [--n 1000] [--threads 16]

The texts: the held-out file's messages (never trained on) for the unique half;
the mix repeats each text once in shuffled order, so half the messages are
repeats, as menu-driven and common-question traffic is. The client's cache is
emptied first (its own key prefix), so the first sight of each text is a miss.
Prints sequential latency p50/p99 and concurrent throughput for both paths.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.client import NluClient  # noqa: E402
from bot.nlu.normalise import normalise  # noqa: E402
from bot.core.redis_hub import RedisHub  # noqa: E402
from bot.core.settings import NluSettings  # noqa: E402
from scripts.benchstats import percentile  # noqa: E402


def heldout_texts() -> list[str]:
    texts = []
    for line in (ROOT / "tests/nlu/heldout.yml").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s+- (.+)$", line)
        if m and not line.strip().startswith("- intent:"):
            # strip Rasa entity annotations: [text](entity) / [text]{...}
            texts.append(re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", m.group(1)))
    return texts


def mix(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    unique = heldout_texts()
    rnd.shuffle(unique)
    unique = (unique * (n // (2 * len(unique)) + 1))[: n // 2]
    seq = unique + unique
    rnd.shuffle(seq)
    return seq


def sequential(fn, texts: list[str]) -> list[float]:
    lat = []
    for t in texts:
        t0 = time.perf_counter()
        fn(t)
        lat.append((time.perf_counter() - t0) * 1000)
    return lat


def concurrent(fn, texts: list[str], threads: int) -> tuple[float, list[float]]:
    it = iter(texts)
    lock = threading.Lock()
    lat: list[float] = []

    def worker():
        while True:
            with lock:
                t = next(it, None)
            if t is None:
                return
            t0 = time.perf_counter()
            fn(t)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                lat.append(dt)

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return len(texts) / (time.perf_counter() - t0), lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nlu-url", default="http://127.0.0.1:5005")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    local = threading.local()

    def rasa_parse(text: str) -> None:
        s = getattr(local, "s", None) or setattr(local, "s", requests.Session()) or local.s
        r = s.post(f"{args.nlu_url}/model/parse", json={"text": normalise(text)}, timeout=30)
        r.raise_for_status()

    hub = RedisHub(args.redis_url, f"bench-nlu:{uuid.uuid4().hex[:8]}:")
    client = NluClient(NluSettings(url=args.nlu_url, timeout_s=30, cache_ttl_s=3600, clarify_below=0.5), hub)

    texts = mix(args.n, args.seed)
    print(f"texts: {len(texts)} messages, {len(set(texts))} distinct (held-out file), Rasa at {args.nlu_url}")
    for t in texts[:20]:
        rasa_parse(t)  # warm-up
    rows = []
    try:
        lat = sequential(rasa_parse, texts)
        rows.append(("Rasa POST /model/parse, sequential", None, lat))
        rps, lat = concurrent(rasa_parse, texts, args.threads)
        rows.append((f"Rasa POST /model/parse, {args.threads} threads", rps, lat))

        hub.delete_prefix()
        lat = sequential(client.parse, texts)
        rows.append(("NLU client + Redis cache, sequential", None, lat))
        hub.delete_prefix()
        rps, lat = concurrent(client.parse, texts, args.threads)
        rows.append((f"NLU client + Redis cache, {args.threads} threads", rps, lat))
    finally:
        hub.delete_prefix()

    print(f"{'path':45} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, rps, lat in rows:
        rate = f"{rps:8.1f}" if rps else f"{1000 / statistics.mean(lat):8.1f}"
        print(f"{name:45} {rate} {percentile(lat, .5):8.1f} {percentile(lat, .99):8.1f} {statistics.mean(lat):8.1f}")


if __name__ == "__main__":
    main()
