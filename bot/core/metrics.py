"""Prometheus metrics, one definition per name for the whole process.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (the dev stack
does) so that /metrics adds up every worker's counts.
"""
from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported for the endpoint)

NLU_CACHE = Counter("nlu_cache_requests_total", "NLU parse cache lookups", ["result"])  # hit | miss
NLU_PARSE_SECONDS = Histogram("nlu_parse_seconds", "Time to parse one text, cache included",
                              buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
NLU_ERRORS = Counter("nlu_errors_total", "NLU server calls that failed", ["reason"])
TURNS = Counter("dispatcher_turns_total", "Messages handled by the dispatcher", ["channel", "intent", "outcome"])
TURN_SECONDS = Histogram("dispatcher_turn_seconds", "Time to answer one message",
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8))
HANDLER_ERRORS = Counter("handler_errors_total", "Turns that ended in an error reply", ["intent", "error"])
RATINGS = Counter("service_ratings_total", "好差评 ratings", ["intent", "department", "level"])
# Days from today that the office-hours calendar knows the holidays of (0: not even today's year).
CALENDAR_DAYS_AHEAD = Gauge("workday_calendar_days_ahead", "Days ahead covered by the known holiday calendar",
                            multiprocess_mode="min")


# Figures computed when scraped (set_function does not reach /metrics under multiprocess mode).
_REFRESHERS: dict[str, object] = {}


def refresh_on_scrape(name: str, fn) -> None:
    """Run fn() before each /metrics render (one per name: a later runtime replaces it)."""
    _REFRESHERS[name] = fn


def render_latest() -> bytes:
    for fn in list(_REFRESHERS.values()):
        try:
            fn()
        except Exception:   # a figure that cannot be computed must not cost the others
            pass
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()
