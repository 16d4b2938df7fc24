"""Benchmark of the bulk listings: the whole synthetic population scanned through
the adapters, each listing's time and requests, side by side in one run with
the baseline of asking one citizen per request.

    .venv/bin/python scripts/bench_bulk.py [--port-base 19800] [--baseline-sample 40] [--out reports/]

1. start-up: `python -m sandbox` to its control port answering, and to its first
   bulk answer (the population is built in a thread after start-up);
2. scans, at the backends' own limits (config.yaml's sandbox profile): pension
   payments for every payroll month from 2025-01 (what a paid-after-death check
   reads), one month (what a double-pension check reads), death registrations
   2025-01-01..2026-10-31, all 低保 households, all company officers;
3. baseline: social insurance's per-citizen query for every person (measured), and
   market regulation's per-citizen query for a sample (it takes ~350 ms a call by
   design), extrapolated to everyone, as stated in the output.

Starts its own sandbox on --port-base and uses Redis at REDIS_URL under a
throw-away key prefix. Requests are counted twice: by the listing (page calls,
429s included) and by the sandbox (every HTTP request it received, retries and
logins included).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
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
from adapters.errors import NotFound  # noqa: E402
from bot.core.config import load_raw  # noqa: E402
from bot.core.redis_hub import RedisHub  # noqa: E402
from sandbox.data import load_world  # noqa: E402
from sandbox.population import SEED, SIZE, generate  # noqa: E402
from sandbox.ports import backend_urls  # noqa: E402
from scripts.bench_adapters import cpu_model  # noqa: E402

DEATHS_FROM, DEATHS_TO = dt.date(2025, 1, 1), dt.date(2026, 10, 31)


def start_sandbox(port_base: int) -> tuple[subprocess.Popen, float, float]:
    """The sandbox process, seconds to /__health 200, and to its first bulk answer."""
    urls = backend_urls(port_base)
    http = requests.Session()
    http.trust_env = False
    try:
        http.get(urls["control"] + "/__health", timeout=0.5)
        raise SystemExit(f"something already answers on port {port_base}: pick another --port-base")
    except requests.RequestException:
        pass
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sandbox",
                             "--rate-limit", "1000000/second",  # measure the code, not the limit
                             "--port-base", str(port_base), "--log-level", "WARNING"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = first_bulk = None
    while time.perf_counter() - started < 30:
        try:
            if ready is None and http.get(urls["control"] + "/__health", timeout=0.5).status_code == 200:
                ready = time.perf_counter() - started
            if ready is not None:
                r = http.get(urls["market_regulation"] + "/scjg/v1/bulk/officers", params={"page_size": 1},
                             headers={"X-Api-Key": "sandbox-scjg-key"}, timeout=10)
                if r.status_code == 200:
                    first_bulk = time.perf_counter() - started
                    break
        except requests.RequestException:
            time.sleep(0.01)
    if first_bulk is None:
        proc.terminate()
        raise SystemExit("the sandbox did not start")
    http.post(urls["control"] + "/__data/restore", timeout=5)  # the probe's quota use forgotten
    return proc, ready, first_bulk


def server_requests(control: str, backend: str) -> int:
    return requests.get(f"{control}/__stats/{backend}", timeout=5).json()["requests"]


def scan(label: str, backend: str, control: str, make_listings) -> dict:
    """Drain one or more listings; what it took."""
    before = server_requests(control, backend)
    started = time.perf_counter()
    records = pages = calls = limited = 0
    waited = 0.0
    for listing in make_listings():
        for _ in listing:
            records += 1
        pages, calls = pages + listing.pages, calls + listing.calls
        limited, waited = limited + listing.rate_limited, waited + listing.waited_s
    seconds = time.perf_counter() - started
    return {"listing": label, "backend": backend, "records": records, "pages": pages, "calls": calls,
            "http_requests": server_requests(control, backend) - before, "rate_limited": limited,
            "waited_s": round(waited, 2), "seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port-base", type=int, default=19800)
    parser.add_argument("--baseline-sample", type=int, default=40, help="market_regulation per-citizen calls")
    parser.add_argument("--out", default="reports", help="where the JSON goes")
    args = parser.parse_args()

    world = load_world()
    gen_times = []
    for _ in range(3):
        pop = generate(SIZE, SEED, reserved_ids=frozenset(world.citizens))
        gen_times.append(pop.seconds)
    people = [p.id_number for p in pop.people]

    proc, ready_s, first_bulk_s = start_sandbox(args.port_base)
    hub = RedisHub(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), f"bench:{uuid.uuid4().hex[:8]}:")
    control = backend_urls(args.port_base)["control"]
    try:
        backends = load_raw(env={}, overrides={"profile": "sandbox"})["backends"]
        for name, url in backend_urls(args.port_base).items():
            if name in backends:
                backends[name]["base_url"] = url
        adapters = build_adapters(backends, hub, "sandbox")
        si, civil, market = adapters.social_insurance, adapters.civil_affairs, adapters.market_regulation
        period = si.payroll_period()
        window = period.months("2025-01")
        rows = [
            scan("pension payments, 1 month (2026-10)", "social_insurance", control,
                 lambda: [si.pension_payments("2026-10")]),
            scan(f"pension payments, {len(window)} months ({window[0]}..{window[-1]})", "social_insurance", control,
                 lambda: [si.pension_payments(m) for m in window]),
            scan(f"death registrations {DEATHS_FROM}..{DEATHS_TO}", "civil_affairs", control,
                 lambda: [civil.death_registrations(DEATHS_FROM, DEATHS_TO)]),
            scan("低保 households", "civil_affairs", control, lambda: [civil.dibao_households()]),
            scan("company officers", "market_regulation", control, lambda: [market.officers()]),
        ]

        # Baseline: one citizen per request.
        before = server_requests(control, "social_insurance")
        started = time.perf_counter()
        for id_number in people:
            try:
                si.account(id_number)
            except NotFound:
                pass
        si_each = time.perf_counter() - started
        si_requests = server_requests(control, "social_insurance") - before
        sample = people[:args.baseline_sample]
        started = time.perf_counter()
        for id_number in sample:
            market.registrations(id_number)
        market_each = (time.perf_counter() - started) / len(sample)
        adapters.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        hub.delete_prefix()

    machine = (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, "
               f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at the end")
    print(f"machine: {machine}")
    print(f"\npopulation: {len(people)} people, seed {SEED}; generated in "
          f"{statistics.median(gen_times) * 1000:.0f} ms (median of 3, in this process)")
    print(f"sandbox: control port up {ready_s:.2f} s after spawn; first bulk answer {first_bulk_s:.2f} s after spawn")
    print("\n| listing | records | pages | listing calls | HTTP requests | 429s | waited s | seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['listing']} | {r['records']} | {r['pages']} | {r['calls']} | {r['http_requests']} | "
              f"{r['rate_limited']} | {r['waited_s']} | {r['seconds']} |")
    total_requests = sum(r["http_requests"] for r in rows if "1 month" not in r["listing"])
    total_seconds = sum(r["seconds"] for r in rows if "1 month" not in r["listing"])
    print(f"\nall four listings (payroll over the window): {total_requests} HTTP requests, {total_seconds:.1f} s")
    print("\n## baseline: one citizen per request\n")
    print(f"social_insurance.account() for each of {len(people)} people: {si_requests} HTTP requests, "
          f"{si_each:.1f} s (measured; {si_each / len(people) * 1000:.2f} ms each)")
    print(f"market_regulation.registrations() per citizen: {market_each * 1000:.0f} ms each "
          f"(measured on {len(sample)}); for {len(people)} people: ~{market_each * len(people) / 60:.0f} min "
          f"(extrapolated)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "people": len(people), "generation_ms": [round(t * 1000) for t in gen_times],
              "sandbox_ready_s": round(ready_s, 3), "first_bulk_s": round(first_bulk_s, 3), "scans": rows,
              "baseline": {"social_insurance_each_s": round(si_each, 2), "social_insurance_requests": si_requests,
                           "market_regulation_each_ms": round(market_each * 1000, 1),
                           "market_regulation_sample": len(sample)}}
    path = out / f"bench_bulk-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nJSON: {path}")


if __name__ == "__main__":
    main()
