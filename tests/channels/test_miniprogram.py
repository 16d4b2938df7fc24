"""Mini-program login and chat (docs/contracts.md; docs/wechat.md, WeChat's rules: mini-program login)."""
from __future__ import annotations

import logging

import pytest

from app import create_app
from tests.fixtures.wechat import FakeDispatcher, build_test_runtime


@pytest.fixture
def mp(redis_hub, sim):
    dispatcher = FakeDispatcher()
    client = create_app(runtime=build_test_runtime(redis_hub, dispatcher)).test_client()
    client.dispatcher = dispatcher
    return client


def login(client, code):
    return client.post("/api/mp/login", json={"code": code})


def test_login_gives_our_own_token_and_never_the_session_key(mp, redis_hub, caplog):
    caplog.set_level(logging.DEBUG)
    r = login(mp, "sandbox:oMp_1")
    assert r.status_code == 200
    doc = r.get_json()
    assert set(doc) == {"token", "expires_in"}
    assert len(doc["token"]) >= 43
    assert b"session_key" not in r.data and b"secret" not in r.data
    stored = " ".join(str(redis_hub.text.get(k)) for k in redis_hub.text.scan_iter(match=redis_hub.prefix + "mp:*"))
    assert "oMp_1" in stored and "session_key" not in stored and doc["token"] not in stored
    assert "sandbox:oMp_1" not in caplog.text and "sandbox-secret" not in caplog.text


def test_a_reused_or_unknown_code_is_401(mp):
    assert login(mp, "sandbox:oMp_2").status_code == 200
    assert login(mp, "sandbox:oMp_2").status_code == 401
    assert login(mp, "made-up").status_code == 401


@pytest.mark.parametrize("body", [None, {}, {"code": ""}, {"code": 12}, {"code": "x" * 300}])
def test_malformed_login_is_400(mp, body):
    assert mp.post("/api/mp/login", json=body).status_code == 400


def test_chat_with_the_token(mp):
    token = login(mp, "sandbox:oMp_3").get_json()["token"]
    r = mp.post("/api/mp/chat", json={"text": "公积金余额"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert r.get_json() == {"messages": [{"type": "text", "text": "echo:公积金余额"}]}
    (incoming,) = mp.dispatcher.calls
    assert (incoming.channel, incoming.user_id) == ("miniprogram", "oMp_3")


@pytest.mark.parametrize("auth", [None, "Bearer ", "Bearer not-a-token", "Basic abc"])
def test_chat_without_a_valid_token_is_401(mp, auth):
    headers = {"Authorization": auth} if auth else {}
    assert mp.post("/api/mp/chat", json={"text": "x"}, headers=headers).status_code == 401
    assert mp.dispatcher.calls == []
