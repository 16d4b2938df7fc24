import pytest

from bot.core.errors import ConfigError
from bot.core.settings import load_settings
from tests.fixtures.production import production_env

PROD_ENV = production_env()


def test_sandbox_profile_needs_no_environment():
    s = load_settings(env={})
    assert s.profile == "sandbox"
    assert s.redis.url == "redis://127.0.0.1:6379/0"
    assert s.nlu.url == "http://127.0.0.1:5005"
    assert s.wechat.str("token") == "sandbox-token"


def test_environment_overrides_named_settings():
    s = load_settings(env={"NLU_URL": "http://10.1.1.1:5005", "WECHAT_TOKEN": "other"})
    assert s.nlu.url == "http://10.1.1.1:5005"
    assert s.wechat.str("token") == "other"


def test_generic_override():
    s = load_settings(env={"APP__NLU__TIMEOUT_S": "0.7"})
    assert s.nlu.timeout_s == 0.7


def test_production_missing_secret_names_it():
    env = dict(PROD_ENV)
    del env["WECHAT_APP_SECRET"]
    with pytest.raises(ConfigError, match=r"wechat\.app_secret: environment variable WECHAT_APP_SECRET"):
        load_settings(env=env)


def test_wrong_value_names_the_setting():
    with pytest.raises(ConfigError, match=r"nlu\.timeout_s"):
        load_settings(env={"APP__NLU__TIMEOUT_S": "fast"})
    with pytest.raises(ConfigError, match=r"redis\.url"):
        load_settings(env={"REDIS_URL": "http://not-redis"})
    with pytest.raises(ConfigError, match=r"APP_PROFILE"):
        load_settings(env={"APP_PROFILE": "prod"})


def test_production_refuses_secret_written_in_file(tmp_path):
    cfg = tmp_path / "c.yaml"
    from pathlib import Path
    text = Path("config.yaml").read_text(encoding="utf-8").replace(
        "token: !env WECHAT_TOKEN", "token: literal-secret")
    cfg.write_text(text, encoding="utf-8")
    env = {k: v for k, v in PROD_ENV.items() if k != "WECHAT_TOKEN"}
    with pytest.raises(ConfigError, match=r"wechat\.token: a secret must come from the environment"):
        load_settings(cfg, env=env)


def test_short_data_key_rejected():
    with pytest.raises(ConfigError, match=r"security\.data_key"):
        load_settings(env={"DATA_KEY": "c2hvcnQ="})


def test_staging_runs_like_production_with_the_sandbox():
    from bot.wechat_api.settings import load_wechat_settings
    s = load_settings(env={"APP_PROFILE": "staging"})
    # the sandbox's backends and credentials (and SMS shortcut) ...
    assert s.profile == "staging" and not s.is_production and s.runs_like_production
    assert s.backends["identity"]["base_url"] == "http://127.0.0.1:9101"
    assert s.backends["identity"]["sandbox_sms_shortcut"] is True
    assert s.wechat.str("token") == "sandbox-token"
    # ... with production's checks: safe message mode, no moved clock
    assert load_wechat_settings(s.wechat, production=s.runs_like_production).message_mode == "safe"
    with pytest.raises(ConfigError, match="wechat.message_mode"):
        load_wechat_settings(load_settings(env={"APP_PROFILE": "staging", "APP__WECHAT__MESSAGE_MODE": "compatible"})
                             .wechat, production=True)
    with pytest.raises(ConfigError, match="clock.at"):
        load_settings(env={"APP_PROFILE": "staging", "APP_CLOCK": "2027-02-08T10:00:00+08:00"})


def test_proxy_hops_from_the_environment():
    assert load_settings(env={}).app.proxy_hops == 0
    assert load_settings(env={"PROXY_HOPS": "1"}).app.proxy_hops == 1
    with pytest.raises(ConfigError, match="app.proxy_hops"):
        load_settings(env={"PROXY_HOPS": "-1"})
