"""The web application: `create_app()` builds it; gunicorn serves `app:create_app()`."""
from __future__ import annotations

import logging
from typing import Any, Mapping

import time

from flask import Flask, g, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.core import metrics
from bot.core.logs import REQUEST_ID, new_request_id
from bot.core.settings import Settings, load_settings
from bot.runtime import Runtime, build_runtime
import hashlib
import hmac

from bot.web import (agent, console, health, hotline, miniprogram, mp_consents, mp_services, mp_subscriptions, nlu,
                     partner, staff, wechat)
from bot.web.openapi import install_errors
from bot.web.person_auth import basic_auth_name
from bot.web.ratelimits import ApiLimits, limit_values

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, overrides: Mapping[str, Any] | None = None,
               runtime: Runtime | None = None) -> Flask:
    """Build the app. Settings are loaded and checked here: a wrong one raises ConfigError."""
    if runtime is None:
        settings = settings or load_settings(overrides=overrides)
        runtime = build_runtime(settings)
    app = Flask(__name__)
    if runtime.settings.app.proxy_hops:
        # The client's address, scheme and host as the proxies in front saw them, trusting exactly
        # as many hops as are configured (a forged header further left is ignored).
        hops = runtime.settings.app.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.config["MAX_CONTENT_LENGTH"] = runtime.settings.app.max_body_bytes
    runtime.open_channels()
    app.extensions["runtime"] = runtime

    @app.before_request
    def start_request():
        # One id per request, the proxy's own when it sends one: every log line of this turn,
        # in this process, its worker threads, its queued jobs and the adapters, carries it.
        g.request_id_token = REQUEST_ID.set(new_request_id(request.headers.get("X-Request-Id")))
        g.started = time.perf_counter()

    @app.after_request
    def count_request(response):
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        if "started" in g:
            metrics.HTTP_SECONDS.labels(route).observe(time.perf_counter() - g.started)
        response.headers["X-Request-Id"] = REQUEST_ID.get()
        return response

    @app.teardown_request
    def end_request(_error):
        if "request_id_token" in g:
            REQUEST_ID.reset(g.request_id_token)

    app.register_blueprint(health.bp)
    app.register_blueprint(nlu.bp)
    app.register_blueprint(wechat.bp)
    app.register_blueprint(miniprogram.bp)
    app.register_blueprint(mp_services.bp)
    app.register_blueprint(mp_subscriptions.bp)
    app.register_blueprint(mp_consents.bp)
    app.register_blueprint(partner.bp)
    # The JSON APIs' errors and rate limits (Flask-Limiter on Redis; values in the settings).
    install_errors(app)
    limits = ApiLimits.for_app(app, runtime.settings)
    app.extensions["mp_limit_values"] = limit_values(runtime.settings, "miniprogram")
    for bp in (miniprogram.bp, mp_services.bp, mp_subscriptions.bp, mp_consents.bp):
        miniprogram.protect(limits, bp)
    # The partner API: per address and per partner (its own limit, else partner_api.limits.user).
    app.extensions["partner_limit_values"] = limit_values(runtime.settings, "partner_api")
    partner.protect(limits)
    app.register_blueprint(agent.bp)
    app.register_blueprint(hotline.bp)
    app.register_blueprint(staff.bp)
    people_limits = limit_values(runtime.settings, "staff_api")
    for bp in (agent.bp, staff.bp):
        limits.protect(bp, family="people", values=lambda: people_limits, caller=basic_auth_name)
    # The console's session cookie is signed with a key derived from the data key (a secret of
    # the environment in production); CSRF tokens are checked on the console's forms only.
    app.config["SECRET_KEY"] = hmac.new(runtime.settings.security.data_key, b"console-session-cookie",
                                        hashlib.sha256).hexdigest()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=runtime.settings.is_production, WTF_CSRF_CHECK_DEFAULT=False,
                      WTF_CSRF_TIME_LIMIT=None)
    console.csrf.init_app(app)
    app.register_blueprint(console.bp)

    @app.errorhandler(404)
    def not_found(_e):
        return jsonify(error="not found"), 404

    @app.errorhandler(405)
    def not_allowed(_e):
        return jsonify(error="method not allowed"), 405

    @app.errorhandler(413)
    def too_large(_e):
        return jsonify(error="request body too large"), 413

    @app.errorhandler(Exception)
    def unexpected(e):
        # Last resort: never a 500 with a traceback to the caller.
        from werkzeug.exceptions import HTTPException
        if isinstance(e, HTTPException):
            return jsonify(error=e.description), e.code
        log.exception("unhandled error")
        return jsonify(error="temporarily unavailable"), 503

    return app
