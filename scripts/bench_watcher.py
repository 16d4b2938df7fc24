"""Benchmark of the progress-notification watcher: its cost per subscribed citizen per hour.

Seeds N citizens, each with one 12345 work order in the sandbox (created over HTTP), bound to a
mini-program user and subscribed with one grant; then measures, with the watcher's own code in
this process (time.process_time: this process's CPU, all threads; the backend calls counted by
the sandbox itself, GET /__stats):

1. a polling round: every matter due once, nothing changed (the usual case);
2. an idle tick: nothing due, nothing waiting;
3. a round where 10 % of the orders moved on (POST /__data/advance): noticing and telling,
   the subscribe messages sent to the WeChat simulator;
4. the baseline, side by side in the same run: watching by re-reading each citizen's whole
   ledger (adapters.fanout.collect_affairs, what "我的办件" does), for a sample of the citizens.

and turns them into the cost per citizen per hour at the settings' schedule (config.yaml
`notifications:` poll_every_s and tick_s), plus how many watched matters one backend's budget
(backend_share of its stated rate) can carry at that schedule.

    .venv/bin/python scripts/bench_watcher.py [--citizens 1000] [--sandbox-port-base 19750] [--sim-port 19760]

Starts its own sandbox (its rate limit lifted: the measure is the watcher's code; the schedule
figures use the limit the backends state by default) and WeChat simulator, and uses Redis at
REDIS_URL under a throw-away key prefix.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from adapters.fanout import collect_affairs  # noqa: E402
from bot.core.settings import load_settings  # noqa: E402
from bot.notifications.settings import load_notification_settings  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from sandbox.backends.base import DEFAULT_RATE_LIMIT  # noqa: E402
from sandbox.identifiers import resident_id  # noqa: E402
from sandbox.ports import backend_urls  # noqa: E402

GD_KEY = {"X-Auth-Token": "sandbox-12345-key"}


def wait_http(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url, timeout=0.5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start")
        time.sleep(0.1)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def backend_calls(urls: dict) -> int:
    stats = requests.get(urls["control"] + "/__stats/workorders", timeout=5).json()
    return int(stats.get("requests", 0))


def seed(n: int, urls: dict, runtime) -> list[tuple[str, str, str]]:
    """N citizens, one open work order each, bound and subscribed with one grant."""
    http = requests.Session()
    store, template = runtime.services.subscriptions, load_notification_settings(runtime.settings.extra).mp_template_id
    people = []
    for i in range(n):
        id_number = resident_id("510104", dt.date(1970, 1, 1) + dt.timedelta(days=i % 15000), 100 + i % 800)
        r = http.post(urls["workorders"] + "/gd/api/orders", headers={**GD_KEY, "Idempotency-Key": uuid.uuid4().hex},
                      json={"topic": "noise", "department": "生态环境局", "content": f"测试工单{i}", "district": "武侯区",
                            "citizenId": id_number}, timeout=10)
        r.raise_for_status()
        ref = r.json()["order"]["orderNo"]
        user_key = f"miniprogram:oBench{i}"
        runtime.identity.bind(user_key, id_number, "测试", "138****0000")
        store.subscribe(runtime.identity.id_hash(id_number), ref, backend="workorders", item="12345 工单",
                        status="已受理", by=user_key)
        store.add_grants(user_key, template, 1)
        people.append((id_number, ref, user_key))
    return people


def all_due(runtime, at: float = 0) -> None:
    """Every watched matter due at `at` (0: now)."""
    store = runtime.services.subscriptions
    members = store.hub.text.zrange(store.due_key, 0, -1)
    if members:
        store.hub.text.zadd(store.due_key, {m: at for m in members})


def round_cost(watcher, runtime, urls: dict, n: int) -> dict:
    """CPU and backend calls for polling every matter once."""
    all_due(runtime)
    calls0, cpu0, wall0 = backend_calls(urls), time.process_time(), time.perf_counter()
    polled = changes = sent = 0
    while True:
        stats = watcher.run_once()
        polled, changes, sent = polled + stats.polled, changes + stats.changes, sent + stats.sent_mp
        if stats.polled == 0 or polled >= n:
            break
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"polled": polled, "changes": changes, "sent": sent, "cpu_s": cpu, "wall_s": wall,
            "backend_calls": backend_calls(urls) - calls0}   # /__stats is on the control port: not counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--idle-ticks", type=int, default=300)
    parser.add_argument("--sandbox-port-base", type=int, default=19750)
    parser.add_argument("--sim-port", type=int, default=19760)
    args = parser.parse_args()

    urls = backend_urls(args.sandbox_port_base)
    logs = open(os.devnull, "wb")
    sandbox = subprocess.Popen([sys.executable, "-m", "sandbox", "--rate-limit", "1000000/second",
                                "--population-size", "1000", "--port-base", str(args.sandbox_port_base),
                                "--log-level", "WARNING"], cwd=ROOT, stdout=logs, stderr=logs)
    sim = subprocess.Popen([sys.executable, "-m", "sandbox.wechat_sim", "--port", str(args.sim_port)], cwd=ROOT,
                           stdout=logs, stderr=logs)
    prefix = f"bench-watcher:{uuid.uuid4().hex[:8]}:"
    runtime = None
    try:
        wait_http(urls["control"] + "/__health", sandbox, "the sandbox")
        wait_http(f"http://127.0.0.1:{args.sim_port}/__sim/stats", sim, "the WeChat simulator")
        overrides = {"redis.key_prefix": prefix, "records.url": f"sqlite:///{tempfile.mkdtemp()}/records.sqlite3",
                     "wechat.api_base_url": f"http://127.0.0.1:{args.sim_port}", "app.log_level": "WARNING"}
        overrides.update({f"backends.{k}.base_url": v for k, v in urls.items() if k != "control"})
        runtime = build_runtime(load_settings(env={}, overrides=overrides))
        schedule = load_notification_settings(runtime.settings.extra)
        watcher = runtime.watcher()
        # Unthrottled for the measure (the budget would only spread the same work over time).
        watcher.settings = dataclasses.replace(schedule, poll_every_s=10 ** 6, retry_s=0, backend_share=1,
                                               backend_rate_per_s={"default": 10 ** 6})
        t0 = time.perf_counter()
        people = seed(args.citizens, urls, runtime)
        seeded_s = time.perf_counter() - t0
        watcher.run_once()                     # warm: connections, scripts loaded
        rounds = [round_cost(watcher, runtime, urls, args.citizens) for _ in range(args.rounds)]

        all_due(runtime, at=10 ** 12)          # nothing due
        cpu0 = time.process_time()
        for _ in range(args.idle_ticks):
            watcher.run_once()
        idle_cpu = (time.process_time() - cpu0) / args.idle_ticks

        moved = people[::10]
        for _id, ref, _uk in moved:
            requests.post(urls["control"] + "/__data/advance", json={"ref": ref}, timeout=5).raise_for_status()
        change_round = round_cost(watcher, runtime, urls, args.citizens)
        received = requests.get(f"http://127.0.0.1:{args.sim_port}/__sim/received", params={"kind": "subscribe"},
                                timeout=10).json()["received"]

        sample = people[:args.baseline_sample]
        ledger_backends = len(runtime.adapters.ledger_sources())
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for id_number, _ref, _uk in sample:
            collect_affairs(runtime.adapters, id_number, 10.0)
        base_cpu = (time.process_time() - cpu0) / len(sample)
        base_wall = (time.perf_counter() - wall0) / len(sample)
    finally:
        for proc in (sandbox, sim):
            proc.terminate()
            proc.wait(timeout=15)
        if runtime is not None:
            runtime.hub.delete_prefix()

    cpu_per_poll = statistics.median(r["cpu_s"] / r["polled"] for r in rounds)
    calls_per_poll = statistics.median(r["backend_calls"] / r["polled"] for r in rounds)
    polls_per_hour = 3600 / schedule.poll_every_s
    ticks_per_hour = 3600 / schedule.tick_s
    rate = float(DEFAULT_RATE_LIMIT.split("/")[0])
    budget = rate * schedule.backend_share
    result = {
        "machine": machine(), "citizens": args.citizens, "seeded_s": round(seeded_s, 1),
        "schedule": {"poll_every_s": schedule.poll_every_s, "tick_s": schedule.tick_s,
                     "backend_share": schedule.backend_share, "backend_stated_rate": DEFAULT_RATE_LIMIT},
        "round": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rounds],
        "cpu_ms_per_poll": round(cpu_per_poll * 1000, 3),
        "backend_calls_per_poll": round(calls_per_poll, 3),
        "idle_tick_cpu_ms": round(idle_cpu * 1000, 3),
        "change_round": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in change_round.items()},
        "changes_told": len(received), "orders_moved": len(moved),
        "per_citizen_per_hour": {
            "cpu_s": round(polls_per_hour * cpu_per_poll + ticks_per_hour * idle_cpu / args.citizens, 5),
            "backend_calls": round(polls_per_hour * calls_per_poll, 2)},
        "baseline_whole_ledger_per_citizen_per_hour": {
            "cpu_s": round(polls_per_hour * base_cpu, 5), "backend_calls": polls_per_hour * ledger_backends,
            "wall_ms_per_read": round(base_wall * 1000, 1), "sample": len(sample)},
        "matters_one_backend_budget_carries": int(budget * schedule.poll_every_s),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
