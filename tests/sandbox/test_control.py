"""The sandbox's control port and the faults it drives, over real HTTP."""
from __future__ import annotations

import socket

import pytest
import requests

from sandbox.ports import OFFSETS, backend_urls

KEY = {"X-Api-Key": "sandbox-utility-key"}


def get_bills(sandbox, **kw):
    return requests.post(sandbox.urls["utilities"] + "/utility/api/bills/query", json={"cert_no": "510122197811250069"},
                         headers=KEY, timeout=kw.pop("timeout", 2), **kw)


def test_ports():
    urls = backend_urls(9100)
    assert urls["control"] == "http://127.0.0.1:9100" and urls["workorders"] == "http://127.0.0.1:9109"
    assert OFFSETS["exit_entry"] == 5 and len(urls) == 11


def test_health(sandbox):
    body = requests.get(sandbox.control + "/__health", timeout=2).json()
    assert body["ok"] is True and set(body["backends"].values()) == {"up"}


def test_fault_counts_down_and_is_listed(sandbox_clean):
    sandbox = sandbox_clean
    sandbox.fault("utilities", "error_500", times=2)
    assert sandbox.faults()["utilities"]["times_left"] == 2
    assert get_bills(sandbox).status_code == 500
    assert get_bills(sandbox).status_code == 500
    assert get_bills(sandbox).status_code == 200
    assert sandbox.faults() == {}


@pytest.mark.parametrize("mode, status", [("error_503", 503), ("auth_reject", 401)])
def test_status_faults(sandbox_clean, mode, status):
    sandbox_clean.fault("utilities", mode, times=1)
    assert get_bills(sandbox_clean).status_code == status


def test_garbage_is_not_json(sandbox_clean):
    sandbox_clean.fault("utilities", "garbage", times=1)
    with pytest.raises(ValueError):
        get_bills(sandbox_clean).json()


def test_timeout_holds_the_request(sandbox_clean):
    sandbox_clean.fault("utilities", "timeout", delay_s=5)
    with pytest.raises(requests.ReadTimeout):
        get_bills(sandbox_clean, timeout=0.3)


def test_slow_adds_latency_then_answers(sandbox_clean):
    sandbox_clean.fault("utilities", "slow", delay_s=5, times=2)
    with pytest.raises(requests.ReadTimeout):
        get_bills(sandbox_clean, timeout=0.2)
    sandbox_clean.fault("utilities", "slow", delay_s=0.05, times=1)
    assert get_bills(sandbox_clean).status_code == 200  # slow, not failed


def test_down_refuses_connections_until_reset(sandbox_clean):
    port = sandbox_clean.port_base + OFFSETS["utilities"]
    sandbox_clean.fault("utilities", "down")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    sandbox_clean.reset()
    assert get_bills(sandbox_clean).status_code == 200


def test_bad_fault_requests(sandbox):
    assert requests.post(sandbox.control + "/__faults/utilities", json={"mode": "explode"}, timeout=2).status_code == 400
    assert requests.post(sandbox.control + "/__faults/weather", json={"mode": "down"}, timeout=2).status_code == 404
    assert requests.post(sandbox.control + "/__faults/utilities", json={"mode": "slow", "times": 0},
                         timeout=2).status_code == 400


def test_stats_count_requests(sandbox):
    before = sandbox.stats("utilities")["requests"]
    get_bills(sandbox)
    assert sandbox.stats("utilities")["requests"] == before + 1
