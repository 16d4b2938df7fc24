#!/usr/bin/env python3
"""Benchmark of hotline intake (docs/benchmarks.md, "Hotline intake").

    .venv/bin/python scripts/bench_hotline.py --calls 10000 [--nlu-url URL] [--port-base 26500]

Generates a file of N calls (templates × places × fillers: ~`--distinct` different caller
turns, so that an empty NLU cache really costs parses), starts the sandbox on --port-base,
and in one run measures, side by side:

  rasa      Rasa's own parse rate: every distinct caller text POSTed to /model/parse, as
            many at once as the intake's workers — the parses the intake needs, and nothing else;
  cold      `scripts/ingest.py` on the file with an empty NLU cache (a fresh Redis prefix);
  warm      the same file again, same prefix: every parse cached, every work order known;
  half      the first half of the file, cold, for peak memory as the file grows;
  resume    a cold run stopped by SIGINT after --interrupt-after s, then --resume.

With --baseline DIR (another checkout, e.g. `git worktree add /tmp/base main`), its
scripts/ingest.py is run cold and warm too, in the same run, alternating with this one's:
the before/after of a change side by side under the same load.

Calls/s, wall time and peak RSS of each ingest (a subprocess: its own ru_maxrss). Intake
overhead = cold time / (distinct parses / Rasa's rate) - 1, with Rasa's rate measured right before
that cold run (Rasa alone is measured again before each full cold run: the rate drifts on a shared
machine). Needs Redis and a Rasa server with
the current model (NLU_URL); nothing is filed anywhere but the sandbox it starts.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from scripts.devstack import http_ok  # noqa: E402
from sandbox.ports import backend_urls  # noqa: E402

PY = sys.executable
PEAK_WRAPPER = """
import atexit, resource, runpy, sys
def _report():
    r = resource.getrusage(resource.RUSAGE_SELF)
    print("PEAK_RSS_KIB", r.ru_maxrss, file=sys.stderr)
    print("CPU_S", r.ru_utime + r.ru_stime, file=sys.stderr)
atexit.register(_report)
sys.argv = sys.argv[1:]
sys.path.insert(0, ".")
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as e:
    code = e.code
    sys.stdout.flush(); sys.stderr.flush()
    raise
"""

COMPLAINTS = ["我要投诉，{p}那边的工地每天晚上十一点多还在施工，{f}吵得睡不着",
              "我想反映一下，{p}有家烧烤店油烟太大了，{f}窗子都不敢开",
              "{p}小区门口的垃圾{f}好几天都没人清运了，臭得很，麻烦处理一下",
              "我要投诉{p}的一家美容院，{f}办了卡现在不给退钱",
              "{p}这边这个月停了三次电了，{f}也没个通知，希望尽快解决",
              "举报一下，{p}一楼的住户把绿化带围起来了，{f}占用公共绿地",
              "我们在{p}的工地干活，{f}老板拖了我们三个月工资了",
              "{p}公交站那里天天有人乱停车，{f}把路都堵死了，你们管一下"]
QUERIES = ["我想问一下{p}那边办护照要带啥子材料，{f}",
           "你好，我想查一下我的公积金余额，{f}",
           "我想问下社保交了好多个月了，{f}",
           "请问营业执照办好了没有，{f}在{p}那边交的材料",
           "我想预约一下{p}的办事大厅，{f}明天去办"]
PLACES = ["春熙路", "簇锦街道", "龙泉驿", "玉林小区", "天府广场", "九眼桥", "华阳", "温江", "郫都", "双流机场附近",
          "金沙", "驷马桥", "建设路", "高新区", "新都", "龙泉驿那边的汽车城", "青白江", "新津", "成华", "锦江"]
FILLERS = ["那个", "就是说", "嗯", "咋个说呢", "你晓得嘛", "哎呀", "反正", "真的是", "这个事情", "我跟你讲"]


def generate(path: Path, n: int, distinct: int, seed: int = 7, unique: bool = False) -> int:
    """n calls in JSON Lines; returns the number of distinct caller texts."""
    rng = random.Random(seed)
    pool = []
    for t in COMPLAINTS + QUERIES:
        for p in PLACES:
            for f in FILLERS:
                pool.append(t.format(p=p, f=f))
    rng.shuffle(pool)
    pool = pool[:distinct]
    follow = ["对的", "好的，谢谢", "就是刚才说的那个地方", "要得"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            day = 1 + i % 28
            turns = [{"speaker": "agent", "text": "您好，12345热线，请讲。"},
                     {"speaker": "caller", "text": rng.choice(pool) + (f"，我是第{i}个打电话说这个的" if unique else "")},
                     {"speaker": "agent", "text": "好的，还有其他问题吗？"},
                     {"speaker": "caller", "text": rng.choice(follow)}]
            call = {"call_id": f"BENCH{i:06d}-{seed}", "started_at": f"2026-11-{day:02d}T10:00:00+08:00",
                    "duration_s": 60 + i % 300, "turns": turns}
            if i % 5 == 0:
                call["caller"] = f"1380000{i % 997:04d}"
            out.write(json.dumps(call, ensure_ascii=False) + "\n")
    return len(set(pool)) + len(follow)


def distinct_texts(path: Path) -> list[str]:
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            for t in json.loads(line)["turns"]:
                if t["speaker"] == "caller":
                    seen.setdefault(t["text"], None)
    return list(seen)


def rasa_rate(nlu_url: str, texts: list[str], workers: int) -> float:
    """Parses per second of Rasa alone on these texts, `workers` at a time."""
    session = requests.Session()

    def parse(text: str) -> None:
        session.post(f"{nlu_url}/model/parse", json={"text": text}, timeout=30).raise_for_status()

    started = time.perf_counter()
    with cf.ThreadPoolExecutor(workers) as pool:
        list(pool.map(parse, texts))
    return len(texts) / (time.perf_counter() - started)


def process_cpu_s(pid: int | None) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc), 0 without a pid."""
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ingest(env: dict, file: Path, out: Path, workers: int, *extra: str, interrupt_after: float | None = None,
           tree: Path = ROOT):
    """(wall seconds, peak RSS MiB, exit code) of one scripts/ingest.py run; a run that finds a
    service not (yet) answering (exit 3, e.g. the sandbox still starting its backends) is retried."""
    for _ in range(5):
        wall, peak, rc = _ingest_once(env, file, out, workers, *extra, interrupt_after=interrupt_after, tree=tree)
        if rc != 3:
            break
        time.sleep(3)
    return wall, peak, rc


