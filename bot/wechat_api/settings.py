"""The `wechat:` settings, checked once at start-up (a wrong one raises ConfigError naming it).

They are the Official Account's: its credentials and API (this package's client), its custom
menu (menu.py), and how its webhook answers (bot.channels.wechat_oa). Read once by
`build_client()`, so the web app, the worker and the menu command refuse to start on the same
mistakes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.config import Section
from bot.core.errors import ConfigError

MODES = ("plaintext", "compatible", "safe")
TURN_MODES = ("inline", "queue")


@dataclass(frozen=True)
class JobSettings:
    stream: str               # Redis stream name (under the key prefix)
    max_tries: int            # a job failing this many times goes to the dead-letter stream
    backoff_s: tuple[float, ...]  # wait before try 2, 3, ... (the last value repeats)
    visibility_s: int         # a job unacknowledged this long is taken over by another worker
    max_len: int              # cap of the stream and of the dead letters (XADD MAXLEN ~)
    dead_ttl_s: int           # how long a dead letter is kept


@dataclass(frozen=True)
class WeChatSettings:
    token: str
    app_id: str
    app_secret: str
    aes_key: str | None
    message_mode: str         # what the Official Account is set to on mp.weixin.qq.com
    api_base_url: str
    api_connect_timeout_s: float
    api_read_timeout_s: float
    reply_budget_s: float
    timestamp_window_s: int
    dedup_ttl_s: int
    turn_mode: str
    inline_threads: int
    max_inline_turns: int     # turns running in a web process beyond which new ones are queued at once
    reply_after_timestamp_s: float  # the passive reply leaves at most this long after WeChat's timestamp
    min_turn_s: float         # less of the budget left than this: the turn goes straight to the queue
    max_backlog: int          # queued turns beyond which a new push is asked to try again later
    continuation_ttl_s: int
    parked_ttl_s: int
    rescue_after_s: int       # a deferred turn with no answer this long after it began is re-run by a worker
    menu: tuple[dict, ...]
    jobs: JobSettings

    @property
    def accepts_plaintext(self) -> bool:
        return self.message_mode in ("plaintext", "compatible")

    @property
    def accepts_encrypted(self) -> bool:
        return self.message_mode in ("compatible", "safe")


@dataclass(frozen=True)
class MiniProgramSettings:
    """The mini-program's own account: its AppID and secret (never the Official Account's), and
    whether its citizens' complaint texts go through msgSecCheck before they are filed."""
    app_id: str
    app_secret: str
    content_check: bool


def load_mp_settings(sec: Section, oa: WeChatSettings) -> MiniProgramSettings:
    app_id = sec.str("app_id", pattern=r"wx[0-9a-f]{16}")
    if app_id == oa.app_id:
        raise ConfigError("miniprogram.app_id", "must be the mini-program's own AppID, not the Official Account's")
    return MiniProgramSettings(app_id=app_id, app_secret=sec.str("app_secret"),
                               content_check=sec.bool("content_check"))


