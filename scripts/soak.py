#!/usr/bin/env python3
"""The load-and-fault run (issue 15, docs/benchmarks.md §14): the production entry point under a mix
of traffic while its parts are made to fail, then a check that nothing was lost.

    .venv/bin/python scripts/soak.py                     # 10 minutes, every fault (about 13 min in all)
    .venv/bin/python scripts/soak.py --duration 60 --faults web,backend,redis

It starts everything it uses, on loopback only, in a folder of its own (--work-dir, a new temporary
one by default): its own Redis with `make run`'s flags (scripts/devstack.py redis_server_args: AOF,
fsync every second), the sandbox backends, the WeChat simulator, and `scripts/serve.py` with
APP_PROFILE=staging (supervisord: gunicorn, the job workers, and a Rasa server unless --nlu-url names
one already running). Then, at --rate requests a second (open loop) for --duration seconds, at most
--max-requests in all:

- Official Account (--mix oa): signed, encrypted pushes of bench_webhook.py's mix (menu clicks, common
  and unique texts), each from a citizen of its own, sent like WeChat: a push unanswered after 5 s is
  sent again with the same MsgId (newly signed), three tries in all;
- mini-program (mp): catalogue searches; a login and a chat message; a login and a complaint (a 12345
  work order); every `--bind-every` seconds a login and an identity binding of one of the sandbox's
  citizens, then their ledger, their matters asked in the chat and a 不满意 rating (a call-back task). Like a mini-program, a 5xx or
  a refused connection is tried again (three tries, a second apart; POSTs with an Idempotency-Key);
- hotline (hotline): one call a request to /api/hotline/transcripts; a call the intake reports as not
  done (NLU or a backend away) is sent again, as the hotline system would (same call_id).

Meanwhile (--faults) it kills a gunicorn worker (kill -9), takes one backend down (`--backend-down`,
the sandbox's "down" fault) and brings it back, restarts Redis (SIGTERM, then started again on its
AOF) and kills the Rasa server (kill -9; supervisord starts it again). When the load ends it waits
for the queued answers (customer-service messages at the simulator) and checks:

- every push got exactly one answer: a passive reply WeChat saw, or "on its way" (or no reply WeChat
  saw) and exactly one customer-service message; no push answered 5xx;
- no mini-program or hotline request ended in a 5xx (after the client's own tries);
- every binding acknowledged is still there, every work order acknowledged is in the 12345 backend,
  every call-back task acknowledged is open.

The report (JSON) goes to --out (reports/soak.json); exit status 0 when every check passed.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.wechat_oa.crypto import MessageCrypto  # noqa: E402
from bot.channels.wechat_oa.render import cdata  # noqa: E402
from bot.channels.wechat_oa.signing import sha1_signature  # noqa: E402
from bot.channels.wechat_oa.webhook import BUSY, ON_ITS_WAY, STATE_AWAY  # noqa: E402
from bot.channels.wechat_oa.xml_in import parse_fields  # noqa: E402
from bot.core.production import is_loopback  # noqa: E402
from sandbox.ports import backend_urls  # noqa: E402
from scripts.bench_hotline import COMPLAINTS, FILLERS, PLACES, QUERIES  # noqa: E402
from scripts.bench_overload import stop as stop_groups  # noqa: E402
from scripts.bench_webhook import build_mix, machine  # noqa: E402
from scripts.benchstats import percentile  # noqa: E402
from scripts.devstack import redis_server_args  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"
WECHAT_WAIT_S = 5.0            # WeChat waits this long for a passive reply, then tries again
WECHAT_TRIES = 3
CLIENT_TRIES = 3               # the mini-program's and the hotline system's own tries on a 5xx
FAULTS = ("web", "backend", "redis", "rasa")
# The sandbox's citizens an identity can be bound to (sandbox/data/citizens.yaml), name and ID number.
CITIZENS = [("王建国", "510104198506122310"), ("李芳", "510107199203084525"), ("赵丽", "510122197811250069"),
            ("陈晨", "11010520000229003X"), ("刘洋", "440306199507151287"), ("张伟", "510108199003151232"),
            ("杨敏", "510105198807092043"), ("黄磊", "510106197512033013"), ("张桂兰", "510121195203150026"),
            ("周德明", "510122194807120030"), ("孙小梅", "510108198009090042")]
# The soak's clients all come from loopback: the per-IP limits of the mini-program's API are lifted
# (a city's citizens come from many addresses); the per-user ones stay.
MP_LIMITS = {"ip": "1000000/minute", "login_ip": "1000000/minute"}


def now() -> float:
    return time.time()


# -- one HTTP exchange, as a client on a new connection ---------------------------------------------

class NoAnswer(Exception):
    """No HTTP answer: refused, reset, or nothing within the wait."""


async def http(port: int, method: str, path: str, *, body: bytes = b"", headers: dict | None = None,
               wait_s: float = 30.0) -> tuple[int, bytes]:
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
            f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    try:
        async def exchange() -> bytes:
            reader, writer = await asyncio.open_connection(HOST, port)
            try:
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                await writer.drain()
                return await reader.read(-1)
            finally:
                writer.close()
        raw = await asyncio.wait_for(exchange(), wait_s)
    except (OSError, asyncio.TimeoutError) as e:
        raise NoAnswer(type(e).__name__) from None
    if not raw.startswith(b"HTTP/"):
        raise NoAnswer("not HTTP")
    status = int(raw.split(b" ", 2)[1])
    _, _, payload = raw.partition(b"\r\n\r\n")
    return status, payload


# -- the stack ------------------------------------------------------------------------------------

class Stack:
    """Redis, the sandbox, the WeChat simulator and serve.py (staging), all of this run's own."""

    def __init__(self, args, work: Path):
        self.args, self.work = args, work
        self.procs: dict[str, subprocess.Popen] = {}
        self.web_url = f"http://{HOST}:{args.port}"
        self.sim_url = f"http://{HOST}:{args.sim_port}"
        self.control_url = f"http://{HOST}:{args.sandbox_port_base}"
        self.redis_url = f"redis://{HOST}:{args.redis_port}/0"
        self.own_rasa = not args.nlu_url
        self.nlu_url = args.nlu_url or f"http://{HOST}:{args.rasa_port}"
        urls = backend_urls(args.sandbox_port_base, HOST)
        # loopback only, whatever the caller's environment says (HOST, RASA_HOST bind elsewhere)
        inherited = {k: v for k, v in os.environ.items() if k not in ("HOST", "RASA_HOST")}
        self.env = {**inherited, "HOST": HOST, "APP_PROFILE": "staging", "PORT": str(args.port),
                    "NLU_URL": self.nlu_url,
                    "REDIS_URL": self.redis_url, "WECHAT_API_BASE_URL": self.sim_url,
                    "DATABASE_URL": f"sqlite:///{work / 'records.sqlite3'}", "JOB_WORKERS": str(args.job_workers),
                    "WEB_WORKERS": str(args.web_workers), "SERVE_RUN_DIR": str(work / "run"),
                    "SERVE_LOG_DIR": str(work / "logs"), "APP__app__log_level": "WARNING",
                    **{f"APP__miniprogram__limits__{k}": v for k, v in MP_LIMITS.items()},
                    **{f"APP__BACKENDS__{name.upper()}__BASE_URL": url for name, url in urls.items()
                       if name != "control"}}
        for name in ("PROMETHEUS_MULTIPROC_DIR", "APP_CLOCK", "APP__REDIS__KEY_PREFIX"):
            self.env.pop(name, None)
        if not self.own_rasa:
            self.env["SERVE_PROGRAMS"] = "web,worker"      # the Rasa server at --nlu-url is someone else's

    # processes
    def _start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.work / f"{name}.out", "ab")
        proc = subprocess.Popen(argv, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_redis(self) -> None:
        data = self.work / "redis"
        data.mkdir(exist_ok=True)
        self._start("redis", ["redis-server", *redis_server_args(self.args.redis_port, data)])
        self._wait("Redis", lambda: self.redis().ping(), 30)

    def redis(self):
        import redis
        return redis.Redis.from_url(self.redis_url, socket_timeout=2, decode_responses=True)

    def start(self) -> None:
        self.start_redis()
        self._start("sandbox", [PY, "-m", "sandbox", "--host", HOST, "--port-base", str(self.args.sandbox_port_base)])
        self._start("wechat-sim", [PY, "-m", "sandbox.wechat_sim", "--host", HOST, "--port", str(self.args.sim_port)])
        self._wait("the sandbox", lambda: requests.get(f"{self.control_url}/__health", timeout=2).ok, 120)
        self._wait("the WeChat simulator", lambda: requests.get(f"{self.sim_url}/__sim/health", timeout=2).ok, 60)
        self._start("serve", [PY, "scripts/serve.py"])
        self._wait("the web app", lambda: requests.get(f"{self.web_url}/healthz", timeout=2).ok, 180)
        self._wait("the Rasa server", lambda: requests.get(f"{self.nlu_url}/status", timeout=2).json().get("model_file"),
                   900)

    def _wait(self, what: str, ready, timeout_s: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            for name, p in self.procs.items():
                if p.poll() is not None and name != "redis-old":
                    raise SystemExit(f"{name} exited ({p.returncode}); see {self.work}/{name}.out")
            try:
                if ready():
                    return time.monotonic() - started
            except Exception:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{what} not ready within {timeout_s} s; logs in {self.work}")

    def ctl(self, *args: str) -> str:
        return subprocess.run([PY, "scripts/serve.py", "ctl", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=60).stdout

    def pids(self) -> dict[str, int]:
        out = {}
        for line in self.ctl("status").splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[1] == "RUNNING" and parts[2] == "pid":
                out[parts[0]] = int(parts[3].rstrip(","))
        return out

    def stop(self) -> None:
        # The app first (supervisord stops its programs), then what it uses.
        for group in (["serve"], [n for n in self.procs if n != "serve"]):
            stop_groups([self.procs[n] for n in group if n in self.procs], wait_s=90)

    # faults: each returns what it did and how long the part took to be back
    def kill_web_worker(self) -> dict:
        # supervisord says RUNNING only after the program's startsecs: on a loaded machine the web
        # part may still be STARTING when the first fault is due
        self._wait("the web part RUNNING", lambda: "web" in self.pids(), 60)
        master = self.pids()["web"]
        workers = [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        took = self._wait("a new web worker", lambda: victim not in _children(master) and
                          len(_children(master)) == len(workers), 120)
        return {"killed": f"gunicorn worker {victim} (kill -9)", "back_after_s": round(took, 1)}

    def backend_down(self, name: str) -> None:
        requests.post(f"{self.control_url}/__faults/{name}", json={"mode": "down"}, timeout=5).raise_for_status()

    def backend_up(self) -> None:
        requests.delete(f"{self.control_url}/__faults", timeout=5).raise_for_status()

    def restart_redis(self) -> dict:
        old = self.procs.pop("redis")
        started = time.monotonic()
        old.send_signal(signal.SIGTERM)          # a graceful stop: the AOF is written out
        old.wait(60)
        self.procs["redis-old"] = old
        self.start_redis()
        return {"restarted": "Redis (SIGTERM, started again on its AOF)",
                "down_s": round(time.monotonic() - started, 1)}

    def kill_rasa(self) -> dict:
        if not self.own_rasa:
            return {"skipped": "Rasa is not this run's (--nlu-url)"}
        before = self.pids()["rasa:rasa-0"]
        os.kill(before, signal.SIGKILL)
        took = self._wait("Rasa back", lambda: self.pids().get("rasa:rasa-0") not in (None, before) and
                          requests.get(f"{self.nlu_url}/status", timeout=2).json().get("model_file"), 600)
        return {"killed": f"Rasa server {before} (kill -9), restarted by supervisord",
                "back_after_s": round(took, 1)}


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# -- the traffic --------------------------------------------------------------------------------------

class Traffic:
    def __init__(self, args, stack: Stack, settings, run_id: str):
        self.args, self.stack, self.run_id = args, stack, run_id
        self.rng = random.Random(args.seed)
        self.port = args.port
        from bot.wechat_api.settings import load_wechat_settings
        wx = load_wechat_settings(settings.wechat, production=False)
        self.token, self.account = wx.token, "gh_soak"
        self.crypto = MessageCrypto(wx.token, wx.aes_key, wx.app_id)
        self.hotline_key = settings.security.hotline_api_key
        self.numbers = itertools.count(1)
        self.mix = build_mix(4000, self.rng)
        self.oa: list[dict] = []
        self.mp: list[dict] = []
        self.hotline: list[dict] = []
        self.bindings: list[dict] = []
        self.orders: list[str] = []
        self.callbacks = 0
        self.tasks: set[asyncio.Task] = set()
        self.started = time.monotonic()

    # Official Account
    def _push(self, n: int, openid: str, item, created: int, msgid: int) -> tuple[str, bytes]:
        if item.key:
            inner = (f"<MsgType>{cdata('event')}</MsgType><Event>{cdata('CLICK')}</Event>"
                     f"<EventKey>{cdata(item.key)}</EventKey>")
        else:
            inner = f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(item.text)}</Content><MsgId>{msgid}</MsgId>"
        xml = (f"<xml><ToUserName>{cdata(self.account)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
               f"<CreateTime>{created}</CreateTime>{inner}</xml>")
        ts, nonce = str(int(now())), str(self.rng.getrandbits(40))     # signed anew at each try
        encrypt = self.crypto.encrypt(xml)
        q = {"signature": sha1_signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": openid,
             "encrypt_type": "aes", "msg_signature": sha1_signature(self.token, ts, nonce, encrypt)}
        body = f"<xml><ToUserName>{cdata(self.account)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        return f"/wechat?{urllib.parse.urlencode(q)}", body.encode()

    def _content(self, payload: bytes) -> str:
        if payload.strip() == b"success":
            return "success"
        fields = parse_fields(payload)
        if "Encrypt" in fields:
            fields = parse_fields(self.crypto.decrypt(fields["Encrypt"]))
        return fields.get("Content", "")

    async def oa_message(self) -> None:
        n = next(self.numbers)
        item = self.mix[n % len(self.mix)]
        openid = f"oSoak{self.run_id}{n:07d}"
        row = {"openid": openid, "what": item.key or item.text, "at_s": round(time.monotonic() - self.started, 1),
               "tries": []}
        self.oa.append(row)
        created, msgid = int(now()), int(self.run_id, 16) * 10**8 + n
        for attempt in range(WECHAT_TRIES):
            path, body = self._push(n, openid, item, created, msgid)
            sent = now()
            tried = {"sent": sent}
            row["tries"].append(tried)
            try:
                status, payload = await http(self.port, "POST", path, body=body, wait_s=WECHAT_WAIT_S,
                                             headers={"Content-Type": "text/xml"})
                tried.update(status=status, after_s=round(now() - sent, 3))
                if status == 200:
                    tried["content"] = self._content(payload)
                return                      # WeChat got an answer: no further try
            except NoAnswer as e:
                tried["error"] = str(e)
                await asyncio.sleep(max(0.0, sent + WECHAT_WAIT_S - now()))

    # mini-program
    async def mp_call(self, op: str, method: str, path: str, token: str | None = None, doc=None,
                      key: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["Idempotency-Key"] = key
        body = json.dumps(doc, ensure_ascii=False).encode() if doc is not None else b""
        row = {"op": op, "tries": []}
        self.mp.append(row)
        for attempt in range(CLIENT_TRIES):
            try:
                status, payload = await http(self.port, method, path, body=body, headers=headers, wait_s=30)
            except NoAnswer as e:
                row["tries"].append(str(e))
                await asyncio.sleep(1)
                continue
            row["tries"].append(status)
            if status < 500:
                try:
                    return status, json.loads(payload or b"{}")
                except ValueError:
                    return status, {}
            await asyncio.sleep(1)
        return row["tries"][-1] if isinstance(row["tries"][-1], int) else 0, {}

    async def mp_login(self, openid: str) -> str | None:
        for n in range(CLIENT_TRIES):
            # A login code is good once; a new try asks wx.login() for a new one.
            status, doc = await self.mp_call("login", "POST", "/api/mp/login", doc={"code": f"sandbox:{openid}/{n}"})
            if status == 200:
                return doc["token"]
            if status != 401:
                return None
        return None

    async def mp_visit(self) -> None:
        n = next(self.numbers)
        r = self.rng.random()
        if r < 0.45:
            q = urllib.parse.quote(self.rng.choice(["护照", "居住证", "营业执照", "公积金", "社保卡", "结婚"]))
            await self.mp_call("catalogue", "GET", f"/api/mp/catalogue/items?q={q}")
            return
        openid = f"oSoakMp{self.run_id}{n:07d}"
        token = await self.mp_login(openid)
        if token is None:
            return
        if r < 0.75:
            await self.mp_call("chat", "POST", "/api/mp/chat", token,
                               {"text": self.rng.choice(["办护照要带什么材料", "居住证在哪里办", "公积金怎么提取",
                                                         "结婚登记需要什么", "社保卡丢了怎么补办"])})
            return
        place = self.rng.choice(PLACES)
        status, doc = await self.mp_call("complaint", "POST", "/api/mp/complaints", token,
                                         {"content": f"{place}的工地每天晚上十一点以后还在施工，吵得睡不着（{n}）",
                                          "location": f"武侯区{place}", "when": "每天晚上"}, key=f"soak-{openid}")
        if status != 201:
            return
        self.orders.append(doc["order_no"])

    async def mp_bind(self, i: int) -> None:
        name, id_number = CITIZENS[i % len(CITIZENS)]
        openid = f"oSoakBind{self.run_id}{i:05d}"
        token = await self.mp_login(openid)
        if token is None:
            return
        status, doc = await self.mp_call("bind-start", "POST", "/api/mp/identity/start", token,
                                         {"name": name, "id_number": id_number})
        if status != 200:
            self.bindings.append({"openid": openid, "token": token, "bound": False, "start": status})
            return
        status, doc = await self.mp_call("bind-code", "POST", "/api/mp/identity/code", token, {"code": "123456"})
        bound = status == 200 and bool(doc.get("bound"))
        self.bindings.append({"openid": openid, "token": token, "bound": bound, "code": status})
        if not bound:
            return
        await self.mp_call("ledger", "GET", "/api/mp/ledger", token)
        # Served in the chat (their matters), then rated 不满意: a call-back task is opened.
        status, doc = await self.mp_call("chat", "POST", "/api/mp/chat", token, {"text": "我办的事到哪一步了"})
        if status != 200:
            return
        status, doc = await self.mp_call("rating", "POST", "/api/mp/ratings", token, {"level": "不满意"})
        if status == 200 and "回访" in json.dumps(doc.get("messages", []), ensure_ascii=False):
            self.callbacks += 1

    # hotline
    async def hotline_call(self) -> None:
        n = next(self.numbers)
        text = self.rng.choice(COMPLAINTS + QUERIES).format(p=self.rng.choice(PLACES), f=self.rng.choice(FILLERS))
        call = {"call_id": f"SOAK{self.run_id}-{n:07d}", "started_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                "duration_s": 90, "caller": f"1390000{n % 9973:04d}",
                "turns": [{"speaker": "agent", "text": "您好，12345热线，请讲。"},
                          {"speaker": "caller", "text": f"{text}，第{n}次打来"},
                          {"speaker": "agent", "text": "好的，还有其他问题吗？"},
                          {"speaker": "caller", "text": "没有了，谢谢"}]}
        row = {"call_id": call["call_id"], "tries": [], "done": False}
        self.hotline.append(row)
        body = json.dumps(call, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Api-Key": self.hotline_key}
        # The hotline system sends a call again until it is taken in (Rasa or the 12345 system may
        # be away for minutes), for as long as the run and its drain last.
        give_up_at = self.started + self.args.duration + self.args.drain_s
        while time.monotonic() < give_up_at:
            try:
                status, payload = await http(self.port, "POST", "/api/hotline/transcripts", body=body,
                                             headers=headers, wait_s=60)
            except NoAnswer as e:
                row["tries"].append(str(e))
                await asyncio.sleep(10)
                continue
            row["tries"].append(status)
            if status == 200:
                doc = json.loads(payload)
                if doc.get("results"):
                    row["done"] = True
                    order = (doc["results"][0].get("work_order") or {}).get("order_no")
                    if order:
                        self.orders.append(order)
                        row["order_no"] = order
                    return
                row["tries"][-1] = f"200 not done: {doc.get('errors', [{}])[0].get('reason', '')[:60]}"
            await asyncio.sleep(10)

    # the schedule
    def spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run(self, duration_s: float, rate: float, max_requests: int, weights: dict[str, float]) -> float:
        kinds, shares = zip(*weights.items())
        started = self.started = time.monotonic()
        sent = 0
        next_bind = started
        binds = 0
        while time.monotonic() - started < duration_s and sent < max_requests:
            kind = self.rng.choices(kinds, shares)[0]
            self.spawn({"oa": self.oa_message, "mp": self.mp_visit, "hotline": self.hotline_call}[kind]())
            sent += 1
            if "mp" in weights and time.monotonic() >= next_bind:
                self.spawn(self.mp_bind(binds))
                binds += 1
                next_bind += self.args.bind_every
            await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))
        elapsed = time.monotonic() - started
        while self.tasks:
            await asyncio.sleep(0.5)
        return elapsed


async def fault_schedule(stack: Stack, faults: list[str], duration_s: float, backend: str, log: list) -> None:
    """The faults at fixed shares of the run, one after the other."""
    started = time.monotonic()
    # Rasa last: on a loaded 2-core machine it takes minutes to load its model again.
    plan = [(0.10, "web"), (0.20, "backend"), (0.38, "redis"), (0.45, "rasa")]
    down_for = max(5.0, duration_s * 0.12)

    async def at(share: float) -> None:
        await asyncio.sleep(max(0.0, started + share * duration_s - time.monotonic()))

    for share, fault in plan:
        if fault not in faults:
            continue
        await at(share)
        t = round(time.monotonic() - started, 1)
        try:
            if fault == "web":
                done = await asyncio.to_thread(stack.kill_web_worker)
            elif fault == "backend":
                await asyncio.to_thread(stack.backend_down, backend)
                await asyncio.sleep(down_for)
                await asyncio.to_thread(stack.backend_up)
                done = {"down": backend, "for_s": round(down_for, 1)}
            elif fault == "redis":
                done = await asyncio.to_thread(stack.restart_redis)
            else:
                done = await asyncio.to_thread(stack.kill_rasa)
        except Exception as e:           # a fault that could not be made is reported, not hidden
            done = {"error": f"{type(e).__name__}: {e}"}
        log.append({"at_s": t, "fault": fault, **done})
        print(f"  {t:7.1f} s  fault {fault}: {done}", flush=True)


# -- after the run: the checks ------------------------------------------------------------------------

def customer_service(sim_url: str, prefix: str) -> Counter:
    got = requests.get(f"{sim_url}/__sim/received", params={"kind": "custom"}, timeout=60).json()["received"]
    return Counter(m["body"].get("touser", "") for m in got if m["body"].get("touser", "").startswith(prefix)
                   and not m.get("failed"))


def wait_for_drain(sim_url: str, prefix: str, expected: int, quiet_s: float, max_s: float) -> Counter:
    deadline, last, changed = time.monotonic() + max_s, -1, time.monotonic()
    while True:
        cs = customer_service(sim_url, prefix)
        total = sum(cs.values())
        if total != last:
            last, changed = total, time.monotonic()
        if len(cs) >= expected or time.monotonic() - changed > quiet_s or time.monotonic() > deadline:
            return cs
        time.sleep(2)


def oa_outcome(row: dict, cs: int, parked: bool = False) -> str:
    """What the citizen saw of one push: `passive`, `deferred` (then one customer-service message),
    `none` (no passive reply WeChat saw), or a failure."""
    seen = next((t for t in row["tries"] if t.get("status") == 200), None)
    if any(t.get("status", 0) >= 500 for t in row["tries"]):
        return "5xx"
    if seen is None:
        if cs == 0 and parked:
            return "kept for the next message"
        return "answered later" if cs == 1 else f"no passive reply, {cs} customer-service messages"
    content = seen.get("content", "")
    if content in (ON_ITS_WAY, "success", ""):
        if cs == 1:
            return "on its way, then answered"
        if cs == 0 and parked:
            # WeChat's window for writing to the citizen had closed (a menu click opens one minute):
            # the answer waits for their next message, as WeChat's rules want.
            return "on its way, kept for the next message"
        return "silent" if content == "success" and cs == 0 else f"{content[:12] or 'empty'} + {cs} messages"
    return "passive" if cs == 0 else f"passive + {cs} messages"


def check(traffic: Traffic, stack: Stack, cs: Counter) -> dict:
    from bot.channels.wechat_oa.user_state import UserState
    from bot.core.redis_hub import RedisHub
    from bot.core.settings import load_settings
    settings = load_settings(env=stack.env)
    hub = RedisHub(stack.redis_url, settings.redis.key_prefix)
    users = UserState(hub, None, continuation_ttl_s=1, parked_ttl_s=1)     # only its key names
    pipe = hub.text.pipeline(transaction=False)
    for r in traffic.oa:
        pipe.exists(users.parked_key(r["openid"]))
    parked = dict(zip((r["openid"] for r in traffic.oa), pipe.execute()))
    outcome = {r["openid"]: oa_outcome(r, cs.get(r["openid"], 0), bool(parked[r["openid"]])) for r in traffic.oa}
    oa_outcomes = Counter(outcome.values())
    # "silent" (every try answered "success", no message ever sent) is how a lost answer looks: never ok
    ok_oa = {"passive", "on its way, then answered", "answered later", "kept for the next message",
             "on its way, kept for the next message"}
    problems = [{**r, "customer_service": cs.get(r["openid"], 0), "outcome": outcome[r["openid"]]}
                for r in traffic.oa if outcome[r["openid"]] not in ok_oa]
    answered_once = sum(v for k, v in oa_outcomes.items() if k in ok_oa)
    firsts = [r["tries"][0] for r in traffic.oa]
    delays = [t["after_s"] for t in firsts if "after_s" in t]
    passive = Counter()
    for r in traffic.oa:
        seen = next((t for t in r["tries"] if t.get("status") == 200), None)
        if seen:
            c = seen.get("content", "")
            passive["on its way" if c == ON_ITS_WAY else "Redis away: send again" if c == STATE_AWAY
                    else "busy: send again" if c == BUSY else "NLU away apology" if "暂时不可用" in c
                    else "success (silent)" if c == "success" else "an answer"] += 1
    mp_final = Counter()
    mp_5xx_tries = 0
    for r in traffic.mp:
        last = r["tries"][-1] if r["tries"] else "none"
        mp_final[f"{r['op']} {last}"] += 1
        mp_5xx_tries += sum(isinstance(t, int) and t >= 500 for t in r["tries"])
    mp_5xx_final = sum(v for k, v in mp_final.items() if k.split()[-1].isdigit() and int(k.split()[-1]) >= 500)
    mp_no_answer = sum(v for k, v in mp_final.items() if not k.split()[-1].isdigit())
    hot_5xx = sum(isinstance(t, int) and t >= 500 for r in traffic.hotline for t in r["tries"])
    hot_undone = [r for r in traffic.hotline if not r["done"]]

    # Durable things, read back at the end.
    still_bound = 0
    bound = [b for b in traffic.bindings if b["bound"]]
    for b in bound:
        r = requests.get(f"{stack.web_url}/api/mp/identity", headers={"Authorization": f"Bearer {b['token']}"},
                         timeout=10)
        still_bound += r.ok and r.json().get("bound") is True
    found_orders = 0
    from adapters import build_adapters
    adapters = build_adapters(settings.backends, hub, settings.profile)
    missing_orders: dict[str, list[str]] = {}      # why each order was not found, by reason
    for order in traffic.orders:
        reason = read_back_order(adapters.workorders, order)
        if reason is None:
            found_orders += 1
        else:
            missing_orders.setdefault(reason, []).append(order)
    open_callbacks = hub.text.zcard(hub.key("callbacks", "open"))
    checks = {
        "every push answered exactly once": answered_once == len(traffic.oa),
        "no push answered 5xx": oa_outcomes.get("5xx", 0) == 0,
        "no mini-program request ended in 5xx or unanswered": mp_5xx_final == 0 and mp_no_answer == 0,
        "every hotline call taken in": not hot_undone,
        "every binding kept": still_bound == len(bound),
        "every work order in the 12345 backend": found_orders == len(traffic.orders),
        # At least as many: a rating whose answer the client never got (a connection lost) may
        # still have opened its task; none acknowledged may be missing.
        "every call-back task open": open_callbacks >= traffic.callbacks,
    }
    return {
        "checks": checks,
        "passed": all(checks.values()),
        "oa": {"pushes": len(traffic.oa), "outcomes": dict(oa_outcomes), "answered_exactly_once": answered_once,
               "passive_replies": dict(passive),
               "tries": dict(Counter(len(r["tries"]) for r in traffic.oa)),
               "first_try_reply_s": {"p50": round(percentile(delays, 0.5), 3), "p99": round(percentile(delays, 0.99), 3),
                                     "max": round(max(delays), 3)} if delays else None,
               "customer_service_messages": sum(cs.values()), "not_exactly_once": problems[:20],
               "silent": [r["what"] for r in traffic.oa if outcome[r["openid"]] == "silent"][:10]},
        "mp": {"requests": len(traffic.mp), "final": dict(sorted(mp_final.items())), "5xx_tries": mp_5xx_tries,
               "5xx_final": mp_5xx_final, "unanswered": mp_no_answer},
        "hotline": {"calls": len(traffic.hotline), "taken_in": len(traffic.hotline) - len(hot_undone),
                    "sent_more_than_once": sum(len(r["tries"]) > 1 for r in traffic.hotline), "5xx_tries": hot_5xx,
                    "why_sent_again": dict(Counter(str(t)[:40] for r in traffic.hotline for t in r["tries"][:-1])),
                    "not_taken_in": [r["tries"] for r in hot_undone][:10]},
        "bindings": {"acknowledged": len(bound), "still_bound": still_bound,
                     "refused": [b for b in traffic.bindings if not b["bound"]][:10]},
        "work_orders": {"acknowledged": len(traffic.orders), "found": found_orders,
                        "missing": {why: {"count": len(orders), "first": orders[:5]}
                                    for why, orders in missing_orders.items()}},
        "callbacks": {"acknowledged": traffic.callbacks, "open": open_callbacks},
    }


def read_back_order(workorders, order: str, waits_s=(1, 2, 5, 10, 15)) -> str | None:
    """None when the 12345 backend has the order, else why not. A backend answering "not found" is
    a lost order; the check's own reads being refused for a while (our adapter's circuit breaker
    after a few slow answers, a timeout) are waited out and tried again, as an operator would."""
    from adapters.errors import BackendTimeout, BackendUnavailable
    for wait in (*waits_s, None):
        try:
            return None if workorders.staff_order(order).order_no == order else "another order answered"
        except (BackendUnavailable, BackendTimeout) as e:
            if wait is None:
                return f"{type(e).__name__} after {len(waits_s) + 1} tries: {str(e)[:80]}"
            time.sleep(wait)
        except Exception as e:                       # not found, refused: the report says which
            return f"{type(e).__name__}: {str(e)[:80]}"
    return "unreachable"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=600, help="seconds of load (at most 3600)")
    p.add_argument("--rate", type=float, default=50,
                   help="requests a second: half the webhook's measured capacity (docs/benchmarks.md §5, ~105 req/s)")
    p.add_argument("--max-requests", type=int, default=None, help="at most this many (default: rate × duration)")
    p.add_argument("--mix", default="oa=0.75,mp=0.15,hotline=0.10")
    p.add_argument("--bind-every", type=float, default=20, help="seconds between identity bindings")
    p.add_argument("--faults", default=",".join(FAULTS), help=f"some of {','.join(FAULTS)} (empty: none)")
    p.add_argument("--backend-down", default="housing_fund", help="the backend taken down and brought back")
    p.add_argument("--port", type=int, default=8095, help="the web app's port (not make run's PORT)")
    p.add_argument("--rasa-port", type=int, default=5095)
    p.add_argument("--nlu-url", default="", help="a Rasa server already running (then no Rasa fault)")
    p.add_argument("--redis-port", type=int, default=6395, help="this run's own Redis (never the machine's)")
    p.add_argument("--sandbox-port-base", type=int, default=int(os.environ.get("SANDBOX_PORT_BASE", "9150")))
    p.add_argument("--sim-port", type=int, default=int(os.environ.get("WECHAT_SIM_PORT", "9250")))
    p.add_argument("--web-workers", type=int, default=2)
    p.add_argument("--job-workers", type=int, default=2)
    p.add_argument("--drain-s", type=float, default=180, help="longest wait for the queued answers")
    p.add_argument("--seed", type=int, default=20261204)
    p.add_argument("--work-dir", type=Path, default=None)
    p.add_argument("--out", type=Path, default=ROOT / "reports" / "soak.json")
    args = p.parse_args(argv)

    if not 0 < args.duration <= 3600:
        p.error("--duration: more than 0 and at most 3600 s")
    if args.nlu_url and not is_loopback(args.nlu_url):
        p.error("--nlu-url: loopback only (the soak never sends its load anywhere else)")
    faults = [f for f in args.faults.split(",") if f]
    if set(faults) - set(FAULTS):
        p.error(f"--faults: some of {', '.join(FAULTS)}")
    weights = {k: float(v) for k, v in (kv.split("=") for kv in args.mix.split(","))}
    max_requests = args.max_requests or int(args.rate * args.duration) + 1
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="soak-"))
    work.mkdir(parents=True, exist_ok=True)

    stack = Stack(args, work)
    report = {"command": " ".join(["scripts/soak.py", *(argv if argv is not None else sys.argv[1:])]),
              "machine": machine(), "duration_s": args.duration, "rate": args.rate, "mix": weights,
              "faults": [], "work_dir": str(work)}
    print(f"soak: starting the stack in {work} ...", flush=True)
    t0 = time.monotonic()
    try:
        stack.start()
        report["stack_ready_s"] = round(time.monotonic() - t0, 1)
        from bot.core.settings import load_settings
        settings = load_settings(env=stack.env)
        run_id = os.urandom(3).hex()
        traffic = Traffic(args, stack, settings, run_id)
        print(f"soak: ready after {report['stack_ready_s']} s; {args.rate}/s for {args.duration} s, "
              f"faults: {faults or 'none'}", flush=True)

        async def both() -> float:
            faulting = asyncio.create_task(fault_schedule(stack, faults, args.duration, args.backend_down,
                                                          report["faults"]))
            elapsed = await traffic.run(args.duration, args.rate, max_requests, weights)
            await faulting
            return elapsed

        report["load_s"] = round(asyncio.run(both()), 1)
        report["load_after"] = os.getloadavg()
        unanswered = [r for r in traffic.oa if oa_outcome(r, 0) != "passive"]
        print(f"soak: load done ({len(traffic.oa)} pushes, {len(traffic.mp)} mini-program requests, "
              f"{len(traffic.hotline)} hotline calls); waiting for {len(unanswered)} queued answers ...", flush=True)
        # Quiet for longer than the job queue's visibility (60 s): a job whose worker lost Redis
        # in the middle is taken over by another worker only then.
        cs = wait_for_drain(stack.sim_url, f"oSoak{run_id}", len(unanswered), quiet_s=75, max_s=args.drain_s)
        report.update(check(traffic, stack, cs))
        report["supervisor"] = stack.ctl("status").splitlines()
    finally:
        stack.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({k: report[k] for k in ("checks", "oa", "mp", "hotline", "bindings", "work_orders",
                                              "callbacks", "faults") if k in report}, ensure_ascii=False, indent=1))
    print(f"soak: {'PASSED' if report.get('passed') else 'FAILED'}; report {args.out}; logs {work}")
    return 0 if report.get("passed") else 1


if __name__ == "__main__":
    sys.exit(main())
