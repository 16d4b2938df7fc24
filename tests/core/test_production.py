"""Production refuses what is public or weak (bot/core/production.py): every secret value written
in the repository, keys shorter than their minimum, the sandbox's addresses; each refusal names
the setting. The denylist is kept complete by scanning the repository."""
from __future__ import annotations

import re
import secrets
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.core.config import EnvRef, _Loader, is_secret_key
from bot.core.errors import ConfigError
from bot.core.production import PUBLISHED, min_length
from bot.core.settings import load_settings
from tests.fixtures.production import production_env

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.load((ROOT / "config.yaml").read_text(encoding="utf-8"), Loader=_Loader)


def _leaves(tree, path=""):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _leaves(v, f"{path}.{k}" if path else k)
    else:
        yield path, tree


SANDBOX = dict(_leaves(CONFIG["profiles"]["sandbox"]))
PRODUCTION = dict(_leaves(CONFIG["profiles"]["production"]))
# production setting -> the environment variable it is read from
PROD_VARS = {path: ref.name for path, ref in PRODUCTION.items() if isinstance(ref, EnvRef)}
PROD_SECRETS = {path: var for path, var in PROD_VARS.items() if is_secret_key(path.rsplit(".", 1)[-1])}


def _sandbox_value(path):
    v = SANDBOX.get(path)
    return v.default if isinstance(v, EnvRef) else v


def test_a_fresh_production_environment_starts():
    s = load_settings(env=production_env())
    assert s.is_production


# Every setting production reads from the environment, given the sandbox's own value.
SANDBOX_VALUES = [(path, var, _sandbox_value(path)) for path, var in PROD_VARS.items()
                  if isinstance(_sandbox_value(path), str) and not path.endswith("url")]


def test_every_sandbox_credential_is_tried():
    assert {p for p, _, _ in SANDBOX_VALUES} >= {
        "security.data_key", "security.hash_pepper", "security.hotline_api_key", "wechat.token",
        "wechat.app_secret", "wechat.aes_key", "backends.identity.api_key", "backends.civil_affairs.password"}


@pytest.mark.parametrize("path,var,value", SANDBOX_VALUES, ids=[p for p, _, _ in SANDBOX_VALUES])
def test_production_refuses_the_sandboxs_values(path, var, value):
    with pytest.raises(ConfigError, match=rf"^{re.escape(path)}: is a value published in the repository"):
        load_settings(env={**production_env(), var: value})


@pytest.mark.parametrize("path,var", sorted(PROD_SECRETS.items()))
def test_production_refuses_a_short_key(path, var):
    n = min_length(path)
    short = secrets.token_hex(n)[: n - 1]
    with pytest.raises(ConfigError, match=rf"^{re.escape(path)}: must be at least {n} characters"):
        load_settings(env={**production_env(), var: short})
    if path not in ("security.data_key", "wechat.aes_key"):  # those have a shape besides a length
        load_settings(env={**production_env(), var: secrets.token_hex(n)[:n]})  # the minimum is enough


def test_the_stated_minimums():
    assert min_length("security.hash_pepper") == 16
    assert min_length("wechat.token") == 16
    assert min_length("backends.identity.api_key") == 8
    assert min_length("nlu.api_key") == 16   # any secret a later setting adds


LOOPBACK = ["http://127.0.0.1:9200", "http://localhost:9101", "http://[::1]:9101", "http://127.8.0.1",
            "http://0.0.0.0:9101", "https://api.localhost", "http://[::ffff:127.0.0.1]:9101",
            # forms the resolver also reads as loopback / "this host"
            "http://127.1:9000", "http://2130706433", "http://0x7f000001", "http://0:9000",
            "http://017700000001/", "http://127.000.000.001", "http://localhost.:9101",
            "http://LOCALHOST:9101", "http://0.0.0.1", "http://127.0.0.1.:9200"]


@pytest.mark.parametrize("url", LOOPBACK)
@pytest.mark.parametrize("path,var", [("wechat.api_base_url", "WECHAT_API_BASE_URL"),
                                      ("backends.identity.base_url", "IDENTITY_BASE_URL"),
                                      ("backends.civil_affairs.base_url", "CIVIL_AFFAIRS_BASE_URL")])
