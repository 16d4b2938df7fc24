"""Behind proxies: ProxyFix trusts exactly the configured number of hops (app.proxy_hops), and
the NLU API's loopback trust holds only in the sandbox with no proxy configured: behind a
same-host nginx every request comes from loopback, marked or not."""
from __future__ import annotations

import pytest
from flask import request

from app import create_app
from bot.core.settings import load_settings
from bot.runtime import build_runtime


def _app(redis_hub, sandbox, records_url, **extra):
    overrides = {"redis.key_prefix": redis_hub.prefix, "redis.url": redis_hub.url, "records.url": records_url,
                 "nlu.url": "http://127.0.0.1:9", "nlu.timeout_s": 0.3, **extra}
    for name, url in sandbox.urls.items():
        if name != "control":
            overrides[f"backends.{name}.base_url"] = url
    app = create_app(runtime=build_runtime(load_settings(env={}, overrides=overrides)))

    @app.get("/__peer")
    def peer():
        return {"addr": request.remote_addr, "scheme": request.scheme}
    return app


def _nlu_status(app, **headers) -> int:
    # Admitted callers get past the door: a body that is not JSON is then a 400, never a 403.
    return app.test_client().post("/api/nlu/parse", data="not json", headers=headers,
                                  environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code


def test_loopback_is_trusted_only_without_a_proxy(redis_hub, sandbox, records_url):
    assert _nlu_status(_app(redis_hub, sandbox, records_url)) == 400
    behind_proxy = _app(redis_hub, sandbox, records_url, **{"app.proxy_hops": 1})
    # nginx's default proxy_pass adds no header at all: still not the operator on this host.
    assert _nlu_status(behind_proxy) == 403
    assert _nlu_status(behind_proxy, **{"X-Forwarded-For": "127.0.0.1"}) == 403
    assert _nlu_status(behind_proxy, **{"X-Api-Key": "sandbox-nlu-key"}) == 400


def test_staging_never_trusts_loopback(redis_hub, sandbox, records_url):
    staging = _app(redis_hub, sandbox, records_url, profile="staging")
    assert _nlu_status(staging) == 403
    assert _nlu_status(staging, **{"X-Api-Key": "sandbox-nlu-key"}) == 400


@pytest.mark.parametrize("hops, expected", [(0, "10.0.0.9"), (1, "198.51.100.7"), (2, "203.0.113.5")])
def test_proxy_fix_trusts_exactly_the_configured_hops(redis_hub, sandbox, records_url, hops, expected):
    app = _app(redis_hub, sandbox, records_url, **{"app.proxy_hops": hops})
    got = app.test_client().get("/__peer", environ_base={"REMOTE_ADDR": "10.0.0.9"}, headers={
        # leftmost forged by the client, then the CDN's view, then the load balancer's
        "X-Forwarded-For": "6.6.6.6, 203.0.113.5, 198.51.100.7", "X-Forwarded-Proto": "https, https"}).json
    assert got["addr"] == expected
    assert got["scheme"] == ("https" if hops else "http")
