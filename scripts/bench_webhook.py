#!/usr/bin/env python3
"""Benchmark of POST /wechat (docs/benchmarks.md, the webhook), in one run, with wrk.

    make run                               # terminal 1: Redis, sandbox, WeChat simulator, Rasa
    .venv/bin/python scripts/bench_webhook.py   # terminal 2 (about 4 minutes)

Targets, one after the other, each warmed up then measured at the same
concurrency on the same server stack (gunicorn gthread, same workers/threads,
no access log):

    floor-plain / floor-safe   a bare wechatpy echo bot (scripts/bench_floor_echo.py)
    webhook-plain              the app, message_mode=plaintext, turn_mode=inline
    webhook-safe               the app, message_mode=safe (AES both ways), turn_mode=inline
    webhook-queue              the app, turn_mode=queue, with --job-workers `python -m bot.worker`
    rasa-parse                 Rasa's own POST /model/parse for the same texts (the peer)

and, with `--only all`, three for diagnosis: webhook-repeats and webhook-repeats-queue
(repeats only: the NLU cache answers, Rasa is never called — the channel's own
ceiling, inline and queued) and rasa-unique (Rasa on the unique texts only).

Two models side by side in one run (issue 14): serve the other model from a second Rasa server and
pass `--also-nlu-url http://127.0.0.1:5006 --label DIET --also-label linear`; every webhook and
rasa-* target then runs once per model in each round (the order alternating), and the ratios to
the peer are given per model.

The message mix is what a menu-driven account sees: half the messages repeat
(menu CLICKs and the common questions), half are unique texts; every push has
its own MsgId, nonce and signature, so neither dedup nor the replay guard
short-circuits anything. The app instances use their own Redis key prefix (a
cold NLU cache, warmed by the warm-up like a running system), deleted at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.wechat_oa.crypto import MessageCrypto  # noqa: E402
from bot.channels.wechat_oa.render import cdata  # noqa: E402
from bot.channels.wechat_oa.signing import sha1_signature  # noqa: E402
from bot.channels.wechat_oa.xml_in import parse_fields  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
TOKEN, APP_ID = "sandbox-token", "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_0123456789ab"

# -- the message mix ----------------------------------------------------------------------------

MENU = [  # (CLICK key, the button's label: what the peer parses instead)
    ("query_my_affairs", "办件进度查询"), ("query_endorsement_status", "签注进度"),
    ("query_business_registration", "营业执照办理进度"), ("bind_identity", "实名认证"),
    ("rate_service", "评价服务"), ("query_housing_fund", "公积金查询"), ("query_social_security", "社保查询"),
    ("query_medical_insurance", "医保查询"), ("query_utility_bill", "水电气缴费查询"),
    ("book_appointment", "预约办事大厅"), ("ask_service_guide", "办事指南"), ("file_complaint", "投诉建议"),
    ("request_human", "人工客服"),
]
COMMON = [
    "你好", "公积金余额多少", "查一下我的社保", "我的签注办好了吗", "营业执照办好了吗", "水费欠多少",
    "预约办事大厅", "转人工", "谢谢", "医保余额", "办理居住证需要什么材料", "结婚登记在哪里办",
    "身份证换领要带什么", "新生儿落户怎么办", "失业登记怎么办", "港澳通行证怎么办", "护照在哪办",
    "社保卡补办", "公积金提取需要什么材料", "电费多少", "我要投诉", "我办的事到哪一步了", "实名认证", "在吗",
]
DISTRICTS = ["锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "新都区", "温江区", "双流区", "郫都区",
             "高新区", "天府新区"]
ITEMS = ["结婚登记", "出生登记", "居住证", "身份证换领", "港澳通行证", "护照", "营业执照", "公积金提取",
         "社保卡补办", "医保报销", "不动产登记", "生育津贴", "失业登记"]
UNIQUE = [
    "{d}{n}号楼晚上{h}点还在施工，太吵了",
    "请问{i}在{d}哪个大厅办，周{w}上午能去吗",
    "我{m}月份的公积金怎么还没到账，单位说{n}号就交了",
    "帮我查一下{m}月到{m2}月的社保缴费记录",
    "{d}{n}路的路灯坏了{k}天了没人修",
    "小区物业{k}天没收垃圾了，{d}的",
    "办{i}要多久，我{m}月{k}号要用",
    "我在{d}上班，想问{i}需要带什么，第{k}次来问了",
    "老板拖欠我们{k}个月工资了，一共{n}块",
    "{d}这边停水{k}个小时了什么时候来水",
]


@dataclass(frozen=True)
class Item:
    key: str | None        # CLICK key, or None for a text message
    text: str              # the text (or, for a CLICK, the button's label)


def build_mix(n: int, rng: random.Random, repeat_share: float = 0.5) -> list[Item]:
    """`repeat_share` of the messages repeat (half of those menu CLICKs, half common texts),
    the rest are unique texts. The benchmark's mix is 0.5; 1.0 and 0.0 are for diagnosis."""
    seen: set[str] = set()
    items = []
    for _ in range(n):
        r = rng.random()
        if r < repeat_share / 2:
            key, label = rng.choice(MENU)
            items.append(Item(key, label))
        elif r < repeat_share:
            items.append(Item(None, rng.choice(COMMON)))
        else:
            while True:
                text = rng.choice(UNIQUE).format(
                    d=rng.choice(DISTRICTS), i=rng.choice(ITEMS), n=rng.randint(1, 99999), h=rng.randint(9, 12),
                    w="一二三四五"[rng.randint(0, 4)], m=rng.randint(1, 12), m2=rng.randint(1, 12),
                    k=rng.randint(2, 999))
                if text not in seen:
                    seen.add(text)
                    break
            items.append(Item(None, text))
    return items