def load_wechat_settings(sec: Section, *, production: bool) -> WeChatSettings:
    mode = sec.str("message_mode", choices=MODES)
    if production and mode != "safe":
        # Plaintext mode does not authenticate the body (see docs/wechat.md).
        raise ConfigError("wechat.message_mode", "must be 'safe' in production")
    aes_key = sec.str("aes_key", None if mode == "plaintext" else ..., pattern=r"[A-Za-z0-9]{43}")
    jobs = sec.section("jobs")
    backoff = jobs.raw().get("backoff_s")
    if not isinstance(backoff, list) or not backoff or not all(
            isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b <= 3600 for b in backoff):
        raise ConfigError("wechat.jobs.backoff_s", "must be a non-empty list of seconds (0..3600)")
    budget = sec.num("reply_budget_s", lo=0.2, hi=4.5)
    window = sec.int("timestamp_window_s", lo=30, hi=3600)
    # A push dated up to `window` ahead passes the freshness check until 2 x window after it
    # came: its turn record must outlive that, or an exact replay would run the turn again.
    dedup_ttl = sec.int("dedup_ttl_s", lo=60, hi=86400)
    if dedup_ttl < 2 * window:
        raise ConfigError("wechat.dedup_ttl_s", f"must be at least twice timestamp_window_s ({2 * window} s)")
    return WeChatSettings(
        token=sec.str("token", pattern=r"[A-Za-z0-9-]{3,32}"),
        app_id=sec.str("app_id", pattern=r"wx[0-9a-f]{16}"),
        app_secret=sec.str("app_secret"),
        aes_key=aes_key or None,
        message_mode=mode,
        api_base_url=sec.url("api_base_url"),
        api_connect_timeout_s=sec.num("api_connect_timeout_s", lo=0.1, hi=10),
        api_read_timeout_s=sec.num("api_read_timeout_s", lo=0.1, hi=30),
        reply_budget_s=budget,
        timestamp_window_s=window,
        dedup_ttl_s=dedup_ttl,
        turn_mode=sec.str("turn_mode", choices=TURN_MODES),
        inline_threads=sec.int("inline_threads", lo=1, hi=256),
        max_inline_turns=sec.int("max_inline_turns", lo=1, hi=256),
        reply_after_timestamp_s=sec.num("reply_after_timestamp_s", lo=0.5, hi=4.8),
        # never more than half the budget (a short budget of tests or trials still runs turns)
        min_turn_s=min(sec.num("min_turn_s", lo=0, hi=4.5), budget / 2),
        max_backlog=sec.int("max_backlog", lo=1),
        continuation_ttl_s=sec.int("continuation_ttl_s", lo=60),
        parked_ttl_s=sec.int("parked_ttl_s", lo=60),
        rescue_after_s=sec.int("rescue_after_s", lo=1, hi=3600),
        menu=_menu(sec),
        jobs=JobSettings(
            stream=jobs.str("stream", pattern=r"[a-z0-9_.-]{1,40}"),
            max_tries=jobs.int("max_tries", lo=1, hi=50),
            backoff_s=tuple(float(b) for b in backoff),
            visibility_s=jobs.int("visibility_s", lo=5, hi=3600),
            max_len=jobs.int("max_len", lo=1000),
            dead_ttl_s=jobs.int("dead_ttl_s", lo=3600),
        ),
    )


# WeChat's limits for the custom menu (bytes of UTF-8).
MAX_TOP_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_TOP_NAME_BYTES, MAX_SUB_NAME_BYTES = 16, 60
BUTTON_TYPES = ("click", "view")


def _menu(sec: Section) -> tuple[dict, ...]:
    """`wechat.menu`: a list of top-level buttons, each a button or a group with `sub_button`."""
    raw = sec.raw().get("menu")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TOP_BUTTONS:
        raise ConfigError("wechat.menu", f"must be a list of 1..{MAX_TOP_BUTTONS} buttons")
    out = []
    for i, top in enumerate(raw):
        path = f"wechat.menu[{i}]"
        if not isinstance(top, dict):
            raise ConfigError(path, "must be a mapping")
        name = _name(top, path, MAX_TOP_NAME_BYTES)
        if "sub_button" in top:
            subs = top["sub_button"]
            if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
                raise ConfigError(f"{path}.sub_button", f"must be a list of 1..{MAX_SUB_BUTTONS} buttons")
            out.append({"name": name, "sub_button": [_leaf(b, f"{path}.sub_button[{j}]", MAX_SUB_NAME_BYTES)
                                                     for j, b in enumerate(subs)]})
        else:
            out.append(_leaf(top, path, MAX_TOP_NAME_BYTES))
    keys = [b["key"] for b in _leaves(out) if b["type"] == "click"]
    if len(keys) != len(set(keys)):
        raise ConfigError("wechat.menu", "CLICK keys must be unique (each names one intent)")
    return tuple(out)


def _leaves(menu) -> list[dict]:
    return [b for top in menu for b in (top.get("sub_button") or [top])]


def _name(button: dict, path: str, limit: int) -> str:
    name = button.get("name")
    if not isinstance(name, str) or not name or len(name.encode()) > limit:
        raise ConfigError(f"{path}.name", f"must be a non-empty string of at most {limit} bytes")
    return name


def _leaf(button, path: str, name_limit: int) -> dict:
    if not isinstance(button, dict):
        raise ConfigError(path, "must be a mapping")
    name = _name(button, path, name_limit)
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise ConfigError(f"{path}.type", f"must be one of {', '.join(BUTTON_TYPES)}")
    if kind == "click":
        key = button.get("key")
        # A CLICK key is an intent name (docs/contracts.md): it becomes Incoming.intent.
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z_]{0,63}", key):
            raise ConfigError(f"{path}.key", "must be an intent name (lower-case letters and _)")
        return {"type": "click", "name": name, "key": key}
    url = button.get("url")
    if not isinstance(url, str) or not url.startswith("https://") or len(url.encode()) > 1024:
        raise ConfigError(f"{path}.url", "must be an https:// URL of at most 1024 bytes")
    return {"type": "view", "name": name, "url": url}
