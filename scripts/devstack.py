#!/usr/bin/env python3
"""`make run`: start everything the assistant needs, wait until each part is ready,
and stop them all on Ctrl-C.

Parts, in start order: Redis (only when nothing answers at REDIS_URL), the
sandbox backends, the WeChat API simulator, the Rasa NLU server (reused when one
with the current model already answers at NLU_URL), the job worker(s), the
progress-notification watcher (`python -m bot.watcher`, WATCHERS of them, default 1) and the
web app (gunicorn) on 127.0.0.1:8000. Each part's output goes to logs/<part>.log.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.ports import backend_urls  # noqa: E402
from scripts import nlu_model  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
LOGS = ROOT / "logs"
# make run's own Redis keeps its append-only file here, one folder per port (git-ignored).
REDIS_DATA = ROOT / "data" / "redis"


def sigterm_when_parent_dies() -> None:
    """Linux prctl(PR_SET_PDEATHSIG): this process gets SIGTERM when its parent dies."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
    except OSError:
        pass


def _die_with_parent() -> None:
    # Children get SIGTERM if this process dies without cleaning up.
    sigterm_when_parent_dies()
    os.setsid()  # our own Ctrl-C handling decides the stop order


def http_ok(url: str, timeout: float = 1.0, check: Callable[[requests.Response], bool] | None = None) -> bool:
    try:
        r = requests.get(url, timeout=timeout)
        return r.status_code == 200 and (check is None or check(r))
    except requests.RequestException:
        return False


@dataclass
class Part:
    name: str
    cmd: list[str]
    ready: Callable[[], bool]
    ready_timeout_s: float = 30.0
    env: dict[str, str] = field(default_factory=dict)
    # Start only once every part before it is ready (the app needs Redis and NLU);
    # parts without it start at once and are waited for together.
    after_previous: bool = False
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self) -> None:
        LOGS.mkdir(exist_ok=True)
        self.log_path = LOGS / f"{self.name}.log"
        log = open(self.log_path, "ab")
        log.write(f"\n--- {time.strftime('%F %T')} {' '.join(self.cmd)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.env}, preexec_fn=_die_with_parent)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode}\n{self.tail()}")
            if self.ready():
                return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {self.ready_timeout_s:.0f} s\n{self.tail()}")

    def death(self) -> str | None:
        """What to tell the operator when this part has stopped on its own, else None."""
        if not self.proc or self.proc.poll() is None:
            return None
        code = self.proc.returncode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        log = f" (its log: {self.log_path})" if self.log_path else ""
        return f"{self.name} died: {how}{log}\n{self.tail()}"

    def tail(self, n: int = 25) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(errors="replace").splitlines()[-n:]
        return "\n".join(f"  {self.name}| {line}" for line in lines)

    def stop(self, grace_s: float = 10.0) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def redis_answers(url: str) -> bool:
    import redis
    from bot.core.redis_hub import redis_client
    try:
        return bool(redis_client(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def redis_server_args(port: int | str, data_dir: Path) -> list[str]:
    """The flags of make run's own Redis: durable by default. Every write goes to an append-only
    file in data_dir, fsynced once a second, so a restart or a crash (kill -9) loses at most the
    last second (docs/deployment.md); no RDB snapshots besides (the AOF has it all)."""
    return ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]


def redis_part(url: str) -> Part | None:
    """A Redis server to start, or None when one already answers at url."""
    if redis_answers(url):
        print(f"redis: using the server at {url}")
        return None
    u = urlparse(url)
    if u.scheme == "redis+sentinel":
        raise RuntimeError(f"no master answers through the sentinels of REDIS_URL={url}; "
                           "make run starts a plain Redis only (unset REDIS_URL for one)")
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"nothing answers at REDIS_URL={url} and it is not local, so it cannot be started here")
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis: redis-server is not installed; installing the Debian package ...")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "redis-server"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = u.port or 6379
    data_dir = REDIS_DATA / str(port)
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"redis: starting one on port {port}, its append-only file in {data_dir}")
    return Part("redis", [binary, *redis_server_args(port, data_dir)],
                ready=lambda: redis_answers(url), after_previous=True)