class PushWriter:
    """Signed (and optionally encrypted) pushes, each with its own MsgId, nonce and citizen."""

    def __init__(self, rng: random.Random, citizens: int = 20000, stamp_ahead_s: int = 0):
        self.rng = rng
        # wrk replays pushes signed before the run: stamped that far ahead, none is older than
        # WeChat's 5 s when sent (the app counts its budget from the stamp), so every one is a turn
        self.stamp_ahead_s = stamp_ahead_s
        self.crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
        self.openids = [f"oBench{rng.getrandbits(48):012x}" for _ in range(citizens)]
        self.msgid = rng.getrandbits(40) * 1000
        self.nonce = rng.getrandbits(30)
        self.event_index = 0

    def line(self, item: Item, encrypted: bool) -> str:
        now = int(time.time())
        self.msgid += 1
        self.nonce += 1
        openid = self.rng.choice(self.openids)
        if item.key:
            # Events dedup on citizen+CreateTime+Event+EventKey: give every click its own pair.
            openid = self.openids[self.event_index % len(self.openids)]
            created = now - self.event_index // len(self.openids)
            self.event_index += 1
            fields = (f"<MsgType>{cdata('event')}</MsgType><Event>{cdata('CLICK')}</Event>"
                      f"<EventKey>{cdata(item.key)}</EventKey>")
        else:
            created = now
            fields = f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(item.text)}</Content><MsgId>{self.msgid}</MsgId>"
        xml = (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
               f"<CreateTime>{created}</CreateTime>{fields}</xml>")
        ts, nonce = str(now + self.stamp_ahead_s), str(self.nonce)
        q = {"signature": sha1_signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": openid}
        body = xml
        if encrypted:
            encrypt = self.crypto.encrypt(xml)
            body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
            q.update(encrypt_type="aes", msg_signature=sha1_signature(TOKEN, ts, nonce, encrypt))
        return f"/wechat?{urllib.parse.urlencode(q)}\t{body}"


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- wrk ------------------------------------------------------------------------------------------

# The report every wrk run of the benchmarks ends with: one RESULT line of JSON (bench_mp_api too).
WRK_REPORT = r"""
function done(summary, latency, requests)
  local wrapped_total = 0
  for _, t in ipairs(threads) do wrapped_total = wrapped_total + (t:get("wrapped") or 0) end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_s": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "non_2xx": %d, "socket_errors": %d, "wrapped": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    wrapped_total))
end
""".lstrip("\n")

WRK_SCRIPT = r"""
-- Replays a file of "path<TAB>body" lines, split between wrk's threads, each line once.
local threads, counter = {}, 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local file, n = args[1], tonumber(args[2])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = args[3]
  lines, idx, wrapped = {}, 0, 0
  local i = 0
  for line in io.lines(file) do
    if i % n == tid then
      local tab = line:find("\t", 1, true)
      lines[#lines + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
    end
    i = i + 1
  end
end
function request()
  idx = idx + 1
  if idx > #lines then idx, wrapped = 1, wrapped + 1 end
  local r = lines[idx]
  return wrk.format(nil, r[1], nil, r[2])
end
""" + WRK_REPORT


def run_wrk(base_url: str, lines: Path, content_type: str, *, duration: float, connections: int,
            threads: int, script: Path) -> dict:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:.0f}s", "--timeout", "10s",
           "-s", str(script), base_url, "--", str(lines), str(threads), content_type]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = result["requests"] / result["duration_s"]
    return result


