"""Settings are validated when the adapters are built: a wrong one names itself."""
from __future__ import annotations

import pytest

from adapters import build_adapters
from bot.core.errors import ConfigError
from tests.adapters.conftest import backend_settings, config_backends


def test_config_yaml_sandbox_profile_builds_every_adapter(sandbox, redis_hub):
    built = build_adapters(backend_settings(sandbox), redis_hub, "sandbox")
    assert built.names() == ["identity", "housing_fund", "social_insurance", "medical_insurance", "exit_entry",
                             "market_regulation", "utilities", "appointments", "workorders", "civil_affairs"]
    assert built.exit_entry.name == "exit_entry"
    assert {a.domain for a in built.ledger_sources()} == {"公积金", "社保", "医保", "出入境", "市场监管", "水电气",
                                                        "预约", "12345"}
    assert built.civil_affairs not in built.ledger_sources()  # bulk exchange for staff, no citizen matters
    built.close()


@pytest.mark.parametrize("change, path", [
    (lambda b: b["exit_entry"].pop("base_url"), "backends.exit_entry.base_url"),
    (lambda b: b["exit_entry"].update(base_url="ftp://x"), "backends.exit_entry.base_url"),
    (lambda b: b["housing_fund"].pop("app_secret"), "backends.housing_fund.app_secret"),
    (lambda b: b["civil_affairs"].pop("password"), "backends.civil_affairs.password"),
    (lambda b: b["social_insurance"].update(bulk_rate="quickly"), "backends.social_insurance.bulk_rate"),
    (lambda b: b["market_regulation"].update(officer_page_size=5000), "backends.market_regulation.officer_page_size"),
    (lambda b: b["utilities"].update(read_timeout_s="soon"), "backends.utilities.read_timeout_s"),
    (lambda b: b["utilities"].update(retries=9), "backends.utilities.retries"),
    (lambda b: b["appointments"].update(read_timout_s=1), "backends.appointments.read_timout_s"),
    (lambda b: b.pop("workorders"), "backends.workorders"),
    (lambda b: b.update(weather={"base_url": "http://x"}), "backends.weather"),
])
def test_a_bad_setting_is_named(sandbox, redis_hub, change, path):
    backends = backend_settings(sandbox)
    change(backends)
    with pytest.raises(ConfigError) as e:
        build_adapters(backends, redis_hub, "sandbox")
    assert e.value.path == path


def test_production_refuses_the_sandbox_sms_shortcut(sandbox, redis_hub):
    backends = backend_settings(sandbox)
    backends["identity"]["sandbox_sms_shortcut"] = True
    with pytest.raises(ConfigError) as e:
        build_adapters(backends, redis_hub, "production")
    assert e.value.path == "backends.identity.sandbox_sms_shortcut"
    backends["identity"]["sandbox_sms_shortcut"] = False
    build_adapters(backends, redis_hub, "production").close()


def test_config_yaml_keeps_the_shortcut_out_of_production():
    assert config_backends()["identity"]["sandbox_sms_shortcut"] is True
    import yaml  # the production profile as written, without resolving its !env values
    from bot.core.config import DEFAULT_CONFIG_FILE, _Loader
    doc = yaml.load(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8"), Loader=_Loader)
    assert doc["profiles"]["production"]["backends"]["identity"]["sandbox_sms_shortcut"] is False


def test_production_takes_the_civil_affairs_credentials_from_the_environment():
    import yaml
    from bot.core.config import DEFAULT_CONFIG_FILE, EnvRef, _Loader
    doc = yaml.load(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8"), Loader=_Loader)
    civil = doc["profiles"]["production"]["backends"]["civil_affairs"]
    assert all(isinstance(civil[k], EnvRef) and not civil[k].has_default for k in ("base_url", "account", "password"))
