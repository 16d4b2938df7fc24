"""Rate limits of the mini-program API (Flask-Limiter on the test's Redis, values from the settings):
429 with Retry-After past each; /wechat never limited per address."""
from __future__ import annotations

import pytest

from app import create_app
from bot.core.settings import load_settings
from bot.runtime import Runtime
from tests.fixtures.wechat import SIM_PORT, FakeDispatcher
from tests.fixtures.wx import FakeWeChat
from tests.web.conftest import MpClient

GENEROUS = "1000/minute"


def limits(**values) -> dict:
    base = {"ip": GENEROUS, "user": GENEROUS, "login_ip": GENEROUS, "login_user": GENEROUS}
    return {f"miniprogram.limits.{k}": v for k, v in {**base, **values}.items()}


@pytest.fixture
def limited(mp_app_factory, redis_hub):
    def make(**values):
        app = mp_app_factory(**limits(**values))
        return lambda: MpClient(app.test_client(), redis_hub)
    return make


def assert_429(r):
    assert r.status_code == 429, r.get_json()
    assert int(r.headers["Retry-After"]) >= 1
    assert r.get_json()["retry_after"] >= 1


def test_per_user_limit(limited):
    client = limited(user="3/minute")
    a, b = client().login("oUserA"), client().login("oUserB")
    for _ in range(3):
        assert a.get("/api/mp/identity").status_code == 200
    assert_429(a.get("/api/mp/identity"))
    assert_429(a.post("/api/mp/chat", json={"text": "你好"}))     # one count for all of the API
    assert b.get("/api/mp/identity").status_code == 200            # another citizen is not held back


def test_per_address_limit_covers_public_routes(limited):
    client = limited(ip="4/minute")
    c = client()
    for _ in range(4):
        assert c.get("/api/mp/catalogue/themes", token=None).status_code == 200
    assert_429(c.get("/api/mp/catalogue/themes", token=None))
    other = client()
    other.client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert other.get("/api/mp/catalogue/themes", token=None).status_code == 200


def test_login_limits_per_address_and_per_user(limited, sim):
    client = limited(login_ip="2/minute")
    c = client()
    assert c.post("/api/mp/login", token=None, json={"code": "sandbox:oL1"}).status_code == 200
    assert c.post("/api/mp/login", token=None, json={"code": "sandbox:oL2"}).status_code == 200
    assert_429(c.post("/api/mp/login", token=None, json={"code": "sandbox:oL3"}))
    assert len(sim.received("jscode2session")) == 2    # refused before WeChat is asked

    client = limited(login_user="2/hour")
    c = client()
    for n in range(2):
        assert c.post("/api/mp/login", token=None, json={"code": f"sandbox:oSame/{n}"}).status_code == 200
    assert_429(c.post("/api/mp/login", token=None, json={"code": "sandbox:oSame/2"}))
    assert c.post("/api/mp/login", token=None, json={"code": "sandbox:oOther"}).status_code == 200


def test_the_wechat_webhook_is_never_limited_per_address(redis_hub, sim):
    settings = load_settings(env={}, overrides={"redis.key_prefix": redis_hub.prefix,
                                                "wechat.api_base_url": f"http://127.0.0.1:{SIM_PORT}",
                                                **limits(ip="2/minute", user="2/minute")})
    runtime = Runtime(settings=settings, hub=redis_hub, nlu=None, adapters=None, identity=None, sessions=None,
                      dispatcher=FakeDispatcher(), services=None)
    client = create_app(runtime=runtime).test_client()
    wx = FakeWeChat()
    for n in range(6):
        push = wx.push({"ToUserName": "gh_demo", "FromUserName": "o_many", "CreateTime": "1", "MsgType": "text",
                        "Content": f"第{n}条", "MsgId": str(1000 + n)})
        assert wx.send(client, push).status_code == 200
    # The mini-program's API beside it is limited per address.
    assert client.get("/api/mp/openapi.json").status_code == 200
    assert client.get("/api/mp/openapi.json").status_code == 200
    assert_429(client.get("/api/mp/openapi.json"))
