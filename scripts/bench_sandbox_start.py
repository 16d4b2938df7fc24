"""Sandbox start-up, before and after a change, side by side in one run: the time
from spawning `python -m sandbox` to its control port answering /__health 200,
for this working tree and for another checkout (the baseline), alternated.

    .venv/bin/python scripts/bench_sandbox_start.py --baseline /path/to/other/checkout [--runs 9]

Also, for this tree, the time to the first bulk answer (the synthetic population
is built in a thread once the servers listen).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def start(tree: Path, port_base: int, bulk: bool) -> tuple[float, float | None]:
    http = requests.Session()
    http.trust_env = False
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "--port-base", str(port_base), "--log-level", "WARNING"],
                            cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = first_bulk = None
    try:
        while time.perf_counter() - started < 30:
            try:
                if ready is None and http.get(f"http://127.0.0.1:{port_base}/__health", timeout=0.2).status_code == 200:
                    ready = time.perf_counter() - started
                    if not bulk:
                        break
                if ready is not None and http.get(
                        f"http://127.0.0.1:{port_base + 6}/scjg/v1/bulk/officers", params={"page_size": 1},
                        headers={"X-Api-Key": "sandbox-scjg-key"}, timeout=10).status_code == 200:
                    first_bulk = time.perf_counter() - started
                    break
            except requests.RequestException:
                time.sleep(0.005)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    if ready is None:
        raise SystemExit(f"the sandbox of {tree} did not start")
    return ready, first_bulk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="a checkout of the commit to compare with")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--port-base", type=int, default=19900)
    args = parser.parse_args()
    base, here, bulk = [], [], []
    for _ in range(args.runs):
        base.append(start(args.baseline, args.port_base, False)[0])
        ready, first = start(ROOT, args.port_base, True)
        here.append(ready)
        bulk.append(first)
    fmt = lambda xs: f"median {statistics.median(xs):.3f} s, min {min(xs):.3f}, max {max(xs):.3f}"  # noqa: E731
    print(f"runs: {args.runs} each, alternated")
    print(f"baseline ({args.baseline}): control port up: {fmt(base)}")
    print(f"this tree ({ROOT}): control port up: {fmt(here)}; first bulk answer: {fmt(bulk)}")


if __name__ == "__main__":
    main()
