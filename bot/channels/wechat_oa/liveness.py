"""Which overrun turns a live web process still holds.

An inline turn that overruns its budget is recorded so that a worker can run it again if its
web process dies (channel.rescue_turn). "Still nothing after rescue_after_s" alone cannot tell
a dead process from a turn that is merely slow, or still waiting for a free thread of a busy
process — and running a live turn twice could file a complaint twice. So while a process holds
an overrun turn it keeps a short-lived key for it, refreshed by one thread: a process that dies
stops refreshing, its keys expire, and only then is the turn run again.
"""
from __future__ import annotations

import logging
import threading

from bot.core.redis_hub import RedisHub

log = logging.getLogger(__name__)


class Liveness:
    def __init__(self, hub: RedisHub, *, ttl_s: float = 20.0, every_s: float = 5.0):
        self.hub = hub
        self.ttl_ms = int(ttl_s * 1000)
        self.every_s = every_s
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def hold(self, key: str) -> None:
        self.hub.text.set(key, "1", px=self.ttl_ms)
        with self._lock:
            self._held.add(key)
            if self._thread is None:       # started on first use: after gunicorn's fork
                self._thread = threading.Thread(target=self._beat, name="wechat-liveness", daemon=True)
                self._thread.start()

    def release(self, key: str) -> None:
        with self._lock:
            self._held.discard(key)
        try:
            self.hub.text.delete(key)
        except Exception:                  # it expires on its own
            log.warning("could not delete a liveness key; it expires by itself")

    def stop(self) -> None:
        """Stop refreshing (as a process that dies does): the keys run out within ttl_s."""
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            with self._lock:
                keys = list(self._held)
            if not keys:
                continue
            try:
                # SET, not PEXPIRE: a key that ran out while Redis was away comes back.
                pipe = self.hub.text.pipeline(transaction=False)
                for key in keys:
                    pipe.set(key, "1", px=self.ttl_ms)
                pipe.execute()
            except Exception:              # Redis away: try again at the next beat
                log.warning("could not refresh %d liveness keys", len(keys))