def default_nlu_servers() -> int:
    """One Rasa process per two cores. A Rasa process parses on one core; on a 2-core machine a
    second one only fights the web workers for CPU (docs/benchmarks.md: 365 req/s and p99 122 ms
    with one, 307 req/s and p99 256 ms with two)."""
    return max(1, (os.cpu_count() or 2) // 2)


def rasa_parts(nlu_url: str, model: Path, count: int) -> tuple[list[Part], str]:
    """Rasa servers on `count` consecutive ports from NLU_URL's (one Rasa process
    parses one text at a time, so more processes serve more citizens at once).
    A server that already answers with this model is reused. Returns the parts
    to start and the comma-separated URL list the app is given."""
    u = urlparse(nlu_url)
    host, first = u.hostname or "127.0.0.1", u.port or 5005
    parts, urls = [], []
    for i in range(count):
        url = f"{u.scheme}://{host}:{first + i}"
        urls.append(url)
        try:
            status = requests.get(f"{url}/status", timeout=1).json()
        except (requests.RequestException, ValueError):
            status = None
        if status is not None:
            loaded = Path(str(status.get("model_file", ""))).name
            if loaded == model.name:
                print(f"nlu: reusing the Rasa server at {url} (model {loaded})")
                continue
            raise RuntimeError(f"a server at {url} runs model {loaded!r}, not {model.name}; "
                               "stop it or point NLU_URL elsewhere")
        if host not in ("127.0.0.1", "localhost"):
            raise RuntimeError(f"no NLU server answers at {url}, and it is not local, so it cannot be started here")
        parts.append(Part(
            f"rasa-{i + 1}",
            [str(nlu_model.RASA), "run", "--enable-api", "-m", str(model), "-i", host, "-p", str(first + i),
             "--log-file", str(LOGS / f"rasa-server-{i + 1}.log")],
            ready=lambda url=url: http_ok(f"{url}/status", check=lambda r: bool(r.json().get("model_file"))),
            ready_timeout_s=240))
    return parts, ",".join(urls)


def anchor_clock(env=os.environ) -> str | None:
    """APP_CLOCK (a moved date for every part) anchored once here, so that the web app, the
    workers and the sandbox all agree on the moment however late each starts. Printed, so
    that a process started beside the stack (make ingest) can be given the same moment."""
    if not env.get("APP_CLOCK"):
        return None
    from bot.core.clock import clock_from
    try:
        clock = clock_from(env["APP_CLOCK"])
    except ValueError as e:
        raise SystemExit(f"APP_CLOCK: {e}") from None
    env["APP_CLOCK"] = spec = clock.spec() or ""
    print(f"clock: every part is moved to {clock.now():%Y-%m-%d %H:%M} (time runs on). To give another "
          f"process the same moment, start it with\n    APP_CLOCK='{spec}' make ingest FILE=…", flush=True)
    return spec


def sandbox_backends_env(port_base: int, env: dict[str, str]) -> dict[str, str]:
    """The app's backend URLs for a sandbox on `port_base`: config.yaml's sandbox profile names
    the default ports (9101–9110), so another SANDBOX_PORT_BASE must reach the app too, or it would
    call whatever listens on the default ports. Only in the sandbox profile, and never over a
    URL the environment already sets."""
    if env.get("APP_PROFILE", "sandbox") not in ("sandbox", "staging"):
        return {}
    out = {}
    for name, url in backend_urls(port_base).items():
        var = f"APP__BACKENDS__{name.upper()}__BASE_URL"
        if name != "control" and var not in env:
            out[var] = url
    return out


def build_parts() -> list[Part]:
    anchor_clock()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    nlu_url = os.environ.get("NLU_URL", "http://127.0.0.1:5005").rstrip("/")
    port_base = int(os.environ.get("SANDBOX_PORT_BASE", "9100"))
    sim_port = int(os.environ.get("WECHAT_SIM_PORT", "9200"))
    web_port = os.environ.get("PORT", "8000")
    model = Path(subprocess.run([PY, "scripts/nlu_model.py", "ensure"], cwd=ROOT, check=True,
                                capture_output=False, stdout=subprocess.PIPE, text=True).stdout.strip())

    nlu_parts, nlu_urls = rasa_parts(nlu_url, model, int(os.environ.get("NLU_SERVERS", default_nlu_servers())))

    metrics_dir = Path(tempfile.mkdtemp(prefix="gov-metrics-"))
    app_env = {"REDIS_URL": redis_url, "NLU_URL": nlu_urls, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
               "WECHAT_API_BASE_URL": os.environ.get("WECHAT_API_BASE_URL", f"http://127.0.0.1:{sim_port}"),
               **sandbox_backends_env(port_base, dict(os.environ))}

    parts: list[Part] = []
    if (p := redis_part(redis_url)) is not None:
        parts.append(p)
    rate = ["--rate-limit", os.environ["SANDBOX_RATE_LIMIT"]] if os.environ.get("SANDBOX_RATE_LIMIT") else []
    parts.append(Part("sandbox", [PY, "-m", "sandbox", "--host", "127.0.0.1", "--port-base", str(port_base), *rate],
                      ready=lambda: http_ok(f"http://127.0.0.1:{port_base}/__health")))
    if (ROOT / "sandbox" / "wechat_sim").is_dir():
        parts.append(Part("wechat-sim", [PY, "-m", "sandbox.wechat_sim", "--port", str(sim_port)],
                          ready=lambda: http_ok(f"http://127.0.0.1:{sim_port}/__sim/stats")))
    parts.extend(nlu_parts)
    if (ROOT / "bot" / "worker.py").exists():
        for i in range(int(os.environ.get("JOB_WORKERS", "1"))):
            parts.append(Part(f"worker-{i + 1}", [PY, "-m", "bot.worker"], ready=lambda: True, env=app_env,
                              after_previous=True))
    if (ROOT / "bot" / "watcher.py").exists():
        for i in range(int(os.environ.get("WATCHERS", "1"))):
            parts.append(Part(f"watcher-{i + 1}", [PY, "-m", "bot.watcher"], ready=lambda: True, env=app_env,
                              after_previous=True))
    parts.append(Part(
        "web",
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{web_port}",
         "--workers", os.environ.get("WEB_WORKERS", "2"), "--threads", os.environ.get("WEB_THREADS", "8"),
         "--timeout", "30", "--access-logfile", "-", "app:create_app()"],
        ready=lambda: http_ok(f"http://127.0.0.1:{web_port}/readyz", timeout=3), env=app_env, ready_timeout_s=60,
        after_previous=True))
    return parts


