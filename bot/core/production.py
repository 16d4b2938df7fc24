"""What the production profile refuses to start with, beyond the shape checks of bot.core.settings.

A secret that is written anywhere in this repository is public: the sandbox's keys, tokens,
AES key, pepper and admin key, and every example value in docs and tests. Production refuses
each of them (PUBLISHED), keys shorter than their minimum (MIN_LENGTH), and a WeChat API or
backend address on loopback (only the sandbox and staging profiles talk to the sandbox).
Each refusal is a ConfigError naming the setting. tests/core/test_production.py scans the
repository for secret-shaped strings and fails when one is missing from PUBLISHED.
"""
from __future__ import annotations

import fnmatch
import ipaddress
import socket
from typing import Any, Iterator, Mapping
from urllib.parse import urlparse

from bot.core.config import is_secret_key
from bot.core.errors import ConfigError

# Every secret value that appears in the repository (config.yaml's sandbox profile, sandbox/,
# docs, README, scripts, tests). Matched exactly; keep it complete (the test says what is missing).
PUBLISHED: frozenset[str] = frozenset({
    # config.yaml sandbox profile and sandbox/credentials.py
    "c2FuZGJveC1vbmx5LWRhdGEta2V5LW5vdC1zZWNyZXQ=",   # security.data_key
    "sandbox-pepper",
    "sandbox-admin-key",
    "sandbox-token",
    "sandbox-secret",
    "sandbox-mp-secret",
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",    # the sandbox's EncodingAESKey
    "sandbox-identity-key",
    "gjj-sandbox-app",
    "sandbox-gjj-secret",
    "si-sandbox",
    "sandbox-si-password",
    "yb-sandbox-client",
    "sandbox-yb-secret",
    "sandbox-crj-key",
    "sandbox-scjg-key",
    "sandbox-utility-key",
    "sandbox-appt-key",
    "sandbox-12345-key",
    "sandbox-hotline-key",   # security.hotline_api_key
    "sandbox-nlu-key",       # security.nlu_api_key
    "mz-exchange-sandbox",
    "sandbox-mz-password",
    # example values in tests and docs
    "not-the-secret",
    "literal-secret",
    "bm90LW91cnM=",
    "c2hvcnQ=",
    "sandbox-new-key",    # the examples of tests/core/test_production.py's scanner
    "tok-12345678",
    "new-secret-1",
    "env-key-0123456789",       # tests/core/test_pseudonym.py
    "a-long-enough-password",   # tests/fixtures/console.py
    "hotline-caller:",          # not a secret: the prefix of the hotline's caller pseudonyms
    # not secrets, but the sandbox's and the tests' own accounts: production talking to them is a mistake
    "wx0123456789abcdef",
    "wx0fedcba987654321",
    "wxffffffffffffffff",
})

# The least number of characters of a secret in production, by setting (first match wins).
# WeChat accepts tokens of 3..32 characters, but a short one lets anyone forge signatures;
# its AppSecret is 32 characters. Departments' credentials are theirs to choose, hence 8.
MIN_LENGTH: tuple[tuple[str, int], ...] = (
    ("security.data_key", 44),      # base64 of 32 bytes (its shape is checked by the settings)
    ("wechat.aes_key", 43),         # WeChat's EncodingAESKey
    ("security.hash_pepper", 16),
    ("wechat.token", 16),
    ("wechat.app_secret", 32),
    ("miniprogram.app_secret", 32),
    ("backends.*", 8),
    ("*", 16),                      # any other secret (machine API keys, ...)
)

# Addresses that must be a real service in production (the sandbox's are all on loopback).
REMOTE_URLS: tuple[str, ...] = ("wechat.api_base_url", "backends.*.base_url")


def min_length(path: str) -> int:
    return next(n for pattern, n in MIN_LENGTH if fnmatch.fnmatchcase(path, pattern))


def _leaves(tree: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(tree, Mapping):
        for k, v in tree.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, tree


def is_loopback(url: str) -> bool:
    # A trailing dot names the same host ("localhost." is localhost).
    host = (urlparse(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        # The resolver also takes the BSD forms: 127.1, 2130706433, 0x7f000001, 017700000001,
        # 127.000.000.001 (inet_aton reads them as the resolver would).
        try:
            first = socket.inet_aton(host)[0]
        except OSError:
            return False
        return first in (0, 127)
    if ip.version == 6 and ip.ipv4_mapped:   # ::ffff:127.0.0.1 (Python 3.11 does not see it as loopback)
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified or (ip.version == 4 and ip.packed[0] == 0)


def check_production(tree: Mapping[str, Any]) -> None:
    """Raise ConfigError naming the first setting production must not start with."""
    for path, value in _leaves(tree):
        if not isinstance(value, str) or path == "profile":
            continue
        if value in PUBLISHED:
            raise ConfigError(path, "is a value published in the repository (the sandbox's); "
                                    "set a secret of your own in production")
        if is_secret_key(path.rsplit(".", 1)[-1]) and len(value) < min_length(path):
            raise ConfigError(path, f"must be at least {min_length(path)} characters in production")
        if any(fnmatch.fnmatchcase(path, p) for p in REMOTE_URLS) and is_loopback(value):
            raise ConfigError(path, f"{value} is on loopback (the sandbox's); production needs the real "
                                    "service (only APP_PROFILE=staging may use the sandbox)")
