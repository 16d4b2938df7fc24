"""Faults that tests (in another process) switch on over HTTP, and request counters.

A fault applies to every request a backend receives until it is reset, or to
the next `times` requests. "down" is different: it closes the backend's
listening socket (see server.py), so no request ever arrives to count it.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

MODES = ("timeout", "error_500", "error_503", "garbage", "down", "auth_reject", "slow")

# How long a "timeout" fault holds a request, and how long "slow" adds, when
# the caller gives no delay_s. A timeout must outlast any client read timeout.
DEFAULT_DELAY_S = {"timeout": 30.0, "slow": 1.0}


@dataclass
class Fault:
    mode: str
    times: int | None = None  # None: until reset
    delay_s: float = 0.0
    # Set by reset so that requests held by "timeout"/"slow" are released at once.
    released: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict:
        return {"mode": self.mode, "times_left": self.times, "delay_s": self.delay_s}


class FaultBoard:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}

    def set(self, backend: str, mode: str, times: int | None = None, delay_s: float | None = None) -> Fault:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise ValueError("times must be a whole number >= 1 (omit it for 'until reset')")
        delay = DEFAULT_DELAY_S.get(mode, 0.0) if delay_s is None else float(delay_s)
        if delay < 0:
            raise ValueError("delay_s must be >= 0")
        fault = Fault(mode, None if mode == "down" else times, delay)
        with self._lock:
            old = self._faults.get(backend)
            self._faults[backend] = fault
        if old:
            old.released.set()
        return fault

    def take(self, backend: str) -> Fault | None:
        """The fault that applies to one request now arriving at `backend`, if any."""
        with self._lock:
            fault = self._faults.get(backend)
            if fault is None or fault.mode == "down":
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[backend]
            return fault

    def is_down(self, backend: str) -> bool:
        with self._lock:
            f = self._faults.get(backend)
            return bool(f and f.mode == "down")

    def reset(self) -> list[str]:
        """Clear every fault; returns the backends that were down (to bring back up)."""
        with self._lock:
            faults, self._faults = self._faults, {}
        for f in faults.values():
            f.released.set()
        return [name for name, f in faults.items() if f.mode == "down"]

    def snapshot(self) -> dict[str, dict]:
        with self._lock:
            return {name: f.as_dict() for name, f in self._faults.items()}


class Stats:
    """Per-backend counters: every request received, per endpoint, faulted,
    records created, idempotent replays and requests refused for an identifier
    in the URL (identifier_in_url). Cumulative for the process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counters: dict[str, Counter] = {}

    def add(self, backend: str, counter: str, n: int = 1) -> None:
        with self._lock:
            self._counters.setdefault(backend, Counter())[counter] += n

    def get(self, backend: str) -> dict[str, int]:
        with self._lock:
            c = self._counters.get(backend, Counter())
            out = {"requests": 0, "faulted": 0, "created": 0, "idempotent_replays": 0, "identifier_in_url": 0}
            out.update(c)
            return out