def main() -> int:
    parts: list[Part] = []
    started: list[Part] = []
    stopping = False

    def stop_all(*_args) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nstopping ...", flush=True)
        for part in reversed(started):
            part.stop()
            print(f"  stopped {part.name}", flush=True)

    signal.signal(signal.SIGTERM, lambda *a: (stop_all(), sys.exit(0)))
    # `make` killed on its own (pkill make, a closed terminal's make) leaves us orphaned with the
    # whole stack running: its death is a SIGTERM to us, and we stop everything in order.
    parent = os.getppid()
    sigterm_when_parent_dies()
    if parent != 1 and os.getppid() != parent:
        # it died before the request took effect (a parent that IS pid 1, a container's, is fine)
        print("make run: the process that started it is gone; not starting", file=sys.stderr)
        return 1
    # Ctrl-C, even when a parent started us with SIGINT ignored (background jobs of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        parts = build_parts()
        t0 = time.monotonic()
        pending: list[Part] = []

        def wait_pending() -> None:
            for p in pending:
                p.wait_ready()
                print(f"{p.name}: ready ({time.monotonic() - t0:.1f} s after start)", flush=True)
            pending.clear()

        for part in parts:
            if part.after_previous:
                wait_pending()
            print(f"{part.name}: starting ...", flush=True)
            part.start()
            started.append(part)
            pending.append(part)
        wait_pending()
        web_port = os.environ.get("PORT", "8000")
        print(f"\nready: http://127.0.0.1:{web_port}  (logs in {LOGS}/, Ctrl-C stops everything)", flush=True)
        print(f"console: http://127.0.0.1:{web_port}/console/  (an account: make user NAME=… ROLE=office)", flush=True)
        while True:
            for part in started:
                if (notice := part.death()) is not None:
                    # Fail-fast on purpose: a development stack with a part missing misleads.
                    raise RuntimeError(f"{notice}\nmake run stops everything when one part dies")
            time.sleep(1)
    except KeyboardInterrupt:
        stop_all()
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        stop_all()
        return 1


if __name__ == "__main__":
    sys.exit(main())
