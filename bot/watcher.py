"""The progress-notification watcher: `python -m bot.watcher` (bot/notifications/watcher.py).

Polls the watched matters on the schedule of the `notifications:` settings, within each
backend's rate budget, and tells each change once. `make run` starts one; more may run (each
due matter goes to one of them). SIGTERM/SIGINT finish the cycle at hand and stop; a watcher
killed outright loses nothing (the ledger is in Redis). `--once` runs one cycle and prints
what it did (JSON).
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from bot.core.errors import ConfigError

log = logging.getLogger("bot.watcher")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.watcher", description="Watch subscribed matters.")
    parser.add_argument("--once", action="store_true", help="one cycle, then print its counts and stop")
    args = parser.parse_args(argv)

    from bot.core.settings import load_settings
    from bot.runtime import build_runtime

    try:
        runtime = build_runtime(load_settings())
        watcher = runtime.watcher()
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    if args.once:
        print(json.dumps(watcher.run_once().__dict__))
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("watcher started: a tick every %.1f s, each matter polled every %.0f s",
             watcher.settings.tick_s, watcher.settings.poll_every_s)
    watcher.sleep = lambda s: stop.wait(s)
    watcher.run_forever(stop.is_set)
    log.info("watcher stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