# -- servers ----------------------------------------------------------------------------------------

class Server:
    def __init__(self, name: str, cmd: list[str], env: dict, ready_url: str, log_dir: Path):
        self.name, self.cmd, self.env, self.ready_url = name, cmd, env, ready_url
        self.log = open(log_dir / f"{name}.log", "ab")
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 60) -> "Server":
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env={**os.environ, **self.env}, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); see {self.log.name}")
            try:
                if requests.get(self.ready_url, timeout=1).status_code < 500:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def gunicorn(name: str, app: str, port: int, args, env: dict, log_dir: Path) -> Server:
    cmd = ["nice", "-n", str(args.web_nice)] if args.web_nice else []
    cmd += [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers), "--threads",
           str(args.web_threads), "--worker-class", "gthread", "--timeout", "30", app]
    return Server(name, cmd, env, f"http://127.0.0.1:{port}/wechat", log_dir)


# -- checks ----------------------------------------------------------------------------------------

def sanity_check(base_url: str, lines: list[str], encrypted: bool, floor: bool) -> None:
    """The first pushes get real answers (not 4xx, not 'success'), decrypting when encrypted."""
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    for line in lines:
        path, body = line.split("\t", 1)
        r = requests.post(base_url + path, data=body.encode(), headers={"Content-Type": "text/xml"}, timeout=10)
        if r.status_code != 200:
            raise RuntimeError(f"sanity check: {base_url}{path.split('?')[0]} answered {r.status_code}: {r.text[:200]}")
        fields = parse_fields(r.content)
        if encrypted:
            fields = parse_fields(crypto.decrypt(fields["Encrypt"]))
        if not fields.get("Content"):
            raise RuntimeError(f"sanity check: no answer in {r.text[:300]}")
        if not floor and fields["Content"].startswith("您的问题正在办理中"):
            print("  note: a sanity push was deferred (over the budget)")


def cpu_groups(port: int) -> dict[str, list[str]]:
    """Process groups -> words their command line must all contain. Every Rasa server counts
    (the app spreads its parses over every server NLU_URL lists)."""
    return {"server under test": ["gunicorn", f"127.0.0.1:{port}"], "rasa": ["rasa", "run", "--enable-api"],
            "redis": ["redis-server"], "job workers": ["bot.worker"]}


