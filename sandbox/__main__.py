"""python -m sandbox --host 127.0.0.1 --port-base 9100

Starts every sandbox backend (port_base + offset, see sandbox/ports.py) and the
control port (port_base), each a threaded HTTP server in this process.
SIGINT/SIGTERM stop it. Logs go to stderr with ID and phone numbers redacted.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

if __package__ in (None, ""):  # `python sandbox/__main__.py` from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.privacy import redact_text  # noqa: E402
from sandbox.backends import BACKEND_CLASSES  # noqa: E402
from sandbox.control import ControlApp  # noqa: E402
from sandbox.data import load_world  # noqa: E402
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
    args = parser.parse_args(argv)
    _setup_logging(args.log_level)

    world = load_world()
    faults, stats = FaultBoard(), Stats()
    options = {"market_regulation": {"delay_ms": args.market_delay_ms},
               "medical_insurance": {"token_ttl_s": args.token_ttl_s}}
    apps = {name: cls(world, faults, stats, options.get(name)) for name, cls in BACKEND_CLASSES.items()}
    servers = {name: BackendServer(name, args.host, args.port_base + OFFSETS[name], app) for name, app in apps.items()}
    control_app = ControlApp(servers, apps, faults, stats)
    control = BackendServer("control", args.host, args.port_base + OFFSETS["control"], control_app)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
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
    log.info("sandbox ready: %d backends, control on http://%s:%d (%d citizens)",
             len(servers), args.host, args.port_base, len(world.citizens))

    stop.wait()
    log.info("stopping")
    faults.reset()  # release requests held by "timeout"/"slow" faults
    for server in [control, *servers.values()]:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
