#!/usr/bin/env python3
"""The production entry point: every long-running process of one host under supervisord.

    python scripts/serve.py              check the settings, write run/supervisord.conf, run supervisord
    python scripts/serve.py config       print that configuration
    python scripts/serve.py programs     print each program and its command (what deploy/ must name)
    python scripts/serve.py run NAME [I] become program NAME (instance I): what supervisord starts,
                                         and what each systemd unit and compose service runs
    python scripts/serve.py ctl ARGS...  supervisorctl on this host's supervisord (status, restart web, ...)

The programs (PROGRAMS): `web` (gunicorn with deploy/gunicorn.conf.py), `worker` (the deferred-job
consumers, JOB_WORKERS of them) and `rasa` (one Rasa server per loopback address in NLU_URL; Rasa
servers of other hosts are theirs). supervisord restarts whatever dies; one that dies again
within `startsecs` waits a second longer each time (its backoff) and is never given up on.

Unlike `make run` (scripts/devstack.py), which stops everything when one part dies, here the others
go on serving: without Rasa the citizen still gets what needs no NLU, and the web app answers
WeChat without a 5xx while Redis is away (docs/deployment.md). The profile is APP_PROFILE's:
`production`, or `staging` (production's layout and checks with the sandbox's backends, which this
script does not start: on staging they run beside it).
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VENV_BIN = ROOT / ".venv" / "bin"
GUNICORN_CONF = "deploy/gunicorn.conf.py"
# Where the generated configuration, the socket and the metrics files of this host live.
RUN_DIR = Path(os.environ.get("SERVE_RUN_DIR", ROOT / "run"))
LOG_DIR = Path(os.environ.get("SERVE_LOG_DIR", ROOT / "logs"))


@dataclass(frozen=True)
class Program:
    name: str
    numprocs: int
    priority: int          # lower starts first, stops last
    stopwaitsecs: int      # SIGTERM, then this long to finish (a job, a request) before SIGKILL
    indexed: bool = True   # instances are numbered (rasa-0 listens on the first local NLU_URL, ...)

    def command(self, index: int | str = 0) -> list[str]:
        """The command of one instance, as every deployment file names it (the interpreter aside)."""
        args = ["scripts/serve.py", "run", self.name]
        return args + [str(index)] if self.indexed else args


def local_nlu_urls(env=os.environ) -> list[str]:
    """The Rasa servers this host runs: NLU_URL's addresses on loopback."""
    from bot.core.production import is_loopback
    urls = [u.strip().rstrip("/") for u in env.get("NLU_URL", "http://127.0.0.1:5005").split(",") if u.strip()]
    return [u for u in urls if is_loopback(u)]


def programs(env=os.environ) -> list[Program]:
    """What this host runs: SERVE_PROGRAMS (e.g. `web,worker`) when another supervisor or a
    container of its own runs the rest on this host (a Rasa server already listening on NLU_URL's
    loopback port); every program by default."""
    out = []
    rasa = len(local_nlu_urls(env))
    if rasa:
        out.append(Program("rasa", rasa, priority=100, stopwaitsecs=10))
    out.append(Program("worker", int(env.get("JOB_WORKERS", "2")), priority=200, stopwaitsecs=70))
    out.append(Program("web", 1, priority=300, stopwaitsecs=35, indexed=False))
    wanted = [name.strip() for name in env.get("SERVE_PROGRAMS", "").split(",") if name.strip()]
    unknown = sorted(set(wanted) - {"rasa", "worker", "web"})
    if unknown:
        sys.exit(f"SERVE_PROGRAMS: unknown program {unknown[0]!r}; some of rasa, worker, web")
    return [p for p in out if p.name in wanted] if wanted else out


# -- run NAME [I]: become one program -------------------------------------------------------------

