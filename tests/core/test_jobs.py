"""The job stream: acknowledged, retried with back-off, dead-lettered, shared by workers, taken
over from a dead worker. (`python -m bot.worker` as a process: tests/test_worker.py.)"""
from __future__ import annotations

import threading
import time

from bot.core.jobs import JobQueue, JobRunner

def _queue(hub, **kw) -> JobQueue:
    return JobQueue(hub, "test", **{"max_tries": 3, "backoff_s": (0.1, 0.2), "visibility_s": 60, **kw})


def _drain(runner: JobRunner, until, timeout_s=10):
    deadline = time.monotonic() + timeout_s
    while not until():
        assert time.monotonic() < deadline, "jobs did not finish"
        runner.run_once(block_ms=50)


def test_done_jobs_are_acknowledged_and_removed(redis_hub):
    q = _queue(redis_hub)
    seen = []
    runner = JobRunner(q, {"note": lambda p: seen.append(p["n"])}, consumer="c1")
    for n in range(3):
        q.enqueue("note", {"n": n})
    _drain(runner, lambda: len(seen) == 3)
    assert seen == [0, 1, 2]
    assert q.waiting() == {"stream": 0, "unacknowledged": 0, "delayed": 0, "dead": 0}


def test_failures_retry_with_back_off_then_succeed(redis_hub):
    q = _queue(redis_hub)
    tries = []

    def flaky(p):
        tries.append((p["_attempt"], time.monotonic()))
        if len(tries) < 3:
            raise RuntimeError("backend down")

    runner = JobRunner(q, {"flaky": flaky}, consumer="c1")
    q.enqueue("flaky", {})
    _drain(runner, lambda: len(tries) == 3)
    assert [a for a, _ in tries] == [1, 2, 3]
    assert tries[1][1] - tries[0][1] >= 0.1 and tries[2][1] - tries[1][1] >= 0.2    # the back-off waited
    assert q.waiting()["dead"] == 0


def test_last_failure_goes_to_the_dead_letters(redis_hub):
    q = _queue(redis_hub)
    runner = JobRunner(q, {"doomed": lambda p: 1 / 0}, consumer="c1")
    job_id = q.enqueue("doomed", {"x": 1})
    _drain(runner, lambda: q.waiting()["dead"] == 1)
    (dead,) = q.dead_letters()
    assert dead["job_id"] == job_id and dead["attempt"] == "3" and "ZeroDivisionError" in dead["error"]
    assert q.waiting()["delayed"] == 0 and q.waiting()["unacknowledged"] == 0


def test_unknown_kind_is_dead_at_once(redis_hub):
    q = _queue(redis_hub)
    q.enqueue("nobody_handles_this", {})
    _drain(JobRunner(q, {}, consumer="c1"), lambda: q.waiting()["dead"] == 1)


def test_several_workers_share_the_stream_each_job_once(redis_hub):
    q = _queue(redis_hub)
    done, lock = [], threading.Lock()

    def work(p):
        time.sleep(0.01)
        with lock:
            done.append(p["n"])

    for n in range(40):
        q.enqueue("work", {"n": n})
    runners = [JobRunner(_queue(redis_hub), {"work": work}, consumer=f"w{i}") for i in range(3)]
    threads = [threading.Thread(target=_drain, args=(r, lambda: len(done) >= 40)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(done) == list(range(40))


def test_a_dead_workers_job_is_taken_over(redis_hub):
    q = _queue(redis_hub, visibility_s=5)
    q.enqueue("work", {"n": 1})
    q.ensure_group()
    # A worker reads the job and dies before acknowledging it.
    assert len(q.fetch("dying-worker", block_ms=100)) == 1
    done = []
    runner = JobRunner(q, {"work": lambda p: done.append(p["_attempt"])}, consumer="survivor")
    runner.run_once(block_ms=50)
    assert done == []                            # not yet: it might still be working on it
    q.visibility_ms = 100
    time.sleep(0.2)
    _drain(runner, lambda: done)
    assert done == [2]                           # taken over, counted as a second try


def test_a_slow_batch_does_not_run_the_jobs_another_worker_took_over(redis_hub):
    from bot.core.jobs import GROUP
    q = _queue(redis_hub)
    for n in range(3):
        q.enqueue("work", {"n": n})
    q.ensure_group()
    runs = []

    def first_is_slow(payload):
        runs.append(payload["n"])
        if payload["n"] == 0:
            # While the first job runs long, the batch's other jobs outstay their visibility and
            # another worker takes them over (what its XAUTOCLAIM does after visibility_s).
            pending = redis_hub.text.xpending_range(q.stream, GROUP, "-", "+", 10, consumername="A")
            others = [p["message_id"] for p in pending][1:]
            redis_hub.text.xclaim(q.stream, GROUP, "B", 0, others)

    assert JobRunner(q, {"work": first_is_slow}, consumer="A").run_once(block_ms=50) == 3
    assert runs == [0]                                   # the other two are B's now
    assert q.waiting()["unacknowledged"] == 2


def test_a_periodic_job_is_queued_once_per_interval_whatever_the_workers(redis_hub):
    from bot.core.jobs import JobQueue, Periodic
    queue = JobQueue(redis_hub, "staff-periodic")
    job = Periodic("crosscheck.run", 3600)
    queued = [job.enqueue_if_due(queue) for _ in range(3)]      # three workers' loops
    assert sum(q is not None for q in queued) == 1
    assert redis_hub.text.xlen(queue.stream) == 1
    assert Periodic("crosscheck.run", 0).enqueue_if_due(queue) is None   # 0: the schedule is off
    redis_hub.text.delete(redis_hub.key("jobs", "periodic", "crosscheck.run"))   # the interval has passed
    assert job.enqueue_if_due(queue) is not None and redis_hub.text.xlen(queue.stream) == 2
