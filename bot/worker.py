"""One worker process for deferred jobs: `python -m bot.worker` (start as many as needed).

It builds its own Runtime (the dispatcher, for queued and rescued turns) and serves
the job stream of bot.core.jobs as one consumer of the shared group; SIGTERM/SIGINT finish
the job at hand and stop. Building the WeChat channel (Runtime.wechat_oa) also registers it
as the Outbox sender for "wechat_oa" here, so messages that waited for a sender go out.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from bot.core.errors import ConfigError
from bot.core.jobs import JobHandler, JobQueue, JobRunner

log = logging.getLogger("bot.worker")


def job_handlers(runtime) -> tuple[JobQueue, dict[str, JobHandler]]:
    """Every job kind and who runs it (an explicit list: one line per producer)."""
    late = runtime.wechat_oa.late
    return late.jobs, {**late.job_handlers()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.worker", description="Serve the deferred-job stream.")
    parser.add_argument("--block-ms", type=int, default=1000, help="how long one read waits for new jobs")
    args = parser.parse_args(argv)

    from bot.runtime import build_runtime
    from bot.core.settings import load_settings

    try:
        runtime = build_runtime(load_settings())
        queue, handlers = job_handlers(runtime)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner = JobRunner(queue, handlers)
    log.info("worker %s serving %s (%s)", runner.consumer, queue.stream, ", ".join(sorted(handlers)))
    runner.run_forever(stop.is_set, block_ms=args.block_ms)
    log.info("worker %s stopped", runner.consumer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
