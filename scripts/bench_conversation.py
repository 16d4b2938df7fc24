#!/usr/bin/env python3
"""Per-turn latency of a binding + query conversation through the real stack,
and the ledger's answer time for 王建国 against its slowest single backend.

    .venv/bin/python scripts/bench_conversation.py [--reps 50] [--nlu-url URL] [--redis-url URL]

Real parts only: the Rasa server (started from the current model unless --nlu-url
answers), the sandbox backends (started on --sandbox-port-base), Redis (a
throw-away key prefix, deleted afterwards). Each repetition is a new citizen
(new channel user id), so binding really happens every time. The NLU parse cache
is measured both ways: warm (the repeated texts are cached, as in production for
common messages) and off (every turn asks Rasa). Prints Markdown.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.fanout import collect_affairs  # noqa: E402
from bot.core.messages import Incoming  # noqa: E402
from bot.core.redis_hub import RedisHub  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.core.settings import load_settings  # noqa: E402
from sandbox.ports import backend_urls  # noqa: E402
from scripts import nlu_model  # noqa: E402
from scripts.benchstats import percentile  # noqa: E402

WANG_ID = "510104198506122310"
CONVERSATION = [
    ("ask to bind", "我要实名认证"),
    ("name", "王建国"),
    ("ID number (verify + SMS)", WANG_ID),
    ("SMS code (bind)", "123456"),
    ("housing fund", "公积金余额"),
    ("social insurance", "社保缴费记录"),
    ("endorsement by number", "CJ20261101000123到哪了"),
    ("ledger (all backends)", "我的办件"),
    ("ledger filter", "还没办完的"),
    ("thanks + rating prompt", "谢谢"),
]


def wait_for(url: str, timeout_s: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit(f"{url} did not answer within {timeout_s:.0f} s")


def start_parts(args) -> tuple[list[subprocess.Popen], str]:
    procs = []
    logs = open(os.devnull, "wb")
    procs.append(subprocess.Popen([sys.executable, "-m", "sandbox",
                             "--rate-limit", "1000000/second",  # measure the code, not the limit
                             "--host", "127.0.0.1", "--port-base",
                                   str(args.sandbox_port_base)], cwd=ROOT, stdout=logs, stderr=logs))
    nlu_url = args.nlu_url
    try:
        up = bool(requests.get(f"{nlu_url}/status", timeout=1).json().get("model_file")) if nlu_url else False
    except (requests.RequestException, ValueError):
        up = False
    if not up:
        model = nlu_model.model_path()
        if not model.exists():
            sys.exit(f"no NLU model for the current nlu_data/ ({model.name}); run `make model`")
        port = args.nlu_port
        nlu_url = f"http://127.0.0.1:{port}"
        procs.append(subprocess.Popen([str(nlu_model.RASA), "run", "--enable-api", "-m", str(model), "-i",
                                       "127.0.0.1", "-p", str(port)], cwd=ROOT, stdout=logs, stderr=logs))
        print(f"starting Rasa with {model.name} ...", file=sys.stderr)
        wait_for(f"{nlu_url}/status", 300, procs[-1])
    wait_for(backend_urls(args.sandbox_port_base)["control"] + "/__health", 30, procs[0])
    return procs, nlu_url


def runtime_for(args, nlu_url: str, prefix: str, cache_ttl_s: int):
    overrides = {"redis.url": args.redis_url, "redis.key_prefix": prefix, "nlu.url": nlu_url,
                 "nlu.cache_ttl_s": cache_ttl_s,
                 # Every repetition binds the same seeded citizen: lift the daily SMS cap (5) for it.
                 "identity_binding.daily_codes_per_id": 100, "identity_binding.daily_codes_per_phone": 100}
    for name, url in backend_urls(args.sandbox_port_base).items():
        if name != "control":
            overrides[f"backends.{name}.base_url"] = url
    return build_runtime(load_settings(env={}, overrides=overrides))


def conversation_latencies(rt, reps: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name, _ in CONVERSATION}
    for _ in range(reps):
        user = uuid.uuid4().hex[:12]
        for name, text in CONVERSATION:
            started = time.perf_counter()
            rt.dispatcher.handle(Incoming(channel="bench", user_id=user, text=text))
            times[name].append((time.perf_counter() - started) * 1000)
        rt.dispatcher.forget_user(f"bench:{user}")
    return times


def ledger_latencies(rt, reps: int) -> tuple[list[float], dict[str, list[float]]]:
    adapters = rt.adapters
    sources = adapters.ledger_sources()
    deadline = rt.services.service_settings.ledger.deadline_s
    total, single = [], {a.name: [] for a in sources}
    for _ in range(reps):
        for a in sources:
            started = time.perf_counter()
            a.affairs(WANG_ID)
            single[a.name].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        result = collect_affairs(adapters, WANG_ID, deadline)
        total.append((time.perf_counter() - started) * 1000)
        if result.missing:
            print(f"warning: ledger incomplete: {result.missing}", file=sys.stderr)
    return total, single


def table(rows: list[tuple[str, list[float]]]) -> str:
    out = ["| turn | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|"]
    for name, values in rows:
        out.append(f"| {name} | {percentile(values, .50):.1f} | {percentile(values, .99):.1f} | {max(values):.1f} |")
    return "\n".join(out)


def machine() -> str:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs (nproc), {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--nlu-url", default=None, help="a Rasa server with the current model (else one is started)")
    ap.add_argument("--nlu-port", type=int, default=15205)
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--sandbox-port-base", type=int, default=19700)
    args = ap.parse_args()

    procs, nlu_url = start_parts(args)
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    try:
        warm = runtime_for(args, nlu_url, prefix + "warm:", cache_ttl_s=86400)
        cold = runtime_for(args, nlu_url, prefix + "cold:", cache_ttl_s=0)
        conversation_latencies(warm, 2)            # warm-up: connections, tokens, parse cache
        with_cache = conversation_latencies(warm, args.reps)
        without_cache = conversation_latencies(cold, args.reps)
        ledger, single = ledger_latencies(warm, args.reps)

        print(f"Machine: {machine()}\nRepetitions: {args.reps} (each a new citizen)\n")
        print("### Per turn, NLU parse cache warm\n")
        print(table(list(with_cache.items())))
        all_warm = [v for vs in with_cache.values() for v in vs]
        all_cold = [v for vs in without_cache.values() for v in vs]
        print(f"\nAll turns: p50 {percentile(all_warm, .50):.1f} ms, p99 {percentile(all_warm, .99):.1f} ms\n")
        print("### Per turn, NLU parse cache off (every turn asks Rasa)\n")
        print(table(list(without_cache.items())))
        print(f"\nAll turns: p50 {percentile(all_cold, .50):.1f} ms, p99 {percentile(all_cold, .99):.1f} ms\n")
        print("### Ledger for 王建国 (collect_affairs) against each backend alone\n")
        rows = [("ledger, all backends in parallel", ledger)]
        rows += sorted(((f"{name} alone", v) for name, v in single.items()), key=lambda r: -percentile(r[1], .50))
        print(table(rows).replace("| turn |", "| call |"))
        slowest = max(single, key=lambda n: percentile(single[n], .50))
        print(f"\nSlowest single backend: {slowest} (p50 {percentile(single[slowest], .50):.1f} ms); "
              f"ledger p50 {percentile(ledger, .50):.1f} ms; sum of all backends p50 "
              f"{sum(percentile(v, .50) for v in single.values()):.1f} ms")
    finally:
        RedisHub(args.redis_url, prefix).delete_prefix()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
