"""Health pings for /readyz: one short attempt, no retries, outside the circuit
breaker (never its half-open trial), one at a time per backend, on their own
pool, so that frequent probes against a hung backend cost little."""
from __future__ import annotations

import threading
import time

import pytest

from adapters import build_adapters
from adapters.errors import BackendUnavailable
from tests.adapters.conftest import StatsDelta, backend_settings
from tests.adapters.seeds import WANG

# Settings under which a retried or full-timeout ping would be plainly slow.
PATIENT = {"connect_timeout_s": 2.0, "read_timeout_s": 6.0, "retries": 2, "backoff_s": 1.0}


def timed(fn):
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


def test_a_hung_backend_is_pinged_once_with_a_short_timeout(make_adapter, sandbox):
    housing_fund = make_adapter("housing_fund", **PATIENT)
    assert housing_fund.health_timeout == (0.5, 1.0)
    sandbox.fault("housing_fund", "timeout", delay_s=8)
    with StatsDelta(sandbox, "housing_fund") as d:
        state, elapsed = timed(housing_fund.health)
    assert state == "timeout"
    assert elapsed < 2.5  # 1 s read timeout, not the backend's 6 s
    assert d["requests"] == 1


def test_a_ping_is_not_retried_on_503(make_adapter, sandbox):
    utilities = make_adapter("utilities", **PATIENT)
    sandbox.fault("utilities", "error_503")
    with StatsDelta(sandbox, "utilities") as d:
        assert utilities.health() == "unavailable"
    assert d["requests"] == 1


def test_a_ping_to_a_refusing_backend_is_not_retried(make_adapter, sandbox):
    exit_entry = make_adapter("exit_entry", **PATIENT)
    sandbox.fault("exit_entry", "down")
    state, elapsed = timed(exit_entry.health)
    assert state == "unavailable"
    assert elapsed < 1.0  # retries would back off 1 s and 2 s


def test_a_ping_leaves_the_half_open_trial_to_a_citizen(make_adapter, sandbox):
    exit_entry = make_adapter("exit_entry", breaker_reset_s=1.0)
    sandbox.fault("exit_entry", "error_500")
    for _ in range(3):
        exit_entry.health()  # pings never count as failures…
    assert exit_entry.breaker.state() == "closed"
    for _ in range(3):
        with pytest.raises(BackendUnavailable):
            exit_entry.application("CJ20261101000123", WANG)  # …citizens' calls do
    assert exit_entry.breaker.state() == "open"
    with StatsDelta(sandbox, "exit_entry") as d:
        assert exit_entry.health() == "circuit_open"  # open: reported without a call
    assert d["requests"] == 0

    sandbox.reset()
    time.sleep(1.3)
    assert exit_entry.breaker.state() == "half-open"
    with StatsDelta(sandbox, "exit_entry") as d:
        assert exit_entry.health() == "circuit_open"  # half-open: the trial is not the ping's
    assert d["requests"] == 0 and exit_entry.breaker.state() == "half-open"
    assert exit_entry.application("CJ20261101000123", WANG).status == "审批中"  # the citizen's trial
    assert exit_entry.breaker.state() == "closed"
    assert exit_entry.health() == "ok"


def test_a_ping_fetches_no_token(make_adapter, sandbox, redis_hub):
    medical = make_adapter("medical_insurance")
    redis_hub.text.delete(redis_hub.key("token", "medical_insurance"))
    with StatsDelta(sandbox, "medical_insurance") as d:
        assert medical.health() == "ok"
    assert d["tokens_issued"] == 0 and d["requests"] == 1


def test_one_ping_at_a_time_per_backend(make_adapter, sandbox):
    social_insurance = make_adapter("social_insurance", **PATIENT)
    sandbox.fault("social_insurance", "timeout", delay_s=8)
    results = []
    first = threading.Thread(target=lambda: results.append(social_insurance.health()))
    with StatsDelta(sandbox, "social_insurance") as d:
        first.start()
        time.sleep(0.3)  # the first ping now waits for its answer
        state, elapsed = timed(social_insurance.health)
        first.join(timeout=5)
    assert state == "timeout" and elapsed < 0.3  # answered at once, without a second request
    assert results == ["timeout"]
    assert d["requests"] == 1


def test_readyz_pings_run_on_their_own_pool(sandbox_clean, redis_hub):
    adapters = build_adapters(backend_settings(sandbox_clean), redis_hub, "sandbox")
    threads = []
    original = adapters.utilities.ping

    def ping():
        threads.append(threading.current_thread().name)
        original()

    adapters.utilities.ping = ping
    try:
        assert set(adapters.health().values()) == {"ok"}
    finally:
        adapters.close()
    assert len(threads) == 1 and threads[0].startswith("backend-health")
