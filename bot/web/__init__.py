"""The HTTP surface: one blueprint per module, registered by app.create_app().

    health   GET /healthz, /readyz, /metrics
    nlu      POST /api/nlu/parse
    agent    /api/agent/...: the JSON API of human agents (call-centre systems)
    hotline  POST /api/hotline/transcripts
"""
