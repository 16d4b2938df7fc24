"""The personal ledger: every backend at once, under one deadline, never
failing because one backend did."""
from __future__ import annotations

from adapters import build_adapters, fanout
from adapters.fanout import collect_affairs
from tests.adapters.conftest import backend_settings
from tests.adapters.seeds import LI, LIU, WANG


def test_all_of_wang_jianguos_matters(adapters):
    result = collect_affairs(adapters, WANG, deadline_s=3)
    assert result.missing == {} and result.complete
    assert {a.domain for a in result.affairs} >= {"公积金", "社保", "医保", "出入境", "水电气", "预约", "12345"}
    assert "CJ20261101000123" in {a.ref_no for a in result.affairs}
    times = [a.updated_at for a in result.affairs]
    assert times == sorted(times, reverse=True)


def test_filtering_last_month_in_wuhou(adapters):
    # "上个月在武侯区办的" is a filter over the ledger: the data must allow it.
    result = collect_affairs(adapters, WANG, deadline_s=3)
    october_wuhou = [a.ref_no for a in result.affairs
                     if a.district == "武侯区" and (a.updated_at.year, a.updated_at.month) == (2026, 10)]
    assert "GJ20261015000311" in october_wuhou


def test_a_slow_backend_is_left_out_at_the_deadline(adapters, sandbox):
    sandbox.fault("market_regulation", "slow", delay_s=3)
    result = collect_affairs(adapters, LIU, deadline_s=1.0)  # before the adapter's own 1.5 s read timeout
    assert result.missing == {"market_regulation": "timeout"}
    assert "RQ202610000415" in {a.ref_no for a in result.affairs}  # the utilities answered


def test_a_down_backend_and_an_open_circuit_are_noted(sandbox_clean, redis_hub):
    sandbox = sandbox_clean
    adapters = build_adapters(backend_settings(sandbox, housing_fund={"breaker_reset_s": 30}), redis_hub, "sandbox")
    sandbox.fault("housing_fund", "down")
    sandbox.fault("exit_entry", "garbage")
    result = collect_affairs(adapters, LI, deadline_s=3)
    assert result.missing == {"housing_fund": "unavailable", "exit_entry": "bad_response"}
    assert "YB20261026000145" in {a.ref_no for a in result.affairs}
    for _ in range(2):
        collect_affairs(adapters, LI, deadline_s=3)
    assert collect_affairs(adapters, LI, deadline_s=3).missing["housing_fund"] == "circuit_open"
    adapters.close()


def test_one_pool_for_the_process(adapters):
    collect_affairs(adapters, WANG, deadline_s=3)
    pool = fanout._executor()
    collect_affairs(adapters, LI, deadline_s=3)
    assert fanout._executor() is pool


def test_health_for_readyz(adapters, sandbox):
    assert set(adapters.health().values()) == {"ok"}
    sandbox.fault("utilities", "down")
    health = adapters.health()
    assert health["utilities"] == "unavailable"
    assert {v for k, v in health.items() if k != "utilities"} == {"ok"}
