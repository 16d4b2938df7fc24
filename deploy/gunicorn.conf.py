"""gunicorn's settings for the web app in production and staging (scripts/serve.py runs
`gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`). Each may be set from the environment.

Sizing (docs/benchmarks.md): a WeChat turn mostly waits on Redis, Rasa and the backends, so
threads serve several citizens per process; processes use the cores.
"""
import os

from prometheus_client import multiprocess

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
# A process runs at most wechat.max_inline_turns (4) turns at once; its other threads answer the
# cheap pushes (a menu click, a cached question, "on its way" for a push that waited): with 8 threads,
# 4 turns waiting on Rasa left only 4 for everything else, and pushes aged in the queue behind them.
threads = int(os.environ.get("WEB_THREADS", "16"))
worker_class = "gthread"
# Connections a process takes in before it has a thread for them (gunicorn's default is 1000). Held
# few, the rest wait in the kernel's accept queue, first come first served, for whichever process
# frees a thread first, instead of piling up behind one busy process while the other idles.
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", str(2 * threads)))
# A request longer than this means a stuck worker: gunicorn replaces it. The WeChat turn itself
# answers within its 4 s budget; the console's exports are the long ones.
timeout = int(os.environ.get("WEB_TIMEOUT_S", "30"))
graceful_timeout = 30            # on SIGTERM (an upgrade), requests in flight finish first
keepalive = 5                    # a little above the load balancer's idle timeout is the usual advice
# Restart each worker now and then (jittered, so not all at once): a slow leak cannot grow for ever.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# The heartbeat files on a memory file system: a slow disk must not look like a stuck worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Connections waiting for a worker thread; more than the budget can serve only makes them late.
# The kernel caps it at net.core.somaxconn (warned about at start, below).
backlog = int(os.environ.get("WEB_BACKLOG", "2048"))
SOMAXCONN = "/proc/sys/net/core/somaxconn"
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
# The proxy in front is trusted by the app itself (app.proxy_hops, ProxyFix); gunicorn's own
# forwarded-header handling stays off so that there is one rule, not two.
forwarded_allow_ips = ""
proc_name = "citizen-assistant-web"


def accept_queue_cap(path: str = SOMAXCONN) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None           # not Linux, or not readable: nothing to say


def on_starting(server):
    # listen(backlog) is silently cut to net.core.somaxconn (128 on older kernels): a burst then
    # finds the accept queue full and connections refused, not waiting (docs/deployment.md).
    wanted = getattr(getattr(server, "cfg", None), "backlog", backlog)   # a --backlog given on the command line too
    cap = accept_queue_cap(SOMAXCONN)
    if cap is not None and cap < wanted:
        server.log.warning("backlog %d is capped at net.core.somaxconn %d: raise it "
                           "(sysctl -w net.core.somaxconn=%d) or lower WEB_BACKLOG", wanted, cap, wanted)


def child_exit(server, worker):
    # A dead worker's live gauges must not be added up any longer (prometheus multiprocess mode).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
