"""The validated settings the application runs with (built from bot.core.config)."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from bot.core.clock import parse_spec
from bot.core.config import Section, load_raw
from bot.core.errors import ConfigError
from bot.core.production import check_production


@dataclass(frozen=True)
class AppSettings:
    port: int
    log_level: str
    max_body_bytes: int


@dataclass(frozen=True)
class RedisSettings:
    url: str
    key_prefix: str


@dataclass(frozen=True)
class NluSettings:
    url: str
    timeout_s: float
    cache_ttl_s: int
    clarify_below: float


@dataclass(frozen=True)
class ConversationSettings:
    ttl_s: int
    lock_ttl_s: int
    lock_wait_s: float


@dataclass(frozen=True)
class SecuritySettings:
    data_key: bytes        # 32 bytes, encrypts ID numbers at rest
    hash_pepper: bytes     # keys the lookup hashes of ID numbers and log pseudonyms
    hotline_api_key: str   # machine key of the hotline's transcript intake (HOTLINE_API_KEY)
    nlu_api_key: str       # machine key of POST /api/nlu/parse (NLU_API_KEY)


@dataclass(frozen=True)
class Settings:
    profile: str
    app: AppSettings
    redis: RedisSettings
    nlu: NluSettings
    conversation: ConversationSettings
    security: SecuritySettings
    # Sections validated by their owners (the channel and the adapters),
    # kept as checked-for-shape mappings here.
    wechat: Section
    backends: dict[str, Any]
    extra: dict[str, Any]
    # The date the application's clock is moved to (bot.core.clock; APP_CLOCK), None for the wall clock.
    clock_at: str | None = None

    @property
    def is_production(self) -> bool:
        return self.profile == "production"


def _data_key(sec: Section) -> bytes:
    raw = sec.str("data_key")
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("security.data_key", "must be base64 (32 bytes once decoded)") from None
    if len(key) != 32:
        raise ConfigError("security.data_key", f"must decode to 32 bytes, got {len(key)}")
    return key


def _nlu_urls(nlu: Section) -> str:
    """One Rasa server URL, or several separated by commas (each checked)."""
    urls = [u.strip() for u in nlu.str("url").split(",") if u.strip()]
    for i, u in enumerate(urls):
        Section("nlu", {"url": u}).url("url")  # raises ConfigError naming nlu.url
    return ",".join(u.rstrip("/") for u in urls)


def _clock_at(root: Section, profile: str) -> str | None:
    value = root.raw().get("clock", {}) or {}
    at = value.get("at") if isinstance(value, Mapping) else None
    if at in (None, ""):
        return None
    if profile == "production":
        raise ConfigError("clock.at", "the clock cannot be moved in production (unset APP_CLOCK)")
    try:
        parse_spec(str(at))
    except ValueError as e:
        raise ConfigError("clock.at", str(e)) from None
    return str(at)


def build_settings(tree: Mapping[str, Any]) -> Settings:
    root = Section("", tree)
    profile = root.str("profile", choices=("sandbox", "production"))
    app = root.section("app")
    redis = root.section("redis")
    nlu = root.section("nlu")
    conv = root.section("conversation")
    sec = root.section("security")
    pepper = sec.str("hash_pepper")
    if profile == "production":
        check_production(tree)  # published secrets, short keys, the sandbox's addresses
    known = {"profile", "app", "redis", "nlu", "conversation", "security", "wechat", "backends", "clock"}
    return Settings(
        profile=profile,
        app=AppSettings(
            port=app.int("port", lo=1, hi=65535),
            log_level=app.str("log_level", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
            max_body_bytes=app.int("max_body_bytes", lo=1024, hi=10 * 1024 * 1024),
        ),
        redis=RedisSettings(
            url=redis.url("url", schemes=("redis", "rediss", "unix", "redis+sentinel")),
            key_prefix=redis.str("key_prefix"),
        ),
        nlu=NluSettings(
            url=_nlu_urls(nlu),
            timeout_s=nlu.num("timeout_s", lo=0.05, hi=30),
            cache_ttl_s=nlu.int("cache_ttl_s", lo=0),
            clarify_below=nlu.num("clarify_below", lo=0, hi=1),
        ),
        conversation=ConversationSettings(
            ttl_s=conv.int("ttl_s", lo=60),
            lock_ttl_s=conv.int("lock_ttl_s", lo=1),
            lock_wait_s=conv.num("lock_wait_s", lo=0),
        ),
        security=SecuritySettings(
            data_key=_data_key(sec),
            hash_pepper=pepper.encode(),
            hotline_api_key=sec.str("hotline_api_key"),
            nlu_api_key=sec.str("nlu_api_key"),
        ),
        wechat=root.section("wechat"),
        backends=root.mapping("backends", {}),
        extra={k: v for k, v in tree.items() if k not in known},
        clock_at=_clock_at(root, profile),
    )


def load_settings(
    config_file: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    return build_settings(load_raw(config_file, env, overrides))
