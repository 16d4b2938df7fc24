"""GET /healthz (the process is alive) and GET /readyz (its dependencies answer), GET /metrics."""
from __future__ import annotations

import threading
import time

from flask import Blueprint, Response, current_app, jsonify

from bot.core import metrics
from bot.web import runtime

# Probes may come every second from several load balancers: each process asks
# its dependencies at most once per this many seconds and answers from memory between.
READY_CACHE_S = 5.0


bp = Blueprint("health", __name__)


class _LastReadiness:
    """One app's last answer to /readyz, and when it was found."""

    def __init__(self):
        self.lock = threading.Lock()
        self.at = -READY_CACHE_S
        self.body: dict | None = None


@bp.record
def _keep_readiness(state) -> None:
    state.app.extensions["readyz"] = _LastReadiness()


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    last = current_app.extensions["readyz"]
    with last.lock:
        if time.monotonic() - last.at >= READY_CACHE_S:
            rt = runtime()
            checks = {"redis": rt.hub.ping(), "nlu": rt.nlu.ready()}
            checks.update({f"backend:{name}": state for name, state in rt.adapters.health().items()})
            # Backends may be down without the assistant being down: it still answers
            # (with advice), so only Redis and NLU decide readiness.
            last.body = {"ready": bool(checks["redis"] and checks["nlu"]), "checks": checks}
            last.at = time.monotonic()
        body = last.body
    return jsonify(body), (200 if body["ready"] else 503)


@bp.get("/metrics")
def metrics_endpoint():
    return Response(metrics.render_latest(), mimetype=metrics.CONTENT_TYPE_LATEST)
