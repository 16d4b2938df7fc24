"""GET /healthz (the process is alive) and GET /readyz (its dependencies answer), GET /metrics."""
from __future__ import annotations

import threading
import time

from flask import Blueprint, Response, current_app, jsonify

from bot.core import metrics

# Probes may come every second from several load balancers: each process asks
# its dependencies at most once per this many seconds and answers from memory between.
READY_CACHE_S = 5.0


def create_blueprint() -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    last: dict = {"at": -READY_CACHE_S, "body": None}
    lock = threading.Lock()

    @bp.get("/readyz")
    def readyz():
        with lock:
            if time.monotonic() - last["at"] >= READY_CACHE_S:
                rt = current_app.extensions["runtime"]
                checks = {"redis": rt.hub.ping(), "nlu": rt.nlu.ready()}
                checks.update({f"backend:{name}": state for name, state in rt.adapters.health().items()})
                # Backends may be down without the assistant being down: it still answers
                # (with advice), so only Redis and NLU decide readiness.
                last["body"] = {"ready": bool(checks["redis"] and checks["nlu"]), "checks": checks}
                last["at"] = time.monotonic()
            body = last["body"]
        return jsonify(body), (200 if body["ready"] else 503)

    @bp.get("/metrics")
    def metrics_endpoint():
        return Response(metrics.render_latest(), mimetype=metrics.CONTENT_TYPE_LATEST)

    return bp
