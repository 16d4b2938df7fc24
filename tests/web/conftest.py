"""The mini-program's API through the real stack: real Redis, the Rasa server, the sandbox backends
and the WeChat simulator over HTTP (logins are real jscode2session calls)."""
from __future__ import annotations

import json
import time

import pytest

from bot.core.settings import load_settings
from bot.runtime import build_runtime
from tests.fixtures.stack import stack_overrides

WANG = ("王建国", "510104198506122310")      # endorsement CJ20261101000123, phone …0001
LI = ("李芳", "510107199203084525")


class MpClient:
    """A Flask test client speaking as one mini-program citizen."""

    def __init__(self, client, hub):
        self.client, self.hub, self.token = client, hub, None

    def login(self, openid: str) -> "MpClient":
        r = self.client.post("/api/mp/login", json={"code": f"sandbox:{openid}"})
        assert r.status_code == 200, r.get_json()
        self.token = r.get_json()["token"]
        return self

    def headers(self, token: str | None = ..., **extra) -> dict:
        token = self.token if token is ... else token
        return ({"Authorization": f"Bearer {token}"} if token else {}) | extra

    def call(self, method: str, path: str, *, token=..., headers: dict | None = None, **kw):
        return self.client.open(path, method=method, headers=self.headers(token, **(headers or {})), **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def bind(self, who=WANG) -> None:
        r = self.post("/api/mp/identity/start", json={"name": who[0], "id_number": who[1]})
        assert r.status_code == 200, r.get_json()
        r = self.post("/api/mp/identity/code", json={"code": "123456"})
        assert r.status_code == 200 and r.get_json()["bound"], r.get_json()

    def expire(self) -> None:
        """Move the token's login back past its absolute lifetime."""
        for key in self.hub.text.scan_iter(match=self.hub.prefix + "mp:sess:*"):
            doc = json.loads(self.hub.text.get(key))
            doc["issued_at"] = int(time.time()) - 8 * 24 * 3600
            self.hub.text.set(key, json.dumps(doc), keepttl=True)


def mp_settings(redis_hub, rasa_server, sandbox, sim, records_url, **extra):
    overrides = stack_overrides(redis_hub, rasa_server, sandbox, {
        "records.url": records_url, "wechat.api_base_url": sim.url, **extra})
    return load_settings(env={}, overrides=overrides)


@pytest.fixture
def mp_app_factory(redis_hub, rasa_server, sandbox, sandbox_clean, sim, records_url):
    from app import create_app

    def make(**extra):
        app = create_app(runtime=build_runtime(mp_settings(redis_hub, rasa_server, sandbox, sim, records_url, **extra)))
        app.config["TESTING"] = True
        return app
    return make


@pytest.fixture
def mp_app(mp_app_factory):
    return mp_app_factory()


@pytest.fixture
def citizen(mp_app, redis_hub):
    """Logs in as a new mini-program user: citizen("oX")."""
    def new(openid: str) -> MpClient:
        return MpClient(mp_app.test_client(), redis_hub).login(openid)
    return new


@pytest.fixture
def anonymous(mp_app, redis_hub):
    return MpClient(mp_app.test_client(), redis_hub)
