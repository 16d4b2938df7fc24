"""python -m sandbox --host 127.0.0.1 --port-base 9100

Starts every sandbox backend (port_base + offset, see sandbox/ports.py) and the
control port (port_base), each a threaded HTTP server in this process.
SIGINT/SIGTERM stop it. Logs go to stderr with ID and phone numbers redacted.
The synthetic population behind the bulk listings (sandbox/population.py) is
generated in a thread once the servers listen, so it never delays start-up.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python sandbox/__main__.py` from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.clock import ENV_VAR, clock_from  # noqa: E402
from bot.core.privacy import redact_text  # noqa: E402
from sandbox.backends import BACKEND_CLASSES  # noqa: E402
from sandbox.control import ControlApp  # noqa: E402
from sandbox.data import load_world, now_local  # noqa: E402
from sandbox.population import SEED, SIZE  # noqa: E402
from sandbox.faults import FaultBoard, Stats  # noqa: E402
from sandbox.ports import DEFAULT_PORT_BASE, OFFSETS  # noqa: E402
from sandbox.server import BackendServer  # noqa: E402

log = logging.getLogger("sandbox")


class _RedactFilter(logging.Filter):
    """Last line of defence: no log record leaves with an ID or phone number."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        return True


def _setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n\n")[1])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE)
    parser.add_argument("--log-level", default="INFO", help="DEBUG shows every request (redacted)")
    parser.add_argument("--market-delay-ms", type=float, default=350, help="latency of market_regulation")
    parser.add_argument("--token-ttl-s", type=int, default=120, help="life of medical_insurance tokens")
    parser.add_argument("--session-ttl-s", type=int, default=600, help="life of civil_affairs login sessions")
    parser.add_argument("--cursor-ttl-s", type=float, default=300, help="life of social_insurance bulk cursors")
    parser.add_argument("--rate-limit", default=None,
                        help="every backend's request rate limit, e.g. 500/second (default: each backend's own)")
    parser.add_argument("--population-size", type=int, default=SIZE, help="people in the synthetic population")
    parser.add_argument("--population-seed", type=int, default=SEED, help="its random seed")
    args = parser.parse_args(argv)
    _setup_logging(args.log_level)
    try:
        clock_from(os.environ.get(ENV_VAR))   # what bot.core.clock.CLOCK was moved to, if anything
    except ValueError as e:
        parser.error(f"{ENV_VAR}: {e}")

    world = load_world(population_size=args.population_size, population_seed=args.population_seed)
    faults, stats = FaultBoard(), Stats()
    options = {"market_regulation": {"delay_ms": args.market_delay_ms},
               "medical_insurance": {"token_ttl_s": args.token_ttl_s},
               "civil_affairs": {"session_ttl_s": args.session_ttl_s},
               "social_insurance": {"cursor_ttl_s": args.cursor_ttl_s}}
    if args.rate_limit:
        for name in BACKEND_CLASSES:
            options.setdefault(name, {})["rate_limit"] = args.rate_limit
    apps = {name: cls(world, faults, stats, options.get(name)) for name, cls in BACKEND_CLASSES.items()}
    servers = {name: BackendServer(name, args.host, args.port_base + OFFSETS[name], app) for name, app in apps.items()}
    control_app = ControlApp(servers, apps, faults, stats)
    control = BackendServer("control", args.host, args.port_base + OFFSETS["control"], control_app)

    # A plain flag, not a threading.Event: the handler runs in the main thread, which could be
    # holding the Event's lock inside wait() at that moment, and set() would then deadlock.
    stopping: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: stopping.append(signum))
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    try:
        for server in servers.values():
            server.start()
        control.start()
    except OSError as e:
        log.error("%s", e)
        for server in [*servers.values(), control]:
            server.stop()
        return 1
    control_app.ready = True
    # The population, this year's endorsements and the limits' counters are made in a thread,
    # after the servers listen.
    world.exchange.warm_up(then=[lambda: world.exchange.get().endorsements.listed(now_local()),
                                 *(q.ready for app in apps.values() for q in [*app.quotas.values(), app.rate])])
    log.info("sandbox ready: %d backends, control on http://%s:%d (%d citizens)",
             len(servers), args.host, args.port_base, len(world.citizens))

    while not stopping:
        time.sleep(0.1)
    log.info("stopping")
    faults.reset()  # release requests held by "timeout"/"slow" faults
    for server in [control, *servers.values()]:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
