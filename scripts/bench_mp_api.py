#!/usr/bin/env python3
"""Benchmark of the mini-program's API beside the Official Account's webhook (docs/benchmarks.md,
the mini-program API), in one run, with wrk, at the same concurrency on one app server.

    make run                                    # terminal 1: Redis, sandbox, WeChat simulator, Rasa
    .venv/bin/python scripts/bench_mp_api.py    # terminal 2 (about 2 minutes)

Targets, one after the other, each warmed up then measured:

    webhook     POST /wechat, plaintext pushes of the messages below (the baseline)
    mp-chat     POST /api/mp/chat {"text"}, the same messages, each citizen with their own token
    catalogue   GET /api/mp/catalogue/...: themes, items of a theme, a search, one item (public)

The messages are bench_webhook.py's mix (half repeated texts and menu labels, half unique texts),
as text on both channels. The app runs with its rate limits on (Flask-Limiter counting in Redis)
at values no client of the benchmark reaches: they are printed and written with the results.
The app instance uses its own Redis key prefix, deleted at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_webhook import (ACCOUNT, TOKEN, WRK_REPORT, PushWriter, Server,  # noqa: E402
                                   _delete_prefix, build_mix, machine)
from bot.channels.wechat_oa.render import cdata  # noqa: E402
from bot.channels.wechat_oa.signing import sha1_signature  # noqa: E402

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LIMITS = {"ip": "1000000/minute", "user": "100000/minute", "login_ip": "100000/minute", "login_user": "1000/hour"}

WRK_SCRIPT = r"""
-- Replays "METHOD<TAB>path<TAB>content-type<TAB>authorization<TAB>body" lines, split between threads.
local threads, counter = {}, 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local file, n = args[1], tonumber(args[2])
  lines, idx, wrapped = {}, 0, 0
  local i = 0
  for line in io.lines(file) do
    if i % n == tid then
      local f = {}
      for part in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = part end
      lines[#lines + 1] = f
    end
    i = i + 1
  end
end
function request()
  idx = idx + 1
  if idx > #lines then idx, wrapped = 1, wrapped + 1 end
  local r = lines[idx]
  local headers = {}
  if r[3] ~= "" then headers["Content-Type"] = r[3] end
  if r[4] ~= "" then headers["Authorization"] = r[4] end
  local body = nil
  if r[5] ~= "" then body = r[5] end
  return wrk.format(r[1], r[2], headers, body)
end
""" + WRK_REPORT


def run_wrk(base_url: str, lines: Path, *, duration: float, connections: int, threads: int, script: Path) -> dict:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:.0f}s", "--timeout", "10s",
           "-s", str(script), base_url, "--", str(lines), str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = round(result["requests"] / result["duration_s"], 1)
    return result


def webhook_line(writer: PushWriter, text: str) -> str:
    writer.msgid += 1
    writer.nonce += 1
    now = int(time.time())
    openid = writer.rng.choice(writer.openids)
    xml = (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
           f"<CreateTime>{now}</CreateTime><MsgType>{cdata('text')}</MsgType><Content>{cdata(text)}</Content>"
           f"<MsgId>{writer.msgid}</MsgId></xml>")
    ts, nonce = str(now), str(writer.nonce)
    q = {"signature": sha1_signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": openid}
    return f"POST\t/wechat?{urllib.parse.urlencode(q)}\ttext/xml\t\t{xml}"


def chat_line(token: str, text: str) -> str:
    return f"POST\t/api/mp/chat\tapplication/json\tBearer {token}\t{json.dumps({'text': text}, ensure_ascii=False)}"


def catalogue_lines(base_url: str, n: int, rng: random.Random) -> list[str]:
    themes = [t["name"] for t in requests.get(f"{base_url}/api/mp/catalogue/themes", timeout=10).json()["themes"]]
    items = [i["name"] for i in requests.get(f"{base_url}/api/mp/catalogue/items", timeout=10).json()["items"]]
    q = urllib.parse.quote
    paths = []
    for _ in range(n):
        r = rng.random()
        if r < 0.1:
            paths.append("/api/mp/catalogue/themes")
        elif r < 0.4:
            paths.append(f"/api/mp/catalogue/items?theme={q(rng.choice(themes))}")
        elif r < 0.6:
            paths.append(f"/api/mp/catalogue/items?q={q(rng.choice(items)[:2])}")
        else:
            paths.append(f"/api/mp/catalogue/items/{q(rng.choice(items))}")
    return [f"GET\t{p}\t\t\t" for p in paths]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=20, help="seconds measured per target")
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    p.add_argument("--web-threads", type=int, default=int(os.environ.get("WEB_THREADS", "8")))
    p.add_argument("--citizens", type=int, default=300, help="mini-program users logged in for mp-chat")
    p.add_argument("--nlu-url", default=os.environ.get("NLU_URL", "http://127.0.0.1:5005"))
    p.add_argument("--sim-url", default=os.environ.get("WECHAT_API_BASE_URL", "http://127.0.0.1:9200"))
    p.add_argument("--sandbox-port-base", type=int, default=int(os.environ.get("SANDBOX_PORT_BASE", "9100")))
    p.add_argument("--port", type=int, default=8091, help="port of the app under test")
    p.add_argument("--seed", type=int, default=20261203)
    p.add_argument("--out", default=str(ROOT / "reports"))
    args = p.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    try:
        requests.get(f"{args.nlu_url.split(',')[0]}/status", timeout=3).raise_for_status()
    except requests.RequestException as e:
        sys.exit(f"no Rasa server at {args.nlu_url} ({e}); start the stack first (make run)")

    from scripts.devstack import sandbox_backends_env
    out_dir = Path(args.out)
    (out_dir / "bench-mp-logs").mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-mp-"))
    script = tmp / "replay.lua"
    script.write_text(WRK_SCRIPT)
    prefix = f"benchmp:{int(time.time())}:"
    env = {"APP__redis__key_prefix": json.dumps(prefix), "NLU_URL": args.nlu_url, "WECHAT_API_BASE_URL": args.sim_url,
           "APP__app__log_level": "WARNING", "APP__wechat__max_inline_turns": str(args.web_threads),
           **sandbox_backends_env(args.sandbox_port_base, dict(os.environ)),
           **{f"APP__miniprogram__limits__{k}": v for k, v in LIMITS.items()}}
    url = f"http://127.0.0.1:{args.port}"
    cmd = [GUNICORN, "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.web_workers), "--threads",
           str(args.web_threads), "--worker-class", "gthread", "--timeout", "30", "app:create_app()"]
    server = Server("app", cmd, env, f"{url}/healthz", out_dir / "bench-mp-logs").start()
    rng = random.Random(args.seed)
    info = {"machine": machine(), "connections": args.connections, "duration_s": args.duration,
            "warmup_s": args.warmup, "web_workers": args.web_workers, "web_threads": args.web_threads,
            "rate_limits": LIMITS, "results": {}}
    try:
        run_id = f"{int(time.time()) % 100000}"
        tokens = []
        for i in range(args.citizens):
            r = requests.post(f"{url}/api/mp/login", json={"code": f"sandbox:oBenchMp{run_id}x{i}"}, timeout=10)
            r.raise_for_status()
            tokens.append(r.json()["token"])
        # signed now, replayed by wrk later: stamped ahead so that none is past WeChat's 5 s when sent
        # (the webhook counts its budget from the stamp; scripts/bench_webhook.py PushWriter)
        writer = PushWriter(rng, stamp_ahead_s=int(3 * (args.warmup + args.duration)) + 10)
        n = int(1200 * (args.duration + args.warmup + 5))

        def measure(name: str, lines: list[str]) -> None:
            warm, measured = tmp / f"{name}-warm.txt", tmp / f"{name}.txt"
            half = len(lines) // 4
            warm.write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
            measured.write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")
            run_wrk(url, warm, duration=args.warmup, connections=args.connections, threads=args.wrk_threads,
                    script=script)
            res = run_wrk(url, measured, duration=args.duration, connections=args.connections,
                          threads=args.wrk_threads, script=script)
            info["results"][name] = res
            print(f"{name:10s} {res['rps']:8.1f} req/s  p50 {res['p50_ms']:7.1f} ms  p99 {res['p99_ms']:7.1f} ms  "
                  f"non-2xx {res['non_2xx']}  wrapped {res['wrapped']}", flush=True)

        texts = [item.text for item in build_mix(n, rng)]
        measure("webhook", [webhook_line(writer, t) for t in texts])
        texts = [item.text for item in build_mix(n, rng)]
        measure("mp-chat", [chat_line(rng.choice(tokens), t) for t in texts])
        measure("catalogue", catalogue_lines(url, n * 4, rng))
    finally:
        server.stop()
        _delete_prefix(prefix)
    path = out_dir / f"bench-mp-api-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2))
    print(f"rate limits: {LIMITS}\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
