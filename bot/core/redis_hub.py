"""One place that builds Redis clients and namespaces their keys.

Every key the application writes starts with the configured prefix, so tests
(and several deployments sharing one Redis) never see each other's data.
"""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import unquote, urlparse

import redis
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel"


def parse_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, int, str | None]:
    """`redis+sentinel://[:password@]host:port[,host:port…]/<service>/<db>` (interfaces.md) ->
    (the sentinels, the service name, the db, the password of the Redis servers or None)."""
    u = urlparse(url)
    if u.scheme != SENTINEL_SCHEME:
        raise ValueError(f"not a {SENTINEL_SCHEME}:// URL")
    creds, _, hosts = u.netloc.rpartition("@")
    password = unquote(creds.partition(":")[2]) or None if creds else None
    sentinels = []
    for hp in hosts.split(","):
        host, _, port = hp.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"sentinel address {hp!r} is not host:port")
        sentinels.append((host.strip("[]"), int(port)))
    parts = [p for p in u.path.split("/") if p]
    if not parts or len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
        raise ValueError("the path must be /<service>/<db>")
    return sentinels, parts[0], int(parts[1]) if len(parts) == 2 else 0, password


def redis_client(url: str, **options: Any) -> redis.Redis:
    """A client for redis://, rediss://, unix:// or redis+sentinel:// (the master of the
    service, found through the sentinels again after a failover). The password is the Redis
    servers'; the sentinels are asked without one."""
    if not url.startswith(SENTINEL_SCHEME + "://"):
        return redis.Redis.from_url(url, **options)
    sentinels, service, db, password = parse_sentinel_url(url)
    timeouts = {k: options[k] for k in ("socket_timeout", "socket_connect_timeout") if k in options}
    return Sentinel(sentinels, sentinel_kwargs=timeouts).master_for(service, db=db, password=password, **options)


class RedisHub:
    def __init__(self, url: str, prefix: str, *, socket_timeout: float = 2.0):
        self.url = url
        self.prefix = prefix
        # Text client for our own keys; a raw (bytes) client for libraries that
        # pickle or expect bytes (the shared circuit-breaker state).
        self.text = redis_client(
            url, decode_responses=True, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout,
            health_check_interval=30,
        )
        self.raw = redis_client(
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
