"""The circuit breaker: opens after repeated failures (then no network call),
tries again after reset_timeout, ignores business errors, and is shared by
every worker process through Redis."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.errors import BackendTimeout, BackendUnavailable, BadResponse, CircuitOpen, NotFound
from bot.core.redis_hub import RedisHub
from tests.adapters.conftest import StatsDelta, backend_settings
from tests.adapters.seeds import CHEN, WANG

ROOT = Path(__file__).resolve().parents[2]
# Tests that expect the circuit to stay open use a long reset; those that wait
# for recovery a short one, with margin so that a busy machine cannot flip them.
LONG_RESET_S = 30
RESET_S = 1.0


def trip(call, times=3, error=BackendUnavailable):
    for _ in range(times):
        with pytest.raises(error):
            call()


def test_opens_after_repeated_failures_and_then_makes_no_call(make_adapter, sandbox):
    exit_entry = make_adapter("exit_entry", breaker_reset_s=LONG_RESET_S)
    sandbox.fault("exit_entry", "error_500")
    call = lambda: exit_entry.application("CJ20261101000123", WANG)  # noqa: E731
    trip(call)
    with StatsDelta(sandbox, "exit_entry") as d, pytest.raises(CircuitOpen) as e:
        call()
    assert d["requests"] == 0
    assert isinstance(e.value, BackendUnavailable) and e.value.backend == "exit_entry"
    assert exit_entry.breaker.state() == "open"


def test_closes_again_after_recovery(make_adapter, sandbox):
    exit_entry = make_adapter("exit_entry", breaker_reset_s=RESET_S)
    sandbox.fault("exit_entry", "error_500")
    call = lambda: exit_entry.application("CJ20261101000123", WANG)  # noqa: E731
    trip(call)
    sandbox.reset()
    time.sleep(RESET_S + 0.3)
    assert exit_entry.breaker.state() == "half-open"
    assert call().status == "审批中"  # the trial call
    assert exit_entry.breaker.state() == "closed"
    assert call().status == "审批中"


def test_a_failed_trial_opens_it_again(make_adapter, sandbox):
    exit_entry = make_adapter("exit_entry", breaker_reset_s=RESET_S)
    sandbox.fault("exit_entry", "error_500")
    call = lambda: exit_entry.application("CJ20261101000123", WANG)  # noqa: E731
    trip(call)
    time.sleep(RESET_S + 0.3)
    with StatsDelta(sandbox, "exit_entry") as d:
        with pytest.raises(BackendUnavailable):
            call()  # the trial, which fails
        with pytest.raises(CircuitOpen):
            call()
    assert d["requests"] == 1


def test_timeouts_and_garbage_count_too(make_adapter, sandbox):
    housing_fund = make_adapter("housing_fund", breaker_reset_s=LONG_RESET_S)
    sandbox.fault("housing_fund", "garbage")
    trip(lambda: housing_fund.account(WANG), error=BadResponse)
    with pytest.raises(CircuitOpen):
        housing_fund.account(WANG)
    social_insurance = make_adapter("social_insurance", breaker_reset_s=LONG_RESET_S)
    sandbox.fault("social_insurance", "timeout", delay_s=5)
    trip(lambda: social_insurance.account(WANG), error=BackendTimeout)
    with pytest.raises(CircuitOpen):
        social_insurance.account(WANG)


def test_not_found_never_trips_it(adapters):
    for _ in range(6):
        with pytest.raises(NotFound):
            adapters.housing_fund.account(CHEN)
    assert adapters.housing_fund.breaker.state() == "closed"
    assert adapters.housing_fund.account(WANG).status == "正常缴存"


def test_another_process_sees_the_open_circuit(make_adapter, sandbox, redis_hub):
    exit_entry = make_adapter("exit_entry", breaker_reset_s=LONG_RESET_S)
    sandbox.fault("exit_entry", "error_500")
    trip(lambda: exit_entry.application("CJ20261101000123", WANG))
    sandbox.reset()  # the backend is fine again, but the circuit stays open for every worker
    settings = backend_settings(sandbox, exit_entry={"breaker_reset_s": LONG_RESET_S})["exit_entry"]
    script = (
        "import json, sys\n"
        "from adapters.exit_entry import ExitEntryAdapter\n"
        "from adapters.errors import CircuitOpen\n"
        "from bot.core.redis_hub import RedisHub\n"
        "a = ExitEntryAdapter(json.loads(sys.argv[1]), RedisHub(sys.argv[2], sys.argv[3]), 'sandbox')\n"
        "try:\n"
        "    a.application('CJ20261101000123', None); print('called')\n"
        "except CircuitOpen:\n"
        "    print('circuit open')\n"
    )
    out = subprocess.run([sys.executable, "-c", script, json.dumps(settings), redis_hub.url, redis_hub.prefix],
                         cwd=ROOT, capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "circuit open", out.stderr


def test_without_redis_calls_still_go_through(sandbox_clean):
    dead_redis = RedisHub("redis://127.0.0.1:1/0", "test:noredis:", socket_timeout=0.2)
    from adapters.housing_fund import HousingFundAdapter
    adapter = HousingFundAdapter(backend_settings(sandbox_clean)["housing_fund"], dead_redis, "sandbox")
    assert adapter.account(WANG).status == "正常缴存"
    assert adapter.breaker.state() == "unknown"
    adapter.close()
