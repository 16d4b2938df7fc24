#!/usr/bin/env python3
"""Overload of POST /wechat (docs/benchmarks.md, "never late under overload"), as WeChat sends it.

    make run                                       # terminal 1: Redis, sandbox, WeChat simulator, Rasa
    .venv/bin/python scripts/bench_overload.py --baseline /path/to/a/checkout/of/main
    .venv/bin/python scripts/bench_overload.py --baseline ../main --production-conf --rounds 3

After a warm-up (`--warmup` 5 s at 50 connections, not counted), `--connections` (700)
closed-loop clients for `--duration` (20) seconds, all starting at once. Every message is new: a
unique text, its own citizen (openid) and MsgId; each is stamped (`timestamp`, CreateTime) and
signed at the moment it is sent, as WeChat does, on a new connection. For each target — the
baseline checkout's code and this one's, one after the other on the same stack — the script starts
gunicorn (same workers and threads) and the job workers from that directory, runs the load, waits
for the queued turns to drain, and reports:

- the passive reply's delay from WeChat's `timestamp` (p50, p99, max) and how many left after 5 s
  (WeChat has given up on those by then);
- every message answered exactly once: a real passive reply and no customer-service message, or
  "on its way" (or a passive reply WeChat never saw) and exactly one customer-service message,
  counted from the simulator's /__sim/received.

With `--production-conf` each target's gunicorn runs with that target's own deploy/gunicorn.conf.py
(its threads, backlog and worker connections); `--rounds N` runs the targets in alternation N times.
The JSON goes to reports/bench_overload.json. Nothing is retried: the figures are the first copy's.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.wechat_oa.render import cdata  # noqa: E402
from bot.channels.wechat_oa.signing import sha1_signature  # noqa: E402
from bot.channels.wechat_oa.webhook import ON_ITS_WAY  # noqa: E402
from bot.core.redis_hub import RedisHub  # noqa: E402
from scripts.bench_webhook import ACCOUNT, DISTRICTS, ITEMS, TOKEN, UNIQUE, machine  # noqa: E402
from scripts.benchstats import percentile  # noqa: E402

CONTENT = re.compile(rb"<Content><!\[CDATA\[(.*?)\]\]></Content>", re.S)
WECHAT_LIMIT_S = 5.0


class Load:
    """Closed-loop clients: each sends one new message, waits for its reply, sends the next."""

    def __init__(self, host: str, port: int, run_id: str, seed: int):
        self.host, self.port, self.run_id = host, port, run_id
        self.rng = random.Random(seed)
        self.numbers = itertools.count(1)
        self.results: list[dict] = []

    def _text(self, n: int) -> str:
        template = self.rng.choice(UNIQUE)
        text = template.format(d=self.rng.choice(DISTRICTS), i=self.rng.choice(ITEMS), n=self.rng.randint(1, 99999),
                               h=self.rng.randint(9, 12), w="一二三四五"[self.rng.randint(0, 4)],
                               m=self.rng.randint(1, 12), m2=self.rng.randint(1, 12), k=self.rng.randint(2, 999))
        return f"{text}（{n}）"          # unique whatever the template drew

    def _request(self, n: int) -> tuple[bytes, str, int]:
        openid = f"oOvl{self.run_id}{n:07d}"
        now = int(time.time())            # stamped and signed now, at sending
        nonce = str(self.rng.getrandbits(40))
        xml = (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
               f"<CreateTime>{now}</CreateTime><MsgType>{cdata('text')}</MsgType>"
               f"<Content>{cdata(self._text(n))}</Content><MsgId>{int(self.run_id, 16) * 10**8 + n}</MsgId></xml>"
               ).encode()
        q = urllib.parse.urlencode({"signature": sha1_signature(TOKEN, str(now), nonce), "timestamp": now,
                                    "nonce": nonce, "openid": openid})
        head = (f"POST /wechat?{q} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: text/xml\r\n"
                f"Content-Length: {len(xml)}\r\nConnection: close\r\n\r\n").encode()
        return head + xml, openid, now

    async def _one(self) -> None:
        n = next(self.numbers)
        request, openid, stamped = self._request(n)
        sent = time.time()
        row = {"openid": openid, "timestamp": stamped, "sent": sent}
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
            writer.write(request)
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(-1), timeout=60)
            writer.close()
            row["received"] = time.time()
            status = raw.split(b" ", 2)[1] if raw.startswith(b"HTTP/") else b"0"
            row["status"] = int(status)
            m = CONTENT.search(raw)
            row["content"] = m.group(1).decode() if m else ("success" if raw.endswith(b"success") else "")
        except (OSError, asyncio.TimeoutError) as e:
            row["error"] = type(e).__name__
        self.results.append(row)

    async def run(self, connections: int, duration_s: float) -> None:
        stop_at = time.monotonic() + duration_s

        async def client():
            while time.monotonic() < stop_at:
                await self._one()
        await asyncio.gather(*(client() for _ in range(connections)))


def start_target(name: str, code: Path, port: int, args, stack_env: dict, log_dir: Path) -> list[subprocess.Popen]:
    prefix = f"bench:ovl:{name}:{os.getpid()}:"
    env = {**stack_env, "APP__REDIS__KEY_PREFIX": json.dumps(prefix), "APP_PROFILE": "sandbox",
           "DATABASE_URL": f"sqlite:///{log_dir / (name + '-records.sqlite3')}",
           "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix=f"ovl-{name}-"), "PYTHONPATH": str(code)}
    env.pop("APP_CLOCK", None)
    procs = []
    for i in range(args.job_workers):
        procs.append(subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "bot.worker"], cwd=code, env=env,
                                      stdout=open(log_dir / f"{name}-worker-{i}.log", "wb"), stderr=subprocess.STDOUT,
                                      start_new_session=True))
    if args.production_conf:
        # Each target as production runs it: its own deploy/gunicorn.conf.py (threads, backlog,
        # worker connections), with only the address and the number of processes given.
        env.update(HOST="127.0.0.1", PORT=str(port), WEB_WORKERS=str(args.web_workers))
        for name_ in ("WEB_THREADS", "WEB_BACKLOG", "WEB_WORKER_CONNECTIONS"):
            env.pop(name_, None)
        argv = [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:create_app()"]
    else:
        argv = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers),
                "--threads", str(args.web_threads), "--timeout", "60", "--backlog", "2048", "app:create_app()"]
    procs.append(subprocess.Popen(
        argv,
        cwd=code, env=env, stdout=open(log_dir / f"{name}-web.log", "wb"), stderr=subprocess.STDOUT,
        start_new_session=True))
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or procs[-1].poll() is not None:
            stop(procs)
            sys.exit(f"{name}: the web app did not start (see {log_dir}/{name}-web.log)")
        time.sleep(0.3)
    procs[-1].prefix = prefix    # type: ignore[attr-defined]
    return procs


def stop(procs: list[subprocess.Popen], wait_s: float = 30) -> None:
    """SIGTERM each process group, then SIGKILL what has not ended within wait_s."""
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(wait_s)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def customer_service_by_user(sim_url: str, run_id: str) -> tuple[dict[str, int], int]:
    """This run's customer-service messages by citizen, and how many the simulator holds in all."""
    got = requests.get(f"{sim_url}/__sim/received", params={"kind": "custom"}, timeout=30).json()["received"]
    counts: dict[str, int] = {}
    for m in got:
        user = m["body"].get("touser", "")
        if user.startswith(f"oOvl{run_id}"):
            counts[user] = counts.get(user, 0) + 1
    return counts, len(got)


