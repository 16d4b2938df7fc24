"""One place that builds Redis clients and namespaces their keys.

Every key the application writes starts with the configured prefix, so tests
(and several deployments sharing one Redis) never see each other's data.
"""
from __future__ import annotations

from typing import Mapping

import redis


class RedisHub:
    def __init__(self, url: str, prefix: str, *, socket_timeout: float = 2.0):
        self.url = url
        self.prefix = prefix
        # Text client for our own keys; a raw (bytes) client for libraries that
        # pickle or expect bytes (the shared circuit-breaker state).
        self.text = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout,
            health_check_interval=30,
        )
        self.raw = redis.Redis.from_url(
            url, decode_responses=False, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout,
            health_check_interval=30,
        )

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def get(self, key: str, prefetched: Mapping[str, str | None] | None = None) -> str | None:
        """The value of `key`: from `prefetched` when a turn's reads already hold it (fetched in
        one round trip, bot.conversation.dispatcher._prefetch), else from Redis."""
        if prefetched is not None and key in prefetched:
            return prefetched[key]
        return self.text.get(key)

    def ping(self) -> bool:
        try:
            return bool(self.text.ping())
        except redis.RedisError:
            return False

    def delete_prefix(self, sub: str = "") -> int:
        """Delete every key under prefix+sub (used by tests and by data deletion)."""
        n = 0
        for k in self.text.scan_iter(match=self.prefix + sub + "*", count=500):
            n += self.text.delete(k)
        return n
