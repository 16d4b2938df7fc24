"""Prometheus metrics, one definition per name for the whole process.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (the dev stack
does) so that /metrics adds up every worker's counts. Figures that describe the
present rather than count events (how far the holiday calendar reaches) are
computed when /metrics is read (`computed_gauge`), by the process answering it.
"""
from __future__ import annotations

import logging
import os
from typing import Callable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported for the endpoint)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

NLU_CACHE = Counter("nlu_cache_requests_total", "NLU parse cache lookups", ["result"])  # hit | miss
NLU_PARSE_SECONDS = Histogram("nlu_parse_seconds", "Time to parse one text, cache included",
                              buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
NLU_ERRORS = Counter("nlu_errors_total", "NLU server calls that failed", ["reason"])
TURNS = Counter("dispatcher_turns_total", "Messages handled by the dispatcher", ["channel", "intent", "outcome"])
TURN_SECONDS = Histogram("dispatcher_turn_seconds", "Time to answer one message",
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8))
HANDLER_ERRORS = Counter("handler_errors_total", "Turns that ended in an error reply", ["intent", "error"])
RATINGS = Counter("service_ratings_total", "好差评 ratings", ["intent", "department", "level"])
# HTTP: by route (the URL rule, never the raw path: it would grow without bound) and status.
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["route", "method", "status"])
HTTP_SECONDS = Histogram("http_request_seconds", "Time to answer one HTTP request", ["route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 5, 8))
# Government backends: every call by outcome (ok, business, rate_limited, or the failure's kind).
ADAPTER_CALLS = Counter("adapter_calls_total", "Calls to government backends", ["backend", "outcome"])
ADAPTER_SECONDS = Histogram("adapter_call_seconds", "Time of one call to a government backend", ["backend"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3.5, 5, 10))
HOTLINE_CALLS = Counter("hotline_calls_total", "12345 hotline calls taken in by the intake API", ["outcome"])
# The notification watcher (a process of its own: counted through PROMETHEUS_MULTIPROC_DIR).
WATCHER_POLLS = Counter("watcher_polls_total", "Backend calls of the notification watcher", ["backend", "outcome"])
NOTIFICATIONS = Counter("notifications_total", "Progress changes noticed and told", ["event"])
# The WeChat API (bot/wechat_api/client.py), every call by API path and outcome: ok, rejected (a
# non-zero errcode, in `errcode`), unavailable (no answer, a 5xx), timeout (it may have arrived).
WECHAT_API_CALLS = Counter("wechat_api_calls_total", "Calls to the WeChat API", ["api", "outcome", "errcode"])
WECHAT_API_SECONDS = Histogram("wechat_api_call_seconds", "Time of one call to the WeChat API", ["api"],
                               buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8))
# Customer-service messages asked for, by what became of them: sent, no_window, over_quota (our own
# count or WeChat's answer), uncertain (WeChat did not answer in time), failed (not sent).
CUSTOMER_SERVICE_MESSAGES = Counter("wechat_customer_service_messages_total",
                                    "Customer-service messages to citizens, by outcome", ["outcome"])
# msgSecCheck verdicts on mini-program complaint texts: pass | review | risky | unavailable
CONTENT_CHECKS = Counter("content_checks_total", "WeChat content-security checks of citizens' texts", ["suggest"])


class ComputedGauges(Collector):
    """Gauges whose value is computed at each scrape, on today's date as the clock has it then.

    A Gauge would need setting before each scrape, and under multiprocess mode it lives in a file
    per process that outlives the process (its last value kept for ever by any mode but
    "liveall"). These are never stored: nothing stale, nothing to clean up."""

    def __init__(self):
        self._gauges: dict[str, tuple[str, Callable[[], float]]] = {}
        self._families: dict[str, tuple[str, str, Callable[[], dict[str, float]]]] = {}
        self._failing: dict[str, str] = {}

    def set(self, name: str, documentation: str, compute: Callable[[], float]) -> None:
        self._gauges[name] = (documentation, compute)

    def set_family(self, name: str, documentation: str, label: str, compute: Callable[[], dict[str, float]]) -> None:
        self._families[name] = (documentation, label, compute)

    def describe(self):
        return []            # nothing to check at registration (and compute nothing then)

    def collect(self):
        for name, (documentation, compute) in list(self._gauges.items()):
            try:
                value = float(compute())
            except Exception as e:   # one figure that cannot be computed must not cost the others
                if self._failing.get(name) != repr(e):   # once per distinct failure, not every scrape
                    log.warning("metric %s could not be computed: %r", name, e)
                self._failing[name] = repr(e)
                continue
            self._failing.pop(name, None)
            yield GaugeMetricFamily(name, documentation, value=value)
        for name, (documentation, label, compute_all) in list(self._families.items()):
            try:
                values = {str(k): float(v) for k, v in compute_all().items()}
            except Exception as e:
                if self._failing.get(name) != repr(e):
                    log.warning("metric %s could not be computed: %r", name, e)
                self._failing[name] = repr(e)
                continue
            self._failing.pop(name, None)
            family = GaugeMetricFamily(name, documentation, labels=[label])
            for key, value in sorted(values.items()):
                family.add_metric([key], value)
            yield family


COMPUTED = ComputedGauges()
REGISTRY.register(COMPUTED)


def computed_gauge(name: str, documentation: str, compute: Callable[[], float]) -> None:
    """A gauge computed by compute() at each scrape (one per name: a later runtime replaces it)."""
    COMPUTED.set(name, documentation, compute)


def computed_gauges(name: str, documentation: str, label: str, compute: Callable[[], dict[str, float]]) -> None:
    """Gauges of one name, one per value of `label`, computed by compute() at each scrape."""
    COMPUTED.set_family(name, documentation, label, compute)


def render_latest() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(COMPUTED)
        return generate_latest(registry)
    return generate_latest()
