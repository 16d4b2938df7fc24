"""One worker process for deferred jobs: `python -m bot.worker` (start as many as needed).

It builds its own Runtime (the dispatcher, for queued and rescued turns) and serves
the job stream of bot.core.jobs as one consumer of the shared group; in a thread of its own, the
staff stream, where the periodic jobs are queued when due (the cross-department checks, every
crosscheck.interval_s, once across all workers); SIGTERM/SIGINT finish
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
from bot.core.jobs import JobHandler, JobQueue, JobRunner, Periodic

log = logging.getLogger("bot.worker")


CROSSCHECK = "crosscheck.run"


def job_handlers(runtime) -> tuple[JobQueue, dict[str, JobHandler]]:
    """Every job kind and who runs it (an explicit list: one line per producer)."""
    late = runtime.wechat_oa.late
    return late.jobs, {**late.job_handlers()}


def staff_jobs(runtime) -> JobRunner:
    """The staff side's long jobs (a cross-check run reads whole listings for many seconds) on a
    stream of their own, served by a thread of their own, so that they never hold up a citizen's
    late answer; queued on a schedule, once per interval across all workers."""
    queue = JobQueue(runtime.hub, "staff", max_tries=3, backoff_s=(300, 1800), visibility_s=3600)
    return JobRunner(queue, {CROSSCHECK: lambda payload: run_crosscheck(runtime)},
                     periodic=(Periodic(CROSSCHECK, runtime.crosscheck_settings.interval_s),))


def run_crosscheck(runtime) -> None:
    """A scheduled run; one that could not check every rule fails, to be tried again later (its
    findings so far are kept, and a retry adds none twice)."""
    report = runtime.run_crosscheck("schedule")
    if not report.complete:
        raise RuntimeError(f"cross-check run {report.run_id} could not check: {', '.join(report.unchecked)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.worker", description="Serve the deferred-job stream.")
    parser.add_argument("--block-ms", type=int, default=1000, help="how long one read waits for new jobs")
    args = parser.parse_args(argv)

    from bot.runtime import build_runtime
    from bot.core.settings import load_settings

    try:
        runtime = build_runtime(load_settings())
        queue, handlers = job_handlers(runtime)
        staff = staff_jobs(runtime)
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner = JobRunner(queue, handlers)
    log.info("worker %s serving %s (%s) and %s (%s)", runner.consumer, queue.stream, ", ".join(sorted(handlers)),
             staff.queue.stream, ", ".join(sorted(staff.handlers)))
    staff_thread = threading.Thread(target=staff.run_forever, args=(stop.is_set, args.block_ms),
                                    name="staff-jobs", daemon=True)
    staff_thread.start()
    runner.run_forever(stop.is_set, block_ms=args.block_ms)
    staff_thread.join(timeout=5)    # a cross-check run under way is left to finish or be taken over
    log.info("worker %s stopped", runner.consumer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