def wait_for_drain(sim_url: str, run_id: str, expected: int, quiet_s: float, max_s: float) -> dict[str, int]:
    """The customer-service messages, once `expected` users have one or nothing new came for quiet_s."""
    deadline, last, last_change = time.monotonic() + max_s, -1, time.monotonic()
    while True:
        # quiet: nothing new at all (the warm-up's queued answers go out first, in order)
        counts, total = customer_service_by_user(sim_url, run_id)
        if total != last:
            last, last_change = total, time.monotonic()
        if len(counts) >= expected or time.monotonic() - last_change > quiet_s or time.monotonic() > deadline:
            return counts
        time.sleep(1)


def _by_second(rows: list[dict], t0: float) -> dict[int, int]:
    counts: dict[int, int] = {}
    for r in rows:
        counts[int(r["sent"] - t0)] = counts.get(int(r["sent"] - t0), 0) + 1
    return dict(sorted(counts.items()))


def summarise(rows: list[dict], cs: dict[str, int]) -> dict:
    answered = [r for r in rows if "received" in r]
    delays = [r["received"] - r["timestamp"] for r in answered]
    ok = [r for r in answered if r.get("status") == 200]
    in_time = {id(r) for r in ok if r["received"] - r["timestamp"] <= WECHAT_LIMIT_S}
    exactly_once = 0
    for r in rows:
        seen_by_wechat = id(r) in in_time
        passive_answer = seen_by_wechat and r.get("content") not in ("", "success", ON_ITS_WAY)
        later = cs.get(r["openid"], 0)
        if (passive_answer and later == 0) or (not passive_answer and later == 1):
            exactly_once += 1
    return {
        "messages": len(rows),
        "replies": len(answered),
        "errors": len(rows) - len(answered),
        "non_200": len(answered) - len(ok),
        "delay_from_timestamp_s": {"p50": round(percentile(delays, 0.5), 3), "p99": round(percentile(delays, 0.99), 3),
                                   "max": round(max(delays), 3)} if delays else None,
        "over_4_5_s": sum(d > 4.5 for d in delays),
        "over_5_s": sum(d > WECHAT_LIMIT_S for d in delays),
        # when the late ones were sent, by second of the run: a warm-up burst, or all along?
        "over_5_s_by_second_sent": _by_second([r for r in answered if r["received"] - r["timestamp"] > WECHAT_LIMIT_S],
                                              min((r["sent"] for r in rows), default=0)),
        "on_its_way": sum(r.get("content") == ON_ITS_WAY for r in answered),
        "customer_service_messages": sum(cs.values()),
        "answered_exactly_once": exactly_once,
        "not_exactly_once": len(rows) - exactly_once,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--baseline", type=Path, help="a checkout of the code to compare with (e.g. main)")
    p.add_argument("--baseline-commit", default="", help="its commit, when the checkout is no git work tree")
    p.add_argument("--connections", type=int, default=700)
    p.add_argument("--duration", type=float, default=20)
    p.add_argument("--warmup", type=float, default=5, help="seconds of warm-up before measuring (0: none)")
    p.add_argument("--warmup-connections", type=int, default=50)
    p.add_argument("--web-workers", type=int, default=2)
    p.add_argument("--web-threads", type=int, default=8)
    p.add_argument("--job-workers", type=int, default=2)
    p.add_argument("--production-conf", action="store_true",
                   help="run each target's gunicorn with its own deploy/gunicorn.conf.py (--web-threads unused)")
    p.add_argument("--rounds", type=int, default=1, help="the targets in alternation, this many times")
    p.add_argument("--port", type=int, default=8091, help="port of the target under test")
    p.add_argument("--drain-s", type=float, default=180, help="longest wait for the queued answers")
    p.add_argument("--seed", type=int, default=20261204)
    p.add_argument("--out", type=Path, default=ROOT / "reports")
    args = p.parse_args()

    stack_env = {**os.environ}
    stack_env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    stack_env.setdefault("NLU_URL", "http://127.0.0.1:5005")
    sim_url = stack_env.setdefault("WECHAT_API_BASE_URL", f"http://127.0.0.1:{os.environ.get('WECHAT_SIM_PORT', '9200')}")
    base = int(os.environ.get("SANDBOX_PORT_BASE", "9100"))
    from sandbox.ports import backend_urls
    for name, url in backend_urls(base).items():
        if name != "control":
            stack_env.setdefault(f"APP__BACKENDS__{name.upper()}__BASE_URL", url)

    targets = ([("baseline", args.baseline.resolve())] if args.baseline else []) + [("this", ROOT)]
    args.out.mkdir(parents=True, exist_ok=True)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-overload-"))
    report = {"machine": machine(), "connections": args.connections, "duration_s": args.duration,
              "web_workers": args.web_workers, "web_threads": args.web_threads, "job_workers": args.job_workers,
              "production_conf": args.production_conf, "rounds": args.rounds, "targets": {}}
    runs = [(r, i, name, code) for r in range(args.rounds) for i, (name, code) in enumerate(targets)]
    for round_, i, name, code in runs:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=code, capture_output=True,
                                text=True).stdout.strip() or args.baseline_commit
        print(f"round {round_ + 1}, {name}: {code} ({commit}), load {os.getloadavg()[0]:.1f} ...", flush=True)
        procs = start_target(name, code, args.port, args, stack_env, log_dir)
        run_id = os.urandom(3).hex()     # the citizens of this run only (the simulator keeps earlier runs' messages)
        try:
            if args.warmup > 0:
                # A freshly started server is slow for its first requests (connections to Redis,
                # Rasa and the backends, lazy imports): warmed like a running system, then measured.
                warm = Load("127.0.0.1", args.port, os.urandom(3).hex(), args.seed + 100 + i)
                asyncio.run(warm.run(args.warmup_connections, args.warmup))
            load = Load("127.0.0.1", args.port, run_id, args.seed + i)
            started = time.monotonic()
            asyncio.run(load.run(args.connections, args.duration))
            elapsed = time.monotonic() - started
            deferred = sum(r.get("content") == ON_ITS_WAY for r in load.results)
            late = sum("received" in r and r["received"] - r["timestamp"] > WECHAT_LIMIT_S for r in load.results)
            cs = wait_for_drain(sim_url, run_id, deferred + late, quiet_s=15, max_s=args.drain_s)
        finally:
            stop(procs)
            RedisHub(stack_env["REDIS_URL"], procs[-1].prefix).delete_prefix()
        summary = {"code": str(code), "commit": commit, "round": round_ + 1, "elapsed_s": round(elapsed, 1),
                   "replies_per_s": round(sum("received" in r for r in load.results) / elapsed, 1),
                   **summarise(load.results, cs)}
        report["targets"].setdefault(name, []).append(summary)
        print(json.dumps(summary, ensure_ascii=False, indent=1), flush=True)
    for name, rounds in report["targets"].items():
        print(f"{name}: " + " | ".join(
            f"p99 {r['delay_from_timestamp_s']['p99'] if r['delay_from_timestamp_s'] else '-'} s, "
            f"after 5 s {r['over_5_s']}/{r['replies']}, exactly once {r['answered_exactly_once']}/{r['messages']}"
            for r in rounds))
    out = args.out / "bench_overload.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"written to {out}; logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
