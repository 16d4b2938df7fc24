"""Benchmark of the adapter layer, side by side in one run:

1. per-call overhead: the exit-entry adapter (breaker check in Redis, auth,
   retry policy, error translation, parsing into a frozen dataclass) against a
   bare requests.Session GET of the same URL with the same headers (+ .json());
   N sequential calls each, interleaved in blocks so both see the same machine;
2. fan-out: collect_affairs() over all ledger backends against the slowest
   single backend's affairs() (and the sum of all of them).

    .venv/bin/python scripts/bench_adapters.py [--calls 2000] [--fanout-runs 30]

Starts its own sandbox (port base 19700 unless --port-base) and uses Redis at
REDIS_URL (default redis://127.0.0.1:6379/0) under a throw-away key prefix.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from adapters import build_adapters  # noqa: E402
from adapters.fanout import collect_affairs, shutdown  # noqa: E402
from bot.core.config import load_raw  # noqa: E402
from bot.core.redis_hub import RedisHub  # noqa: E402
from sandbox.ports import backend_urls  # noqa: E402
from scripts.benchstats import percentile  # noqa: E402

WANG = "510104198506122310"
APPLICATION = "CJ20261101000123"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def summary(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)
    return {"p50": statistics.median(ms), "p99": percentile(ms, .99),
            "mean": statistics.fmean(ms)}


def start_sandbox(port_base: int) -> subprocess.Popen:
    control = backend_urls(port_base)["control"] + "/__health"
    try:
        requests.get(control, timeout=0.5)
        raise SystemExit(f"something already answers on port {port_base}: pick another --port-base")
    except requests.RequestException:
        pass
    proc = subprocess.Popen([sys.executable, "-m", "sandbox",
                             "--rate-limit", "1000000/second",  # measure the code, not the limit
                             "--port-base", str(port_base), "--log-level", "WARNING"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(control, timeout=0.5).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the sandbox did not start")


def build(port_base: int, hub: RedisHub):
    backends = load_raw(env={}, overrides={"profile": "sandbox"})["backends"]
    urls = backend_urls(port_base)
    for name, settings in backends.items():
        settings["base_url"] = urls[name]
    return build_adapters(backends, hub, "sandbox"), backends


def bench_overhead(adapters, settings: dict, calls: int, block: int = 100) -> dict[str, dict]:
    url = f"{settings['exit_entry']['base_url']}/crj/api/v1/endorsements/{APPLICATION}"
    bare = requests.Session()
    bare.trust_env = False
    # The ID travels in a header, as the adapter sends it (never in the URL: the sandbox refuses that).
    headers = {"Authorization": f"ApiKey {settings['exit_entry']['api_key']}", "X-Sfzh": WANG}
    timeout = (settings["exit_entry"]["connect_timeout_s"], settings["exit_entry"]["read_timeout_s"])

    def bare_call():
        r = bare.get(url, headers=headers, timeout=timeout)
        r.raise_for_status()
        return r.json()

    def adapter_call():
        return adapters.exit_entry.application(APPLICATION, WANG)

    def breaker_only():
        adapters.exit_entry.breaker.after_success(adapters.exit_entry.breaker.before_call())

    for fn in (bare_call, adapter_call, breaker_only):  # warm up
        for _ in range(50):
            fn()
    samples: dict[str, list[float]] = {"bare requests.Session": [], "adapter": [], "breaker check alone": []}
    fns = {"bare requests.Session": bare_call, "adapter": adapter_call, "breaker check alone": breaker_only}
    done = 0
    while done < calls:
        n = min(block, calls - done)
        for label, fn in fns.items():
            for _ in range(n):
                t = time.perf_counter()
                fn()
                samples[label].append(time.perf_counter() - t)
        done += n
    return {label: summary(s) for label, s in samples.items()}


def bench_fanout(adapters, runs: int) -> tuple[dict[str, float], float]:
    singles: dict[str, list[float]] = {a.name: [] for a in adapters.ledger_sources()}
    fan: list[float] = []
    collect_affairs(adapters, WANG, deadline_s=5)  # warm up the pool and tokens
    for _ in range(runs):
        for a in adapters.ledger_sources():
            t = time.perf_counter()
            a.affairs(WANG)
            singles[a.name].append(time.perf_counter() - t)
        t = time.perf_counter()
        result = collect_affairs(adapters, WANG, deadline_s=5)
        fan.append(time.perf_counter() - t)
        assert not result.missing, result.missing
    return ({name: statistics.median(s) * 1000 for name, s in singles.items()}, statistics.median(fan) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--fanout-runs", type=int, default=30)
    parser.add_argument("--port-base", type=int, default=19700)
    args = parser.parse_args()

    proc = start_sandbox(args.port_base)
    hub = RedisHub(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), f"bench:{uuid.uuid4().hex[:8]}:")
    try:
        adapters, settings = build(args.port_base, hub)
        overhead = bench_overhead(adapters, settings, args.calls)
        singles, fan_ms = bench_fanout(adapters, args.fanout_runs)
    finally:
        shutdown()
        proc.terminate()
        proc.wait(timeout=10)
        hub.delete_prefix()

    print(f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, "
          f"Python {platform.python_version()}, requests {requests.__version__}")
    print(f"\n## per-call overhead ({args.calls} sequential calls each, GET exit_entry application)\n")
    print("| path | p50 ms | p99 ms | mean ms |\n|---|---:|---:|---:|")
    for label, s in overhead.items():
        print(f"| {label} | {s['p50']:.3f} | {s['p99']:.3f} | {s['mean']:.3f} |")
    a, b = overhead["adapter"], overhead["bare requests.Session"]
    print(f"\nadapter overhead: p50 {a['p50'] - b['p50']:+.3f} ms, mean {a['mean'] - b['mean']:+.3f} ms per call")
    slowest = max(singles, key=singles.get)
    print(f"\n## fan-out ({args.fanout_runs} runs, medians, citizen 王建国, {len(singles)} backends)\n")
    print("| backend | affairs() alone, ms |\n|---|---:|")
    for name, ms in sorted(singles.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {ms:.1f} |")
    print(f"\nsum of all: {sum(singles.values()):.1f} ms; slowest ({slowest}): {singles[slowest]:.1f} ms; "
          f"fan-out: {fan_ms:.1f} ms = {fan_ms / singles[slowest]:.2f} x the slowest")


if __name__ == "__main__":
    main()
