"""Ask every backend at once for one citizen's matters (the personal ledger).

One thread pool lives for the process (threads are cheap to keep and costly to
start per request); each call waits at most `deadline_s` overall and returns
what arrived, with a note for each backend that did not answer in time or
failed. One backend's failure never fails the ledger.
"""
from __future__ import annotations

import contextvars
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Mapping

from adapters.errors import BackendError, failure_kind
from adapters.records import Affair, LedgerResult

log = logging.getLogger("adapters.fanout")

# Enough for a few concurrent ledgers across 8 backends; a call that outlives
# its deadline still holds a thread until its own read timeout ends it.
POOL_SIZE = int(os.environ.get("ADAPTER_POOL_SIZE", "32"))
# Health pings (/readyz) run on a small pool of their own, so that probes never
# take threads the citizens' ledgers need; each adapter has at most one ping
# in flight (BackendAdapter.ping), so this is enough for every backend.
HEALTH_POOL_SIZE = 16

_pools: dict[str, ThreadPoolExecutor] = {}   # thread-name prefix -> pool, made on first use
_pool_lock = threading.Lock()


def _shared_pool(name: str, size: int) -> ThreadPoolExecutor:
    pool = _pools.get(name)
    if pool is None:
        with _pool_lock:
            pool = _pools.get(name)
            if pool is None:
                pool = _pools[name] = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)
    return pool


def _executor() -> ThreadPoolExecutor:
    return _shared_pool("backend-fanout", POOL_SIZE)


def _health_executor() -> ThreadPoolExecutor:
    return _shared_pool("backend-health", HEALTH_POOL_SIZE)


def run_concurrently(calls: Mapping[str, Callable[[], Any]], deadline_s: float,
                     pool: ThreadPoolExecutor | None = None) -> tuple[dict[str, Any], set[str]]:
    """Run each call on `pool` (default: the shared fan-out pool); wait at most deadline_s for all.

    Returns ({name: result or the exception it raised}, {names still running}).
    """
    pool = pool or _executor()
    # Each call runs in a copy of the caller's context: who is reading (bot.core.access) goes along.
    futures: dict[Future, str] = {pool.submit(contextvars.copy_context().run, fn): name for name, fn in calls.items()}
    done, not_done = wait(futures, timeout=max(0.0, deadline_s))
    results: dict[str, Any] = {}
    for future in done:
        name = futures[future]
        error = future.exception()
        results[name] = error if error is not None else future.result()
    late = set()
    for future in not_done:
        future.cancel()  # harmless if already running: it finishes and is ignored
        late.add(futures[future])
    return results, late


def collect_affairs(adapters, id_number: str, deadline_s: float = 2.5) -> LedgerResult:
    """Every matter of the citizen across all backends, newest first.

    `adapters` is an Adapters (its ledger_sources()) or any iterable of adapters
    with `.name` and `.affairs(id_number)`. `missing` maps each backend that did
    not contribute to timeout / unavailable / circuit_open / auth / bad_response / error.
    """
    sources = adapters.ledger_sources() if hasattr(adapters, "ledger_sources") else list(adapters)
    results, late = run_concurrently({a.name: (lambda a=a: a.affairs(id_number)) for a in sources}, deadline_s)
    affairs: list[Affair] = []
    missing: dict[str, str] = {name: "timeout" for name in late}
    for name, result in results.items():
        if isinstance(result, BaseException):
            if isinstance(result, BackendError):
                missing[name] = failure_kind(result)
            else:  # a bug, not a backend failure: say so loudly, still answer with the rest
                log.error("ledger: %s raised %s", name, type(result).__name__, exc_info=result)
                missing[name] = "error"
            continue
        affairs.extend(result)
    if missing:
        log.info("ledger incomplete: %s", ", ".join(f"{n}={why}" for n, why in sorted(missing.items())))
    affairs.sort(key=lambda a: a.updated_at, reverse=True)
    return LedgerResult(tuple(affairs), missing)


def shutdown() -> None:
    """Stop the pools (tests, clean worker exit)."""
    with _pool_lock:
        for pool in _pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        _pools.clear()


__all__ = ["collect_affairs", "run_concurrently", "shutdown"]
