"""The simulator's memory: tokens, windows, login codes, what it received, and its faults.

One process, one lock: the simulator is for tests and `make run`, not for speed.
"""
from __future__ import annotations

import base64
import os
import secrets
import threading
import time
from dataclasses import dataclass, field

TOKEN_LIFE_S = 7200
OLD_TOKEN_GRACE_S = 300          # a replaced cgi-bin/token token still works this long
MESSAGE_ALLOWANCE = (5, 48 * 3600)
SHORT_ALLOWANCE = (3, 60)


@dataclass
class Window:
    remaining: int
    until: float


@dataclass
class Faults:
    """What to get wrong. Set through POST /__sim/faults with the same field names."""
    invalid_token: bool = False                   # every token-authenticated call: 40001
    delay_s: float = 0.0                          # answer this much later ...
    delay_kinds: list[str] = field(default_factory=list)   # ... for these kinds (empty: all)
    errors: dict[str, dict] = field(default_factory=dict)  # kind -> {"errcode": n, "times": k|None}
    http_status: dict[str, dict] = field(default_factory=dict)  # kind -> {"status": 503, "times": k|None}
    strict_window: bool = False                   # unknown openids get 45015 (default: a fresh window)
    token_expires_in: int = TOKEN_LIFE_S

    @classmethod
    def from_json(cls, doc: dict) -> "Faults":
        known = set(cls.__dataclass_fields__)
        unknown = set(doc) - known
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        return cls(**doc)


class SimState:
    def __init__(self, app_id: str | None = None, secret: str | None = None):
        self.app_id = app_id or os.environ.get("WECHAT_APP_ID") or "wx0123456789abcdef"
        self.secret = secret or os.environ.get("WECHAT_APP_SECRET") or "sandbox-secret"
        # The mini-program is an account of its own: its AppID, secret and access tokens.
        self.mp_app_id = os.environ.get("WECHAT_MP_APP_ID") or "wx0fedcba987654321"
        self.mp_secret = os.environ.get("WECHAT_MP_APP_SECRET") or "sandbox-mp-secret"
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.faults = Faults()
            self.received: list[dict] = []
            self.counts: dict[str, int] = {}
            self.cgi_token: tuple[str, float] | None = None        # (token, expires_at)
            self.old_cgi_tokens: dict[str, float] = {}              # token -> usable until
            self.stable_token: tuple[str, float] | None = None
            self.mp_token: tuple[str, float] | None = None          # the mini-program's stable token
            self.windows: dict[str, Window] = {}
            self.used_codes: set[str] = set()
            self.menu: dict | None = None
            self.next_msgid = 1000

    # -- recording ------------------------------------------------------------------------
    def record(self, kind: str, query: dict, body) -> dict:
        safe_query = {k: ("***" if k in ("secret", "access_token", "js_code") else v) for k, v in query.items()}
        if isinstance(body, dict) and "secret" in body:
            body = {**body, "secret": "***"}
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            entry = {"kind": kind, "at": time.time(), "query": safe_query, "body": body}
            self.received.append(entry)
        return entry

    def take_fault(self, table: dict, kind: str) -> dict | None:
        """The fault set for `kind`, counting down its `times` (None: for ever)."""
        with self.lock:
            fault = table.get(kind)
            if not fault:
                return None
            times = fault.get("times")
            if times is not None:
                if times <= 0:
                    return None
                fault["times"] = times - 1
            return fault

    # -- tokens -----------------------------------------------------------------------------
    def issue_cgi_token(self) -> tuple[str, int]:
        with self.lock:
            now = time.time()
            if self.cgi_token:
                self.old_cgi_tokens[self.cgi_token[0]] = now + OLD_TOKEN_GRACE_S
            life = self.faults.token_expires_in
            self.cgi_token = (_new_token("cgi"), now + life)
            return self.cgi_token[0], life

    def issue_stable_token(self, force: bool) -> tuple[str, int]:
        with self.lock:
            now = time.time()
            if force or not self.stable_token or self.stable_token[1] <= now:
                self.stable_token = (_new_token("stable"), now + self.faults.token_expires_in)
            return self.stable_token[0], int(self.stable_token[1] - now)

    def secret_of(self, app_id: str | None) -> str | None:
        return {self.app_id: self.secret, self.mp_app_id: self.mp_secret}.get(app_id or "")

    def issue_mp_token(self, force: bool) -> tuple[str, int]:
        with self.lock:
            now = time.time()
            if force or not self.mp_token or self.mp_token[1] <= now:
                self.mp_token = (_new_token("mp"), now + self.faults.token_expires_in)
            return self.mp_token[0], int(self.mp_token[1] - now)

    def mp_token_valid(self, token: str | None) -> bool:
        """A token of the mini-program's account (its own APIs refuse the Official Account's)."""
        with self.lock:
            return bool(token and self.mp_token and self.mp_token[0] == token and self.mp_token[1] > time.time()
                        and not self.faults.invalid_token)

    def token_valid(self, token: str | None) -> bool:
        if self.mp_token_valid(token):
            return True
        if not token or self.faults.invalid_token:
            return False
        now = time.time()
        with self.lock:
            for current in (self.cgi_token, self.stable_token):
                if current and current[0] == token and current[1] > now:
                    return True
            return self.old_cgi_tokens.get(token, 0) > now

    # -- customer-service windows ---------------------------------------------------------------
    def interaction(self, openid: str, action: str) -> None:
        count, ttl = MESSAGE_ALLOWANCE if action == "message" else SHORT_ALLOWANCE
        with self.lock:
            self.windows[openid] = Window(count, time.time() + ttl)

    def take_window(self, openid: str) -> int:
        """0 when a customer-service message may go out, else WeChat's errcode."""
        now = time.time()
        with self.lock:
            window = self.windows.get(openid)
            if window is None:
                if self.faults.strict_window:
                    return 45015
                window = self.windows[openid] = Window(MESSAGE_ALLOWANCE[0], now + MESSAGE_ALLOWANCE[1])
            if window.until <= now:
                return 45015
            if window.remaining <= 0:
                return 45047
            window.remaining -= 1
            return 0

    # -- mini-program login ---------------------------------------------------------------------
    def use_code(self, code: str) -> str | None:
        """The openid for a `sandbox:<openid>` code seen for the first time, else None. A suffix
        `/<anything>` makes another code of the same user (a user who logs in again)."""
        prefix = "sandbox:"
        openid = code[len(prefix):].split("/", 1)[0] if code.startswith(prefix) else ""
        if not openid or not all(c.isalnum() or c in "_-" for c in openid) or len(openid) > 64:
            return None
        with self.lock:
            if code in self.used_codes:
                return None
            self.used_codes.add(code)
            return openid

    def new_msgid(self) -> int:
        with self.lock:
            self.next_msgid += 1
            return self.next_msgid


def _new_token(kind: str) -> str:
    return f"SIM_{kind}_" + secrets.token_urlsafe(96)       # WeChat's are long; reserve 512 chars


def new_session_key() -> str:
    return base64.b64encode(secrets.token_bytes(16)).decode()
