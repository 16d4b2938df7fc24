"""The load-and-fault run (scripts/soak.py), short: the production entry point (staging) under the
three channels' traffic while a gunicorn worker is killed, a backend goes down and comes back and
Redis is restarted; every push answered exactly once, no 5xx, nothing acknowledged lost.

The full run (10 minutes, Rasa killed too) is docs/benchmarks.md §14. This one uses the suite's own
Rasa server, so that no Rasa start-up is paid for here, and leaves the Rasa fault out."""
from __future__ import annotations

import json
import os

from scripts import soak
from tests.fixtures.ports import free_ports

PORT_BASE = int(os.environ.get("TEST_SANDBOX_PORT_BASE", "19100"))


def test_a_short_soak_loses_nothing(tmp_path, rasa_server):
    web, sim, redis_port = free_ports(3)
    out = tmp_path / "soak.json"
    status = soak.main(["--duration", "25", "--rate", "8", "--bind-every", "6", "--faults", "web,backend,redis",
                        "--nlu-url", rasa_server.url, "--port", str(web), "--sim-port", str(sim),
                        "--redis-port", str(redis_port), "--sandbox-port-base", str(PORT_BASE + 80),
                        "--drain-s", "60", "--work-dir", str(tmp_path / "work"), "--out", str(out)])
    report = json.loads(out.read_text())
    assert [f["fault"] for f in report["faults"]] == ["web", "backend", "redis"]
    assert not any("error" in f for f in report["faults"]), report["faults"]
    assert report["checks"] == {name: True for name in report["checks"]}, json.dumps(report, ensure_ascii=False)
    assert status == 0
    # It really carried each kind of traffic and kept something of each kind.
    assert report["oa"]["pushes"] > 50 and report["mp"]["requests"] > 5 and report["hotline"]["calls"] > 2
    assert report["bindings"]["acknowledged"] >= 2 and report["work_orders"]["acknowledged"] >= 1


def test_the_read_back_waits_out_a_refusing_backend_but_reports_a_lost_order():
    """The soak's final check: its own reads refused for a while (the adapter's breaker open after a
    few slow answers) must not count as lost orders; an order the backend does not know must."""
    from types import SimpleNamespace

    from adapters.errors import CircuitOpen, NotFound
    from scripts.soak import read_back_order

    class Backend:          # a stand-in for the 12345 adapter, in a unit test of one function
        def __init__(self, refusals: int, known: set[str]):
            self.refusals, self.known = refusals, known

        def staff_order(self, order_no: str):
            if self.refusals:
                self.refusals -= 1
                raise CircuitOpen("workorders", 1.0)
            if order_no not in self.known:
                raise NotFound("workorders", "staff_order: not found", "E404")
            return SimpleNamespace(order_no=order_no)

    assert read_back_order(Backend(2, {"GD1"}), "GD1", waits_s=(0, 0, 0)) is None
    assert read_back_order(Backend(0, set()), "GD2", waits_s=(0,)).startswith("NotFound")
    assert read_back_order(Backend(9, {"GD3"}), "GD3", waits_s=(0, 0)).startswith("CircuitOpen after 3 tries")
