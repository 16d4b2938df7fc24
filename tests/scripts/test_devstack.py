"""`make run` (scripts/devstack.py): the app reaches the sandbox on whatever port base it was started."""
from __future__ import annotations

from bot.core.settings import load_settings
from sandbox.ports import BACKENDS, port_of
from scripts.devstack import sandbox_backends_env


def test_the_app_is_given_the_sandboxs_ports_for_another_port_base():
    env = sandbox_backends_env(20500, {})
    settings = load_settings(env=env)
    for name in BACKENDS:
        assert settings.backends[name]["base_url"] == f"http://127.0.0.1:{port_of(name, 20500)}", name


def test_a_url_set_in_the_environment_stays_and_other_profiles_get_nothing():
    env = sandbox_backends_env(20500, {"APP__BACKENDS__IDENTITY__BASE_URL": "http://10.0.0.5:9101"})
    assert "APP__BACKENDS__IDENTITY__BASE_URL" not in env and "APP__BACKENDS__WORKORDERS__BASE_URL" in env
    assert sandbox_backends_env(20500, {"APP_PROFILE": "production"}) == {}