def exec_program(name: str, index: int, env=os.environ) -> None:
    os.chdir(ROOT)
    if name == "web":
        argv = [str(VENV_BIN / "gunicorn"), "-c", GUNICORN_CONF, "app:create_app()"]
    elif name == "worker":
        argv = [str(VENV_BIN / "python"), "-m", "bot.worker"]
    elif name == "rasa":
        from scripts import nlu_model
        url = local_nlu_urls(env)[index]
        model = nlu_model.model_path()
        if not model.exists():
            sys.exit(f"rasa: no model for the current nlu_data/ ({model}); build it with "
                     "`python scripts/nlu_model.py ensure` when installing (docs/deployment.md)")
        u = urlparse(url)
        # RASA_HOST: where a container's Rasa listens (0.0.0.0) while its own NLU_URL says loopback.
        host = env.get("RASA_HOST") or u.hostname or "127.0.0.1"
        argv = [str(nlu_model.RASA), "run", "--enable-api", "-m", str(model), "-i", host, "-p", str(u.port or 5005)]
    else:
        sys.exit(f"unknown program {name!r}; one of: {', '.join(p.name for p in programs(env))}")
    os.execv(argv[0], argv)


# -- the supervisord configuration ----------------------------------------------------------------

def supervisord_conf(env=os.environ) -> str:
    python = str(VENV_BIN / "python")
    sock = RUN_DIR / "supervisor.sock"
    lines = [
        "; written by scripts/serve.py at each start: edit that script, not this file",
        "[supervisord]",
        "nodaemon=true",
        f"logfile={LOG_DIR / 'supervisord.log'}",
        f"pidfile={RUN_DIR / 'supervisord.pid'}",
        f"childlogdir={LOG_DIR}",
        f"directory={ROOT}",
        "",
        "[unix_http_server]",
        f"file={sock}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{sock}",
    ]
    for p in programs(env):
        lines += [
            "",
            f"[program:{p.name}]",
            f"command={' '.join([python, *p.command('%(process_num)d')])}",
            "process_name=%(program_name)s-%(process_num)d" if p.indexed else "process_name=%(program_name)s",
            f"numprocs={p.numprocs}",
            f"priority={p.priority}",
            "autostart=true",
            "autorestart=true",
            # Up this long counts as started; a process dying sooner is retried after 1, 2, 3 ... s
            # (supervisord's backoff), as many times as it takes: a dead backend must not end in FATAL.
            "startsecs=5",
            "startretries=1000000",
            "stopsignal=TERM",
            f"stopwaitsecs={p.stopwaitsecs}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={LOG_DIR / (p.name + ('-%(process_num)d' if p.indexed else '') + '.log')}",
            "stdout_logfile_maxbytes=50MB",
            "stdout_logfile_backups=5",
        ]
    return "\n".join(lines) + "\n"


def check_settings() -> None:
    """Refuse to start with settings the app would refuse, naming the setting (ConfigError)."""
    from bot.core.errors import ConfigError
    from bot.core.settings import load_settings
    try:
        settings = load_settings()
    except ConfigError as e:
        sys.exit(f"configuration error: {e}")
    if not settings.runs_like_production:
        sys.exit(f"APP_PROFILE={settings.profile}: scripts/serve.py runs the production or staging profile "
                 "(`make run` is the development stack)")


def prepare_metrics_dir() -> Path:
    """Every process of this host counts into one folder (prometheus_client's multiprocess mode);
    the counts of an earlier run are not this run's."""
    path = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR", RUN_DIR / "metrics"))
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "serve"
    if cmd == "run" and len(argv) in (3, 4):
        exec_program(argv[2], int(argv[3]) if len(argv) == 4 else 0)
    if cmd == "config":
        print(supervisord_conf(), end="")
        return 0
    if cmd == "programs":
        for p in programs():
            for i in range(p.numprocs):
                print(p.name, " ".join(p.command(i)))
        return 0
    if cmd == "ctl":
        conf = RUN_DIR / "supervisord.conf"
        os.execv(str(VENV_BIN / "supervisorctl"), [str(VENV_BIN / "supervisorctl"), "-c", str(conf), *argv[2:]])
    if cmd != "serve":
        print(__doc__, file=sys.stderr)
        return 2
    check_settings()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(prepare_metrics_dir())
    conf = RUN_DIR / "supervisord.conf"
    conf.write_text(supervisord_conf())
    os.execv(str(VENV_BIN / "supervisord"), [str(VENV_BIN / "supervisord"), "-c", str(conf)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
