#!/usr/bin/env python3
"""Where the hotline intake spends its CPU: `scripts/ingest.py` under cProfile, every thread.

    NLU_URL=… APP__backends__workorders__base_url=… PROF_OUT=/tmp/prof \\
        .venv/bin/python scripts/profile_ingest.py scripts/ingest.py --file calls.jsonl --out /tmp/out --no-progress

cProfile alone sees only the main thread; the calls are processed by the ingestor's worker
threads, so each worker's `HotlineIngestor.process` runs under a profiler of its own (CPU time
of that thread: time.thread_time, so waiting on Rasa is not counted) and the workers' profiles
are merged. Writes $PROF_OUT.main and $PROF_OUT.workers (pstats files) and prints the process's
wall and CPU time. Profiling slows the run; use it for shares, not for rates (bench_hotline.py).
"""
import cProfile
import os
import pstats
import resource
import runpy
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.channels.hotline import ingest as ingest_module  # noqa: E402

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()
_local = threading.local()
_process = ingest_module.HotlineIngestor.process


def _profiled_process(self, call):
    p = getattr(_local, "profile", None)
    if p is None:
        p = _local.profile = cProfile.Profile(time.thread_time)
        with _lock:
            _profiles.append(p)
    p.enable()
    try:
        return _process(self, call)
    finally:
        p.disable()


def main() -> None:
    ingest_module.HotlineIngestor.process = _profiled_process
    out = os.environ.get("PROF_OUT", "/tmp/hotline-profile")
    main_profile = cProfile.Profile(time.thread_time)
    started = time.perf_counter()
    sys.argv = sys.argv[1:]
    main_profile.enable()
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit:
        pass
    finally:
        main_profile.disable()
        ru = resource.getrusage(resource.RUSAGE_SELF)
        print(f"wall {time.perf_counter() - started:.1f} s, CPU user {ru.ru_utime:.1f} s, system {ru.ru_stime:.1f} s",
              file=sys.stderr)
        pstats.Stats(main_profile).dump_stats(out + ".main")
        if _profiles:
            merged = pstats.Stats(_profiles[0])
            for p in _profiles[1:]:
                merged.add(p)
            merged.dump_stats(out + ".workers")


if __name__ == "__main__":
    main()