def cpu_seconds(groups: dict[str, list[str]]) -> dict[str, float]:
    """CPU seconds used so far by each group of processes (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys(groups, 0.0)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for group, words in groups.items():
            if all(w in cmd for w in words):
                totals[group] += (int(fields[11]) + int(fields[12])) / tick     # utime + stime
                break
    return totals


def _children_cpu() -> float:
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)     # wrk, once it has exited
    return r.ru_utime + r.ru_stime


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]          # idle + iowait
    return sum(values) - idle, sum(values)


def _machine_busy_since(before: tuple[int, int]) -> float:
    """Cores the whole machine (everyone's processes, not only ours) kept busy since `before`."""
    busy, total = _machine_ticks()
    return round((busy - before[0]) / max(1, total - before[1]) * (os.cpu_count() or 1), 2)


def deferred_count(url: str) -> int | None:
    """wechat_pushes_total{outcome="deferred"} summed over the app's workers (multiprocess metrics)."""
    try:
        text = requests.get(f"{url}/metrics", timeout=5).text
    except requests.RequestException:
        return None
    lines = [line for line in text.splitlines() if line.startswith("wechat_pushes_total{")]
    if not lines:
        return None       # the metrics are not there: say so rather than 0
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in lines if 'outcome="deferred"' in line))


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "load_before": os.getloadavg()}


# -- main -------------------------------------------------------------------------------------------

TARGETS = ("floor-plain", "floor-safe", "webhook-plain", "webhook-safe", "webhook-queue", "rasa-parse",
           # diagnosis, not in the default run: the webhook with repeats only (no Rasa call at all,
           # inline and queued), and Rasa on the unique texts only (what a cache miss costs it)
           "webhook-repeats", "webhook-repeats-queue", "rasa-unique")