def test_production_refuses_loopback_addresses(path, var, url):
    with pytest.raises(ConfigError, match=rf"^{re.escape(path)}: .* is on loopback"):
        load_settings(env={**production_env(), var: url})


def test_the_sandbox_profile_keeps_its_loopback_addresses():
    s = load_settings(env={})
    assert s.wechat.str("api_base_url").startswith("http://127.0.0.1")
    assert s.backends["identity"]["base_url"].startswith("http://127.0.0.1")


def test_a_moved_clock_is_refused():
    with pytest.raises(ConfigError, match=r"^clock\.at: "):
        load_settings(env={**production_env(), "APP_CLOCK": "2027-02-08T10:00:00+08:00"})


# --- the denylist is complete -----------------------------------------------------------------

# A secret-named thing followed by a quoted value ("...", '...', `...`) or a YAML `!env [NAME, value]`.
_NAME = r"(?:token|secret|password|passwd|pepper|api[_-]?key|admin[_-]?key|aes[_-]?key|data[_-]?key|app[_-]?key)"
_NAMED = re.compile(r"(?i)" + _NAME + r"\w*[\"'`]?\s*(?:[:=,|]|\)\s*\|)\s*(?:!env\s*)?\[?\s*(?:[A-Z][A-Z0-9_]*\s*,\s*)?"
                    r"(?:[\"'`]([A-Za-z0-9+/=_.:-]{8,})[\"'`]|(?<=, )([A-Za-z0-9+/=_.-]{8,})\])")
# Shapes of keys wherever they stand: base64 of 32 bytes (data keys), 43 characters (EncodingAESKey).
_SHAPED = re.compile(r"(?<![A-Za-z0-9+/])([A-Za-z0-9+/]{43}=|[A-Za-z0-9]{43})(?![A-Za-z0-9+/=])")
# Taken for names, not values: words of letters and underscores (page_size, RegexFeaturizer),
# dotted paths (wechat.token), URL paths (/oauth2/token).
_A_NAME = re.compile(r"[A-Za-z_]+|[A-Za-z_]+(\.[A-Za-z_]+)+|/\S*")
_SCANNED = (".py", ".md", ".yaml", ".yml", ".txt", ".cfg", ".ini", ".toml", ".sh", ".json")


def secret_shaped(text: str) -> set[str]:
    found = set()
    for line in text.splitlines():
        for m in _NAMED.finditer(line):
            found.add(m.group(1) or m.group(2))
        found.update(m.group(1) for m in _SHAPED.finditer(line))
    return {v for v in found if not _A_NAME.fullmatch(v)}


def _repository_files():
    names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / n for n in names if n.endswith(_SCANNED) or n == "Makefile"]


def test_the_scanner_finds_secret_shaped_strings():
    text = ('api_key: !env [X_API_KEY, sandbox-new-key]\nTOKEN = "tok-12345678"\n'
            '| `WECHAT_APP_SECRET` | `new-secret-1` |\nkey = "' + "Ab1" * 14 + 'c"\npage_size: 20\n')
    assert secret_shaped(text) == {"sandbox-new-key", "tok-12345678", "new-secret-1", "Ab1" * 14 + "c"}


def test_every_secret_in_the_repository_is_on_the_denylist():
    missing = {}
    scanned = set()
    for f in _repository_files():
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for v in secret_shaped(text):
            scanned.add(v)
            if v not in PUBLISHED:
                missing.setdefault(v, str(f.relative_to(ROOT)))
    # config.yaml read as settings: every value of a secret setting in any profile
    for profile in CONFIG["profiles"].values():
        for path, v in _leaves(profile):
            v = v.default if isinstance(v, EnvRef) else v
            if isinstance(v, str) and v and is_secret_key(path.rsplit(".", 1)[-1]):
                scanned.add(v)
                if v not in PUBLISHED:
                    missing.setdefault(v, f"config.yaml {path}")
    assert not missing, f"add these to bot.core.production.PUBLISHED: {missing}"
    # the scan sees the sandbox's secrets where they are written
    assert {"sandbox-token", "sandbox-pepper", "sandbox-admin-key", "c2FuZGJveC1vbmx5LWRhdGEta2V5LW5vdC1zZWNyZXQ=",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "sandbox-mz-password"} <= scanned
