"""GET /healthz (the process is alive) and GET /readyz (its dependencies answer), GET /metrics."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from bot import metrics


def create_blueprint() -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @bp.get("/readyz")
    def readyz():
        rt = current_app.extensions["runtime"]
        checks = {"redis": rt.hub.ping(), "nlu": rt.nlu.ready()}
        backends = rt.adapters.health()
        checks.update({f"backend:{name}": ok for name, ok in backends.items()})
        # Backends may be down without the assistant being down: it still answers
        # (with advice), so only Redis and NLU decide readiness.
        ready = checks["redis"] and checks["nlu"]
        return jsonify(ready=ready, checks=checks), (200 if ready else 503)

    @bp.get("/metrics")
    def metrics_endpoint():
        return Response(metrics.render_latest(), mimetype=metrics.CONTENT_TYPE_LATEST)

    return bp
