"""Adapters against the real sandbox (HTTP) and real Redis.

Settings come from config.yaml's sandbox profile (so that its credentials are
tested too), pointed at the test sandbox and made fast: small timeouts, tiny
backoff, a breaker that opens after 3 failures and retries after 0.5 s.
"""
from __future__ import annotations

import copy

import pytest

from adapters import ADAPTER_CLASSES, build_adapters
from bot.core.config import load_raw

FAST = {
    "connect_timeout_s": 0.5,
    "read_timeout_s": 0.6,
    "retries": 2,
    "backoff_s": 0.01,
    "breaker_fail_max": 3,
    "breaker_reset_s": 0.5,
}
# market_regulation answers in ~350 ms by design.
SLOW_BACKENDS = {"market_regulation": {"read_timeout_s": 1.5}}

_CONFIG_BACKENDS = None


def config_backends() -> dict:
    global _CONFIG_BACKENDS
    if _CONFIG_BACKENDS is None:
        _CONFIG_BACKENDS = load_raw(env={}, overrides={"profile": "sandbox"})["backends"]
    return copy.deepcopy(_CONFIG_BACKENDS)


def backend_settings(sandbox, **overrides: dict) -> dict:
    """{name: settings} for the test sandbox; overrides={name: {key: value}}."""
    backends = config_backends()
    for name, settings in backends.items():
        settings.update(FAST)
        settings.update(SLOW_BACKENDS.get(name, {}))
        settings["base_url"] = sandbox.urls[name]
        settings.update(overrides.get(name, {}))
    return backends


@pytest.fixture(scope="session")
def exchange():
    """What the sandbox's bulk listings hold, built here from the same seed (the oracle)."""
    from sandbox.data import load_world
    from sandbox.exchange import build
    return build(load_world().citizens)


@pytest.fixture
def adapters(sandbox_clean, redis_hub):
    built = build_adapters(backend_settings(sandbox_clean), redis_hub, "sandbox")
    yield built
    built.close()


@pytest.fixture
def make_adapter(sandbox_clean, redis_hub):
    """make_adapter("housing_fund", read_timeout_s=0.2) -> one adapter with those settings."""
    made = []

    def make(name: str, **settings):
        adapter = ADAPTER_CLASSES[name](backend_settings(sandbox_clean, **{name: settings})[name], redis_hub, "sandbox")
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


class StatsDelta:
    """Counts what one backend received during a block:
    with StatsDelta(sandbox, "housing_fund") as d: ...; d["requests"]"""

    def __init__(self, sandbox, backend: str):
        self.sandbox, self.backend = sandbox, backend
        self.delta: dict = {}

    def __enter__(self):
        self._before = self.sandbox.stats(self.backend)
        return self

    def __exit__(self, *exc):
        after = self.sandbox.stats(self.backend)
        self.delta = {k: after.get(k, 0) - self._before.get(k, 0) for k in set(after) | set(self._before)}
        return False

    def __getitem__(self, key):
        return self.delta.get(key, 0)