def _ingest_once(env: dict, file: Path, out: Path, workers: int, *extra: str, interrupt_after: float | None = None,
                 tree: Path = ROOT):
    started = time.perf_counter()
    # The child reports its own peak (ru_maxrss of RUSAGE_SELF) as it exits: one figure per run.
    proc = subprocess.Popen([PY, "-c", PEAK_WRAPPER, "scripts/ingest.py", "--file", str(file), "--out", str(out), "--no-progress",
                             "--workers", str(workers), *extra], cwd=tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if interrupt_after is not None:
        time.sleep(interrupt_after)
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1, 3, 130):
        sys.exit(f"ingest failed ({proc.returncode}):\n{err[-2000:]}")
    peak = [line for line in err.splitlines() if line.startswith("PEAK_RSS_KIB ")]
    cpu = [line for line in err.splitlines() if line.startswith("CPU_S ")]
    _ingest_once.cpu_s = float(cpu[-1].split()[1]) if cpu else float("nan")    # read by main()
    return wall, int(peak[-1].split()[1]) / 1024 if peak else float("nan"), proc.returncode


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=10_000)
    p.add_argument("--distinct", type=int, default=600, help="distinct first caller turns in the file")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--nlu-url", default=os.environ.get("NLU_URL", "http://127.0.0.1:5005"))
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--port-base", type=int, default=int(os.environ.get("SANDBOX_PORT_BASE", "26500")))
    p.add_argument("--interrupt-after", type=float, default=20.0)
    p.add_argument("--unique", action="store_true",
                   help="every call's first caller turn different (every call costs a parse, as real calls do)")
    p.add_argument("--no-resume", action="store_true", help="skip the interrupt-and-resume run")
    p.add_argument("--rasa-pid", type=int, help="the Rasa server's process id (same host): its CPU seconds "
                                                  "per run are reported, a figure the machine's load does not move")
    p.add_argument("--baseline", type=Path, help="another checkout whose ingest runs cold and warm too, alternated")
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-hotline-"))
    file, half = tmp / "calls.jsonl", tmp / "half.jsonl"
    generate(file, args.calls, args.distinct, unique=args.unique)
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    half.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    texts = distinct_texts(file)

    prefixes: list[str] = []
    sandbox = subprocess.Popen([PY, "-m", "sandbox",
                             "--rate-limit", "1000000/second",  # measure the code, not the limit
                             "--host", "127.0.0.1", "--port-base", str(args.port_base)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not http_ok(f"http://127.0.0.1:{args.port_base}/__health"):
            if time.monotonic() > deadline:
                sys.exit("the sandbox did not start")
            time.sleep(0.3)

        def env_for(prefix: str) -> dict:
            return {**os.environ, "REDIS_URL": args.redis_url, "NLU_URL": args.nlu_url,
                    "APP__redis__key_prefix": json.dumps(prefix),
                    "APP__backends__workorders__base_url": backend_urls(args.port_base)["workorders"]}

        results = {}
        cpu0 = process_cpu_s(args.rasa_pid)
        rate = rasa_rate(args.nlu_url, texts, args.workers)
        results["rasa"] = {"distinct_texts": len(texts), "parses_per_s": round(rate, 1),
                           "parse_time_s": round(len(texts) / rate, 1)}
        if args.rasa_pid:
            results["rasa"]["rasa_cpu_s"] = round(process_cpu_s(args.rasa_pid) - cpu0, 1)
        print(json.dumps({"rasa": results["rasa"]}), flush=True)
        runs = [("half_cold", half, None, ROOT), ("cold", file, None, ROOT), ("warm", file, "same", ROOT)]
        if args.baseline:
            runs = [("baseline_cold", file, None, args.baseline.resolve()),
                    ("baseline_warm", file, "same", args.baseline.resolve())] + runs[1:] + runs[:1]
        for name, src, prefix, tree in runs:
            if prefix != "same":
                prefixes.append(f"bench-hotline:{uuid.uuid4().hex[:8]}:")
            if name in ("cold", "baseline_cold") and name != runs[0][0]:
                # Rasa alone again right before this cold run: on a shared machine its rate drifts
                # over minutes, and each cold run is compared with the Rasa time next to it.
                paired = len(texts) / rasa_rate(args.nlu_url, texts, args.workers)
                results[f"rasa_before_{name}"] = {"parse_time_s": round(paired, 1)}
                print(json.dumps({f"rasa_before_{name}": results[f"rasa_before_{name}"]}), flush=True)
            cpu0, sandbox0 = process_cpu_s(args.rasa_pid), process_cpu_s(sandbox.pid)
            wall, peak, rc = ingest(env_for(prefixes[-1]), src, tmp / name, args.workers, tree=tree)
            n = len(half.read_text().splitlines()) if src == half else args.calls
            results[name] = {"calls": n, "wall_s": round(wall, 1), "calls_per_s": round(n / wall, 1),
                             "peak_rss_mib": round(peak), "exit": rc, "ingest_cpu_s": round(_ingest_once.cpu_s, 1)}
            if args.rasa_pid:
                results[name]["rasa_cpu_s"] = round(process_cpu_s(args.rasa_pid) - cpu0, 1)
            # the work-order system's CPU: another department's server in production, on these 2 cores here
            results[name]["sandbox_cpu_s"] = round(process_cpu_s(sandbox.pid) - sandbox0, 1)
            print(json.dumps({name: results[name]}), flush=True)
        def next_to(name: str) -> float:
            """The Rasa-alone time measured right before this run (the first one for the first run)."""
            return results.get(f"rasa_before_{name}", results["rasa"])["parse_time_s"]

        cold = results["cold"]["wall_s"]
        results["intake_overhead"] = round(cold / next_to("cold") - 1, 3)
        print(json.dumps({"intake_overhead": results["intake_overhead"]}), flush=True)
        if args.baseline:
            # Rasa alone once more, after the ingests: the load may have changed meanwhile.
            rate2 = rasa_rate(args.nlu_url, texts, args.workers)
            results["rasa_after"] = {"parses_per_s": round(rate2, 1), "parse_time_s": round(len(texts) / rate2, 1)}
            results["baseline_overhead"] = round(results["baseline_cold"]["wall_s"] / next_to("baseline_cold") - 1, 3)
            print(json.dumps({"rasa_after": results["rasa_after"],
                              "baseline_overhead": results["baseline_overhead"]}), flush=True)
        if args.no_resume:
            return 0
        # Interrupt a cold run, then resume it.
        prefixes.append(f"bench-hotline:{uuid.uuid4().hex[:8]}:")
        env = env_for(prefixes[-1])
        wall1, _, rc1 = ingest(env, file, tmp / "resumed", args.workers, interrupt_after=args.interrupt_after)
        done = json.loads((tmp / "resumed" / "summary.json").read_text()).get("interrupted_at_line")
        wall2, _, rc2 = ingest(env, file, tmp / "resumed", args.workers, "--resume")
        summary = json.loads((tmp / "resumed" / "summary.json").read_text())
        results["resume"] = {"interrupted_after_s": round(wall1, 1), "exit_interrupted": rc1,
                             "lines_done_before": done, "resume_wall_s": round(wall2, 1), "exit_resumed": rc2,
                             "ingested": summary["ingested"], "work_orders_created": summary["work_orders_created"],
                             "work_orders_existing": summary["work_orders_existing"]}
        print(json.dumps({"resume": results["resume"]}), flush=True)
    finally:
        import redis
        r = redis.Redis.from_url(args.redis_url)
        for prefix in prefixes:
            for k in r.scan_iter(match=prefix + "*", count=1000):
                r.delete(k)
        sandbox.terminate()
        sandbox.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
