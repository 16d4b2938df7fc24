"""Settings: config.yaml profiles + environment, checked once at start-up.

config.yaml has `defaults` (shared), and `profiles.sandbox` / `profiles.staging` /
`profiles.production` overlays (deep-merged over the defaults). `APP_PROFILE` picks the profile
(sandbox when unset). Values written `!env NAME` or `!env [NAME, default]` come
from the environment; in production every secret must be an `!env` without a
default, so no secret ever lives in the repository.

Besides `!env`, two kinds of override exist, both from the environment:
- the variables of the interfaces (docs/contracts.md: REDIS_URL, NLU_URL, WECHAT_*), and
- `APP__section__key=value` for any other setting (value parsed as YAML).

Every setting is validated here; a wrong or missing one raises ConfigError
naming it, and `create_app` refuses to start.
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from bot.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_FILE = ROOT / "config.yaml"
PROFILES = ("sandbox", "staging", "production")

# Settings that are secrets wherever they appear (matched on the last key).
_SECRET_KEY = re.compile(r"^(token|app_secret|aes_key|data_key|hash_pepper|admin_api_key|.*api_key|password|.*_secret|secret)$")


def is_secret_key(key: str) -> bool:
    """Whether a setting named `key` (its last part) holds a secret."""
    return bool(_SECRET_KEY.match(key))


class EnvRef:
    """A value to be read from the environment at load time."""

    def __init__(self, name: str, default: Any = None, has_default: bool = False, parse_yaml: bool = False):
        self.name, self.default, self.has_default = name, default, has_default
        self.parse_yaml = parse_yaml  # APP__ overrides carry YAML values (numbers, booleans, lists)


class _Loader(yaml.SafeLoader):
    pass


def _env_constructor(loader: yaml.SafeLoader, node: yaml.Node) -> EnvRef:
    if isinstance(node, yaml.ScalarNode):
        return EnvRef(loader.construct_scalar(node))
    items = loader.construct_sequence(node)
    if len(items) != 2:
        raise yaml.YAMLError("!env takes NAME or [NAME, default]")
    return EnvRef(str(items[0]), items[1], True)


_Loader.add_constructor("!env", _env_constructor)


def deep_merge(base: dict, over: Mapping) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _set_path(tree: dict, path: list[str], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(".".join(path), "cannot override inside a non-mapping setting")
    node[path[-1]] = value


# The interfaces' variables (docs/contracts.md) override the settings they name.
NAMED_ENV = {
    "REDIS_URL": "redis.url",
    "NLU_URL": "nlu.url",
    "WECHAT_TOKEN": "wechat.token",
    "WECHAT_APP_ID": "wechat.app_id",
    "WECHAT_APP_SECRET": "wechat.app_secret",
    "WECHAT_AES_KEY": "wechat.aes_key",
    "WECHAT_API_BASE_URL": "wechat.api_base_url",
    "WECHAT_MP_APP_ID": "miniprogram.app_id",
    "WECHAT_MP_APP_SECRET": "miniprogram.app_secret",
}


def _resolve_env(tree: Any, env: Mapping[str, str], profile: str, path: str = "") -> Any:
    """Replace EnvRef leaves by their values; enforce the secret rules."""
    if isinstance(tree, dict):
        return {k: _resolve_env(v, env, profile, f"{path}.{k}" if path else k) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_resolve_env(v, env, profile, f"{path}[{i}]") for i, v in enumerate(tree)]
    key = path.rsplit(".", 1)[-1]
    is_secret = bool(_SECRET_KEY.match(key))
    if isinstance(tree, EnvRef):
        if profile == "production" and is_secret and tree.has_default:
            raise ConfigError(path, f"a secret must not have a default in production (!env {tree.name})")
        if tree.name in env and env[tree.name] != "":
            return yaml.safe_load(env[tree.name]) if tree.parse_yaml else env[tree.name]
        if tree.has_default:
            return tree.default
        raise ConfigError(path, f"environment variable {tree.name} is not set")
    if profile == "production" and is_secret and tree not in (None, ""):
        raise ConfigError(path, "a secret must come from the environment in production (write it as !env NAME)")
    return tree


def load_raw(
    config_file: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict:
    """Merged, env-resolved settings tree (not yet validated)."""
    env = os.environ if env is None else env
    path = Path(config_file or env.get("APP_CONFIG") or DEFAULT_CONFIG_FILE)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except FileNotFoundError:
        raise ConfigError("APP_CONFIG", f"config file {path} not found") from None
    except yaml.YAMLError as e:
        raise ConfigError(str(path), f"not valid YAML: {e}") from None
    profile = (overrides or {}).get("profile") or env.get("APP_PROFILE") or doc.get("default_profile", "sandbox")
    if profile not in PROFILES:
        raise ConfigError("APP_PROFILE", f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    profiles = doc.get("profiles") or {}
    if profile not in profiles:
        raise ConfigError(f"profiles.{profile}", "missing from config.yaml")
    tree = deep_merge(doc.get("defaults") or {}, profiles[profile] or {})

    # Environment overrides are references too, so they count as "from the environment".
    for var, dotted in NAMED_ENV.items():
        if env.get(var):
            _set_path(tree, dotted.split("."), EnvRef(var))
    for var in env:
        if var.startswith("APP__"):
            _set_path(tree, var[5:].lower().split("__"), EnvRef(var, parse_yaml=True))
    tree = _resolve_env(tree, env, profile)
    for dotted, value in (overrides or {}).items():
        if dotted != "profile":
            _set_path(tree, dotted.split("."), value)
    tree["profile"] = profile
    return tree


# --- validation helpers -------------------------------------------------------------------

class Section:
    """Typed, read-only view of one mapping of settings with path-aware checks."""

    def __init__(self, path: str, data: Mapping[str, Any]):
        if not isinstance(data, Mapping):
            raise ConfigError(path, "must be a mapping")
        self._path = path
        self._data = dict(data)

    def _get(self, key: str, default: Any = ...) -> Any:
        if key not in self._data or self._data[key] is None:
            if default is ...:
                raise ConfigError(self._p(key), "missing")
            return default
        return self._data[key]

    def _p(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def str(self, key: str, default: Any = ..., pattern: str | None = None, choices: tuple | None = None) -> str:
        v = self._get(key, default)
        if not isinstance(v, (str, int)) or isinstance(v, bool):
            raise ConfigError(self._p(key), f"must be a string, got {type(v).__name__}")
        v = str(v)
        if v == "" and default is ...:
            raise ConfigError(self._p(key), "must not be empty")
        if pattern and not re.fullmatch(pattern, v):
            raise ConfigError(self._p(key), f"{v!r} does not have the expected form ({pattern})")
        if choices and v not in choices:
            raise ConfigError(self._p(key), f"{v!r} is not one of {', '.join(choices)}")
        return v

    def url(self, key: str, default: Any = ..., schemes: tuple = ("http", "https")) -> str:
        v = self.str(key, default)
        if not re.match(rf"^({'|'.join(map(re.escape, schemes))})://[^\s/]+", v):
            raise ConfigError(self._p(key), f"{v!r} is not a {'/'.join(schemes)} URL")
        return v.rstrip("/")

    def num(self, key: str, default: Any = ..., lo: float | None = None, hi: float | None = None) -> float:
        v = self._get(key, default)
        try:
            if isinstance(v, bool):
                raise TypeError
            v = float(v)
        except (TypeError, ValueError):
            raise ConfigError(self._p(key), f"must be a number, got {v!r}") from None
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ConfigError(self._p(key), f"{v} is outside [{lo}, {hi}]")
        return v

    def int(self, key: str, default: Any = ..., lo: int | None = None, hi: int | None = None) -> int:
        v = self.num(key, default, lo, hi)
        if v != int(v):
            raise ConfigError(self._p(key), f"must be a whole number, got {v}")
        return int(v)

    def bool(self, key: str, default: Any = ...) -> bool:
        v = self._get(key, default)
        if isinstance(v, str) and v.lower() in ("true", "false", "1", "0", "yes", "no"):
            return v.lower() in ("true", "1", "yes")
        if not isinstance(v, bool):
            raise ConfigError(self._p(key), f"must be true or false, got {v!r}")
        return v

    def section(self, key: str, default: Any = ...) -> "Section":
        return Section(self._p(key), self._get(key, default))

    def mapping(self, key: str, default: Any = ...) -> dict:
        v = self._get(key, default)
        if not isinstance(v, Mapping):
            raise ConfigError(self._p(key), "must be a mapping")
        return dict(v)

    def raw(self) -> dict:
        return dict(self._data)

    def keys(self):
        return self._data.keys()


Validator = Callable[[Section, str], Any]
