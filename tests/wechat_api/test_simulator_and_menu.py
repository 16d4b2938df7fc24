"""The simulator's contracts (docs/contracts.md), the API client's other calls, and the menu."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bot.core.errors import ConfigError
from bot.core.redis_hub import RedisHub
from bot.core.settings import load_settings
from bot.wechat_api import Notices, SubscriptionRefused, WeChatApi, WeChatApiError
from bot.wechat_api.menu import Menu
from bot.wechat_api.mp_login import InvalidLoginCode, Login
from bot.wechat_api.settings import load_wechat_settings
from tests.fixtures.redis import TEST_REDIS_URL
from tests.fixtures.wx import APP_ID

ROOT = Path(__file__).resolve().parents[2]

# The intent names a CLICK key may carry (docs/contracts.md).
INTENTS = {"greet", "goodbye", "thank", "affirm", "deny", "inform", "bot_challenge", "request_human",
           "out_of_scope", "bind_identity", "query_my_affairs", "query_housing_fund", "query_social_security",
           "query_medical_insurance", "query_endorsement_status", "query_business_registration",
           "query_utility_bill", "book_appointment", "ask_service_guide", "file_complaint", "rate_service"}


# The mini-program's own account (docs/contracts.md): its logins and content checks use it.
MP_APP_ID, MP_SECRET = "wx0fedcba987654321", "sandbox-mp-secret"


@pytest.fixture
def api(redis_hub, sim):
    return WeChatApi(sim.url, APP_ID, "sandbox-secret", RedisHub(TEST_REDIS_URL, redis_hub.prefix))


@pytest.fixture
def mp_api(redis_hub, sim):
    return WeChatApi(sim.url, MP_APP_ID, MP_SECRET, RedisHub(TEST_REDIS_URL, redis_hub.prefix))


# -- jscode2session (docs/contracts.md) -----------------------------------------------------------

def test_sandbox_code_is_accepted_once(mp_api):
    session = Login(mp_api).code_to_session("sandbox:oMini_1")
    assert session.openid == "oMini_1" and session.session_key
    assert "session_key" not in repr(session)
    with pytest.raises(InvalidLoginCode):
        Login(mp_api).code_to_session("sandbox:oMini_1")
    # Another code of the same user (`/<n>`) logs them in again.
    assert Login(mp_api).code_to_session("sandbox:oMini_1/2").openid == "oMini_1"


@pytest.mark.parametrize("code", ["whatever", "sandbox:", "sandbox:bad id", ""])
def test_other_codes_get_40029(sim, code):
    r = requests.get(f"{sim.url}/sns/jscode2session", params={
        "appid": MP_APP_ID, "secret": MP_SECRET, "js_code": code, "grant_type": "authorization_code"})
    assert r.json()["errcode"] == 40029


def test_jscode2session_needs_the_mini_programs_own_credentials(sim, api):
    r = requests.get(f"{sim.url}/sns/jscode2session", params={
        "appid": MP_APP_ID, "secret": "wrong", "js_code": "sandbox:o1", "grant_type": "authorization_code"})
    assert r.json()["errcode"] == 40125
    with pytest.raises(WeChatApiError):        # the Official Account's AppID is not the mini-program's
        Login(api).code_to_session("sandbox:o2")


def test_recorded_requests_never_keep_secrets(mp_api, sim):
    Login(mp_api).code_to_session("sandbox:oMini_2")
    (got,) = sim.received("jscode2session")
    assert got["query"]["secret"] == "***" and got["query"]["js_code"] == "***"


def test_msg_sec_check_needs_the_mini_programs_token(api, mp_api, sim):
    from bot.wechat_api import ContentCheck
    assert ContentCheck(mp_api).check_text("oMini_3", "路灯坏了").suggest == "pass"
    assert ContentCheck(mp_api).check_text("oMini_3", "sim-review 内容").suggest == "review"
    assert ContentCheck(mp_api).check_text("oMini_3", "sim-risky 内容").risky
    with pytest.raises(WeChatApiError) as refused:       # the Official Account's token
        ContentCheck(api).check_text("oMini_3", "路灯坏了")
    assert refused.value.errcode == 48001


# -- template and subscribe messages ----------------------------------------------------------

def test_template_message(api, sim):
    msgid = Notices(api).send_template("oT_1", "TPL_1", {"thing1": "公积金提取", "time2": "2026-11-20"},
                                       client_msg_id="order-1")
    assert isinstance(msgid, int)
    (got,) = sim.received("template")
    assert got["body"]["data"] == {"thing1": {"value": "公积金提取"}, "time2": {"value": "2026-11-20"}}
    assert got["body"]["client_msg_id"] == "order-1"


def test_subscribe_messages_and_refusal(api, sim):
    notices = Notices(api)
    notices.send_oa_subscribe("oS_1", "TPL_2", {"thing1": "签注已办结"})
    notices.send_mp_subscribe("oS_1", "TPL_3", {"thing1": "签注已办结"}, state="trial")
    assert len(sim.received("bizsend")) == 1
    assert sim.received("subscribe")[0]["body"]["miniprogram_state"] == "trial"
    sim.faults(errors={"subscribe": {"errcode": 43101, "times": 1}})
    with pytest.raises(SubscriptionRefused):
        notices.send_mp_subscribe("oS_1", "TPL_3", {"thing1": "x"})
    assert len(sim.received("subscribe")) == 2        # refused once, not retried


def test_simulator_custom_send_shapes(api, sim):
    sim.faults(strict_window=True)
    with pytest.raises(WeChatApiError) as e:
        api.call("POST", "cgi-bin/message/custom/send",
                 body={"touser": "oStranger", "msgtype": "text", "text": {"content": "hi"}})
    assert e.value.errcode == 45015
    sim.interaction("oStranger", "click")
    for _ in range(3):
        api.call("POST", "cgi-bin/message/custom/send",
                 body={"touser": "oStranger", "msgtype": "text", "text": {"content": "hi"}})
    with pytest.raises(WeChatApiError) as e:
        api.call("POST", "cgi-bin/message/custom/send",
                 body={"touser": "oStranger", "msgtype": "text", "text": {"content": "hi"}})
    assert e.value.errcode == 45047


def test_simulator_refuses_stale_tokens(sim):
    r = requests.post(f"{sim.url}/cgi-bin/message/custom/send", params={"access_token": "made-up"},
                      json={"touser": "o", "msgtype": "text", "text": {"content": "x"}})
    assert r.json()["errcode"] == 40001


# -- the menu ------------------------------------------------------------------------------------

def _settings(**over):
    return load_settings(env={}, overrides=over)


def test_menu_in_config_follows_wechat_rules_and_intents():
    wechat = load_wechat_settings(_settings().wechat, production=False)
    assert 1 <= len(wechat.menu) <= 3
    keys = []
    for top in wechat.menu:
        assert len(top["name"].encode()) <= 16
        assert 1 <= len(top["sub_button"]) <= 5
        keys += [b["key"] for b in top["sub_button"] if b["type"] == "click"]
    assert set(keys) <= INTENTS
    assert len(keys) == len(set(keys))


def test_publish_menu_to_the_simulator(api, sim):
    wechat = load_wechat_settings(_settings().wechat, production=False)
    Menu(api).publish(wechat.menu)
    (got,) = sim.received("menu")
    assert got["body"] == json.loads(json.dumps(Menu.body(wechat.menu), ensure_ascii=False))
    assert api.call("GET", "cgi-bin/menu/get")["menu"] == got["body"]


def test_menu_command(redis_hub, sim):
    env = {**os.environ, "WECHAT_API_BASE_URL": sim.url, "APP__redis__key_prefix": json.dumps(redis_hub.prefix)}
    out = subprocess.run([sys.executable, "-m", "bot.wechat_api.menu", "publish"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert sim.received("menu")[0]["body"]["button"][0]["name"] == "我的办件"


@pytest.mark.parametrize("menu,named", [
    ([{"name": f"b{i}", "type": "click", "key": "greet"} for i in range(4)], "wechat.menu"),
    ([{"name": "组", "sub_button": [{"name": f"s{i}", "type": "click", "key": f"k{'a' * i}"} for i in range(6)]}],
     "wechat.menu[0].sub_button"),
    ([{"name": "太长的一级菜单名字", "type": "click", "key": "greet"}], "wechat.menu[0].name"),
    ([{"name": "a", "type": "click", "key": "Not-An-Intent"}], "wechat.menu[0].key"),
    ([{"name": "a", "type": "view", "url": "http://insecure.example"}], "wechat.menu[0].url"),
    ([{"name": "a", "type": "click", "key": "greet"}, {"name": "b", "type": "click", "key": "greet"}],
     "wechat.menu"),
])
def test_bad_menus_are_refused_at_start_up(menu, named):
    with pytest.raises(ConfigError) as e:
        load_wechat_settings(_settings(**{"wechat.menu": menu}).wechat, production=False)
    assert e.value.path == named


# -- settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("override,named", [
    ({"wechat.reply_budget_s": 5}, "wechat.reply_budget_s"),
    ({"wechat.message_mode": "open"}, "wechat.message_mode"),
    ({"wechat.turn_mode": "magic"}, "wechat.turn_mode"),
    ({"wechat.aes_key": "short"}, "wechat.aes_key"),
    ({"wechat.app_id": "not-an-appid"}, "wechat.app_id"),
    ({"wechat.jobs.backoff_s": []}, "wechat.jobs.backoff_s"),
    ({"wechat.api_base_url": "ftp://x"}, "wechat.api_base_url"),
    ({"wechat.dedup_ttl_s": 599}, "wechat.dedup_ttl_s"),       # the window is 300 s
])
def test_wrong_settings_name_themselves(override, named):
    with pytest.raises(ConfigError) as e:
        load_wechat_settings(_settings(**override).wechat, production=False)
    assert e.value.path == named


def test_production_requires_safe_mode():
    sec = _settings(**{"wechat.message_mode": "compatible"}).wechat
    with pytest.raises(ConfigError) as e:
        load_wechat_settings(sec, production=True)
    assert e.value.path == "wechat.message_mode"


def test_production_profile_takes_secrets_only_from_the_environment():
    """Read config.yaml's production wechat block as written (the rest of the file is not ours)."""
    import yaml
    from bot.core.config import DEFAULT_CONFIG_FILE, EnvRef, _Loader

    doc = yaml.load(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8"), Loader=_Loader)
    prod = doc["profiles"]["production"]["wechat"]
    for secret in ("token", "app_secret", "aes_key"):
        assert isinstance(prod[secret], EnvRef) and not prod[secret].has_default, secret
    assert prod["message_mode"] == "safe"
    assert prod["api_base_url"] == "https://api.weixin.qq.com"
