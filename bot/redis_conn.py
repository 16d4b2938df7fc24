"""One place that builds Redis clients and namespaces their keys.

Every key the application writes starts with the configured prefix, so tests
(and several deployments sharing one Redis) never see each other's data.
"""
from __future__ import annotations

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
