"""The HTTP surface: one module-level blueprint per module (as Flask's tutorial app has them),
registered by app.create_app(). Routes reach the assistant through `runtime()`, the one accessor;
what they do is the channels' and the stores' business, the routes only read and answer HTTP.

    health       GET /healthz, /readyz, /metrics
    wechat       GET/POST /wechat: the Official Account's webhook
    miniprogram  POST /api/mp/login, /api/mp/chat, GET /api/mp/openapi.json (and what every /api/mp
                 blueprint shares: the document, the caller, the limits)
    mp_services  /api/mp/...: the mini-program's service API (catalogue, ledger, binding, appointments,
                 complaints, ratings)
    openapi      the OpenAPI machinery of the JSON APIs (marshmallow schemas → checks and document)
    ratelimits   their rate limits (Flask-Limiter on Redis, values in the settings)
    mp_consents  /api/mp/consents...: the citizen's consents to partners (我的授权)
    partner      /api/partner/v1/..., GET /api/partner/openapi.json: the open platform's partner API
    agent        /api/agent/...: the JSON API of human agents (call-centre systems)
    hotline      POST /api/hotline/transcripts
    nlu          POST /api/nlu/parse
"""
from __future__ import annotations

from flask import current_app


def runtime():
    """The application's Runtime (bot.runtime), put in place by app.create_app()."""
    return current_app.extensions["runtime"]