DEFAULT_TARGETS = TARGETS[:6]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=20, help="seconds measured per target")
    p.add_argument("--warmup", type=float, default=5, help="seconds of warm-up per target")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    p.add_argument("--web-threads", type=int, default=int(os.environ.get("WEB_THREADS", "8")))
    p.add_argument("--web-nice", type=int, default=int(os.environ.get("WEB_NICE", "0")),
                   help="niceness of the servers under test (make run's WEB_NICE); 0 runs them as is")
    p.add_argument("--job-workers", type=int, default=4, help="bot.worker processes for webhook-queue")
    p.add_argument("--nlu-url", default=os.environ.get("NLU_URL", "http://127.0.0.1:5005"))
    p.add_argument("--also-nlu-url", default=None,
                   help="a second Rasa server (another model): the webhook and rasa-* targets run against it "
                        "too, in the same rounds, their names ending in ' (<--also-label>)'")
    p.add_argument("--label", default="", help="the first model's label in the target names (with --also-nlu-url)")
    p.add_argument("--also-label", default="other model")
    p.add_argument("--sim-url", default=os.environ.get("WECHAT_API_BASE_URL", "http://127.0.0.1:9200"))
    p.add_argument("--port", type=int, default=8090, help="port of the servers under test")
    p.add_argument("--only", default=",".join(DEFAULT_TARGETS),
                   help="'all', or a comma-separated subset of " + ", ".join(TARGETS))
    p.add_argument("--requests", type=int, default=0, help="pushes generated per target (default: enough)")
    p.add_argument("--seed", type=int, default=20261127)
    p.add_argument("--rounds", type=int, default=1, help="run the targets this many times in alternation; "
                   "the table then adds each target's median")
    p.add_argument("--out", default=str(ROOT / "reports"), help="folder for the JSON results and logs")
    args = p.parse_args()

    only = list(TARGETS) if args.only == "all" else [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(only) - set(TARGETS)
    if unknown:
        p.error(f"unknown targets: {', '.join(sorted(unknown))}")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_dir = out_dir / "bench-webhook-logs"
    log_dir.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    script = tmp / "replay.lua"
    script.write_text(WRK_SCRIPT)

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    # The app gets every server of --nlu-url (comma-separated, as NLU_URL); the peer is the first.
    nlu_urls = [u.strip().rstrip("/") for u in args.nlu_url.split(",") if u.strip()]
    # (label, that model's Rasa servers): each model's targets run in every round, one after the other
    models = [(f" ({args.label})" if args.label and args.also_nlu_url else "", nlu_urls)]
    if args.also_nlu_url:
        models.append((f" ({args.also_label})",
                       [u.strip().rstrip("/") for u in args.also_nlu_url.split(",") if u.strip()]))
    if set(only) - {"floor-plain", "floor-safe"}:
        for nlu_url in [u for _, urls in models for u in urls]:
            try:
                requests.get(f"{nlu_url}/status", timeout=3).raise_for_status()
            except requests.RequestException as e:
                sys.exit(f"no Rasa server at {nlu_url} ({e}); start the stack first (make run)")

    rng = random.Random(args.seed)
    writer = PushWriter(rng, stamp_ahead_s=int(args.warmup + args.duration) + 5)
    # Enough pushes that wrk never replays one (it reports `wrapped` if it had to):
    # the expected rate of each kind of target, with room to spare.
    def enough(rate_hint: int) -> int:
        return args.requests or int(rate_hint * (args.duration + 5))
    prefix = f"bench:{int(time.time())}:"
    # Every turn inline, on as many threads as a process has: this measures what a turn costs. With
    # the production setting (wechat.max_inline_turns 4) a process queues the turns beyond 4 for the
    # job workers (issue 15's overload protection, measured by bench_overload.py), and with no
    # workers here the queue fills and pushes are answered "busy": a cheap answer, not a turn.
    app_env = {"APP__redis__key_prefix": json.dumps(prefix), "NLU_URL": ",".join(nlu_urls),
               "WECHAT_API_BASE_URL": args.sim_url, "APP__app__log_level": "WARNING",
               "APP__wechat__max_inline_turns": str(args.web_threads)}
    info = {"machine": machine(), "connections": args.connections, "duration_s": args.duration,
            "warmup_s": args.warmup, "web_workers": args.web_workers, "web_threads": args.web_threads,
            "web_nice": args.web_nice, "job_workers": args.job_workers, "nlu_servers_for_the_app": nlu_urls,
            "peer": nlu_urls[0], "models": {label.strip(" ()") or "default": urls for label, urls in models},
            "results": {}}
    url = f"http://127.0.0.1:{args.port}"
    groups = cpu_groups(args.port)

    def measure(name: str, content_type: str, make_lines, rate_hint: int, check=None, base_url=url) -> None:
        # Fresh pushes for each target, generated just before it runs (timestamps must be fresh).
        n = enough(rate_hint)
        warm = write_lines(tmp / f"{name}-warm.txt", make_lines(int(n * args.warmup / max(args.duration, 1)) + 50))
        lines = make_lines(n)
        if check:
            check(lines[:12])
        measured = write_lines(tmp / f"{name}.txt", lines[12:])
        print(f"{name}: warm-up {args.warmup:.0f} s ...", flush=True)
        run_wrk(base_url, warm, content_type, duration=args.warmup, connections=args.connections,
                threads=args.wrk_threads, script=script)
        print(f"{name}: measuring {args.duration:.0f} s at {args.connections} connections ...", flush=True)
        machine_before = _machine_ticks()
        cpu_before, wrk_before = cpu_seconds(groups), _children_cpu()
        res = run_wrk(base_url, measured, content_type, duration=args.duration, connections=args.connections,
                      threads=args.wrk_threads, script=script)
        cpu_after, wrk_after = cpu_seconds(groups), _children_cpu()
        # Cores each group kept busy while measured (2.0 = both of a 2-core machine).
        res["cores_used"] = {g: round((cpu_after[g] - cpu_before[g]) / res["duration_s"], 2) for g in groups}
        res["cores_used"]["wrk"] = round((wrk_after - wrk_before) / res["duration_s"], 2)
        busy = _machine_busy_since(machine_before)
        ours = sum(res["cores_used"].values())
        res["cores_used"]["other processes"] = round(max(0.0, busy - ours), 2)   # not ours: a shared machine
        res["load_after"] = os.getloadavg()
        info["results"][name] = res
        print(f"  {res['rps']:.0f} req/s  p50 {res['p50_ms']:.1f} ms  p99 {res['p99_ms']:.1f} ms  "
              f"non-2xx {res['non_2xx']}  errors {res['socket_errors']}  wrapped {res['wrapped']}  "
              f"cores {res['cores_used']}", flush=True)

    def pushes(encrypted: bool, repeat_share: float = 0.5):
        return lambda k: [writer.line(item, encrypted) for item in build_mix(k, rng, repeat_share)]

    try:
        # Several rounds run the targets in alternation, so that a drift of the machine (or of
        # Rasa, whose rate varied by a third between runs here) falls on all of them alike.
        for round_no in range(args.rounds):
            tag = f" #{round_no + 1}" if args.rounds > 1 else ""
            if {"floor-plain", "floor-safe"} & set(only):
                floor = gunicorn("floor", "scripts.bench_floor_echo:create_echo_app()", args.port, args, {}, log_dir)
                floor.start()
                try:
                    for name, enc in (("floor-plain", False), ("floor-safe", True)):
                        if name in only:
                            measure(name + tag, "text/xml", pushes(enc), 3000,
                                    lambda ls, e=enc: sanity_check(url, ls, e, floor=True))
                finally:
                    floor.stop()
            # alternate which model goes first, as the rounds alternate everything else
            for label, urls in (models if round_no % 2 == 0 else models[::-1]):
                # each model's own NLU cache (key prefix), so that one model's answers never serve the other's
                model_env = {"NLU_URL": ",".join(urls),
                             "APP__redis__key_prefix": json.dumps(prefix + label.strip(" ()").replace(" ", "_"))}
                for name, mode, turn_mode, enc, repeats in (("webhook-plain", "plaintext", "inline", False, 0.5),
                                                            ("webhook-safe", "safe", "inline", True, 0.5),
                                                            ("webhook-queue", "compatible", "queue", False, 0.5),
                                                            ("webhook-repeats", "plaintext", "inline", False, 1.0),
                                                            ("webhook-repeats-queue", "plaintext", "queue", False, 1.0)):
                    if name not in only:
                        continue
                    metrics_dir = tmp / f"metrics-{name}{label.strip()}-{round_no}"
                    metrics_dir.mkdir()
                    env = {**app_env, **model_env, "APP__wechat__message_mode": mode, "APP__wechat__turn_mode": turn_mode,
                           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
                    workers = [Server(f"{name}-worker-{i}", [PY, "-m", "bot.worker"], env, urls[0] + "/status",
                                      log_dir).start() for i in range(args.job_workers if turn_mode == "queue" else 0)]
                    web = gunicorn(name, "app:create_app()", args.port, args, env, log_dir).start()
                    try:
                        measure(name + label + tag, "text/xml", pushes(enc, repeats), 1000,
                                lambda ls, e=enc: sanity_check(url, ls, e, floor=False))
                        # Pushes answered "on its way" (past the budget), warm-up included.
                        info["results"][name + label + tag]["late_answers"] = deferred_count(url)
                    finally:
                        web.stop()
                        for w in workers:
                            w.stop()
                for name, repeats in (("rasa-parse", 0.5), ("rasa-unique", 0.0)):
                    if name in only:
                        def parse_lines(k, r=repeats):
                            return ["/model/parse\t" + json.dumps({"text": item.text}, ensure_ascii=False)
                                    for item in build_mix(k, rng, r)]
                        measure(name + label + tag, "application/json", parse_lines, 500, base_url=urls[0])
    finally:
        _delete_prefix(prefix)

    if args.rounds > 1:
        info["medians"] = medians(info["results"])
    summaries = [against_the_peer(info["medians"] if args.rounds > 1 else info["results"], label)
                 for label, _ in models]
    summary = {"lines": [line for one in summaries if one for line in one["lines"]]} if any(summaries) else None
    if summary:
        info["against_the_peer"] = {label.strip(" ()") or "default": one for (label, _), one in zip(models, summaries)}
    path = out_dir / f"bench_webhook-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False))
    print()
    print(markdown_table(info))
    if args.rounds > 1:
        print(f"\nmedians over {args.rounds} rounds:\n")
        print(markdown_table({"results": info["medians"]}))
    if summary:
        print()
        for line in summary["lines"]:
            print(line)
    print(f"\nresults: {path}")
    return 0


def medians(results: dict) -> dict:
    """Per target (the name before " #"), the median of every figure over its rounds."""
    by_target: dict[str, list[dict]] = {}
    for name, r in results.items():
        by_target.setdefault(name.split(" #")[0], []).append(r)
    out = {}
    for name, runs in by_target.items():
        m = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms")}
        m["non_2xx"] = sum(r["non_2xx"] for r in runs)
        if any("late_answers" in r for r in runs):
            m["late_answers"] = sum(r.get("late_answers", 0) for r in runs)
        m["cores_used"] = {g: round(statistics.median(r["cores_used"][g] for r in runs), 2)
                           for g in runs[0]["cores_used"]}
        m["rounds"] = len(runs)
        out[name] = m
    return out


def against_the_peer(results: dict, label: str = "") -> dict | None:
    """The webhook's throughput over the peer's and, when rasa-unique ran, the ceiling that any
    cache in front of the same Rasa server has on this mix.

    The cache spares Rasa the repeated half only; the unique half still costs one parse each,
    and those are the longer, dearer texts. With Rasa the bottleneck for both, the webhook
    can serve at most twice the rate at which Rasa parses unique texts, so its ratio to the
    peer is at most 2 x rasa-unique / rasa-parse (below 2 whenever a unique text costs more
    than the mix's average)."""
    peer = results.get("rasa-parse" + label)
    if not peer or not peer["rps"]:
        return None
    out: dict = {"peer_rps": peer["rps"], "lines": []}
    for name in ("webhook-plain", "webhook-safe", "webhook-queue"):
        if name + label in results:
            ratio = results[name + label]["rps"] / peer["rps"]
            out[name] = round(ratio, 2)
            out["lines"].append(f"{name}{label} / rasa-parse{label}: {ratio:.2f}x")
    if results.get("rasa-unique" + label):
        ceiling = 2 * results["rasa-unique" + label]["rps"] / peer["rps"]
        out["ceiling"] = round(ceiling, 2)
        out["lines"].append(f"ceiling of a cache in front of one Rasa server{label}, this mix: 2 x rasa-unique / "
                            f"rasa-parse = {ceiling:.2f}x")
    return out


def markdown_table(info: dict) -> str:
    rows = ["| target | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | late answers | cores: app / rasa / "
            "redis / workers / wrk / others |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, r in info["results"].items():
        c = r["cores_used"]
        cores = " / ".join(f"{c[g]:.2f}" for g in ("server under test", "rasa", "redis", "job workers", "wrk",
                                                   "other processes"))
        rows.append(f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | "
                    f"{r['max_ms']:.0f} | {r['non_2xx']} | {r.get('late_answers', '–')} | {cores} |")
    return "\n".join(rows)


def _delete_prefix(prefix: str) -> None:
    try:
        from bot.core.redis_hub import RedisHub
        RedisHub(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), prefix).delete_prefix()
    except Exception as e:  # a benchmark must still print its figures
        print(f"could not delete the benchmark's Redis keys ({prefix}*): {e}")


if __name__ == "__main__":
    sys.exit(main())
