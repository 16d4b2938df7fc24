"""Helpers of the partner API's tests: an app of the real stack with generous limits, partners
registered in its records, and a client speaking with a partner's key."""
from __future__ import annotations

import pytest

from tests.web.conftest import MpClient
from tests.web.test_mp_limits import limits as mp_limits

GENEROUS = "1000/minute"
V1 = "/api/partner/v1"


def partner_limits(**values) -> dict:
    base = {"ip": GENEROUS, "user": GENEROUS, "login_ip": GENEROUS, "login_user": GENEROUS}
    return {f"partner_api.limits.{k}": v for k, v in {**base, **values}.items()}


class PartnerClient:
    def __init__(self, client, key: str | None):
        self.client, self.key = client, key

    def call(self, method: str, path: str, *, key=..., **kw):
        key = self.key if key is ... else key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.client.open(path if path.startswith("/api/") else V1 + path, method=method, headers=headers, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def ask_consent(self, purpose: str = "挂号时核对您的就医记录", days: int = 30) -> dict:
        r = self.post("/consent-requests", json={"scope": "ledger:read", "purpose": purpose, "days": days})
        assert r.status_code == 201, r.get_json()
        return r.get_json()


class PartnerWorld:
    """One app, its records, and ways to make partners and mini-program citizens on it."""

    def __init__(self, app, hub):
        self.app, self.hub = app, hub
        self.runtime = app.extensions["runtime"]
        self.records = self.runtime.records

    def partner(self, name: str, scopes: list[str], rate_limit: str | None = None) -> PartnerClient:
        _partner, key = self.records.partners.register(name, scopes, rate_limit)
        return PartnerClient(self.app.test_client(), key)

    def citizen(self, openid: str, bind=True) -> MpClient:
        c = MpClient(self.app.test_client(), self.hub).login(openid)
        if bind:
            c.bind()
        return c


@pytest.fixture
def world_factory(mp_app_factory, redis_hub):
    def make(**extra) -> PartnerWorld:
        return PartnerWorld(mp_app_factory(**{**mp_limits(), **partner_limits(), **extra}), redis_hub)
    return make


@pytest.fixture
def world(world_factory) -> PartnerWorld:
    return world_factory()
