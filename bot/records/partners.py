"""The open platform's partners: who they are, the scopes each may use, and their API keys.

A key is shown once, when it is made, and kept only as pseudonym("partner_key", key) (the
project's keyed hash under HASH_PEPPER): a copy of the database holds no usable key. A key is
`pk_<key_id>_<secret>`; `key_id` names it in listings and to revoke it. A partner may hold
several keys at once, so that one can be rotated without a moment with none.

    book = PartnerBook(db)
    book.register("hospital", ["catalogue:read", "ledger:read"])    # → (partner, key shown once)
    book.authenticate(key)                                         # → PartnerView or None
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from limits import parse as parse_limit
from sqlalchemy import select

from bot.core.clock import CLOCK
from bot.core.privacy import pseudonym
from bot.records.db import Database
from bot.records.models import Partner, PartnerKey


@dataclass(frozen=True)
class Scope:
    name: str
    personal: bool          # needs the citizen's consent
    label: str              # what it reads, in the citizen's words


SCOPES = {s.name: s for s in (
    Scope("catalogue:read", False, "办事指南（事项、材料、主题、人生大事）"),
    Scope("status:read", False, "12345工单的办理进度（凭工单号）"),
    Scope("ledger:read", True, "您在各部门的办事记录（我的办事台账）"),
)}
PERSONAL_SCOPES = tuple(n for n, s in SCOPES.items() if s.personal)
NAME = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{1,63}")
_KEY = re.compile(r"pk_([a-z0-9]{8})_[A-Za-z0-9_\-]{32,64}")


class PartnerRefused(ValueError):
    """A registry change that cannot be made; the message says why."""


@dataclass(frozen=True)
class PartnerView:
    id: int
    name: str
    scopes: tuple[str, ...]
    rate_limit: str | None
    disabled: bool

    def may(self, scope: str) -> bool:
        return scope in self.scopes


def _view(p: Partner) -> PartnerView:
    return PartnerView(p.id, p.name, tuple(p.scopes.split()), p.rate_limit, p.disabled)


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise PartnerRefused(f"scopes must be some of {', '.join(SCOPES)} (not {', '.join(unknown) or 'none'})")
    return sorted(set(scopes))


def check_limit(value: str | None) -> str | None:
    if value:
        try:
            parse_limit(value)
        except ValueError:
            raise PartnerRefused(f"{value!r} is not a limit such as 120/minute") from None
    return value or None


class PartnerBook:
    def __init__(self, db: Database):
        self.db = db

    # -- the registry -----------------------------------------------------------------------
    def register(self, name: str, scopes: list[str], rate_limit: str | None = None) -> tuple[PartnerView, str]:
        """A new partner and its first key (shown only now)."""
        if not NAME.fullmatch(name or ""):
            raise PartnerRefused("a partner's name: 2-64 letters, digits, Chinese characters or _.-")
        scopes, rate_limit = check_scopes(scopes), check_limit(rate_limit)
        with self.db.session() as s:
            if s.scalar(select(Partner).where(Partner.name == name)) is not None:
                raise PartnerRefused(f"a partner named {name} exists")
            p = Partner(name=name, scopes=" ".join(scopes), rate_limit=rate_limit, created_at=CLOCK.time(),
                        disabled=False)
            s.add(p)
            s.flush()
            view = _view(p)
        return view, self.new_key(name)

    def get(self, name: str) -> PartnerView | None:
        with self.db.session() as s:
            p = s.scalar(select(Partner).where(Partner.name == name))
            return _view(p) if p is not None else None

    def by_id(self, partner_id: int) -> PartnerView | None:
        with self.db.session() as s:
            p = s.get(Partner, partner_id)
            return _view(p) if p is not None else None

    def all(self) -> list[PartnerView]:
        with self.db.session() as s:
            return [_view(p) for p in s.scalars(select(Partner).order_by(Partner.name))]

    def change(self, name: str, *, scopes: list[str] | None = None, rate_limit: str | None = None,
               disabled: bool | None = None) -> PartnerView:
        with self.db.session() as s:
            p = self._partner(s, name)
            if scopes is not None:
                p.scopes = " ".join(check_scopes(scopes))
            if rate_limit is not None:
                p.rate_limit = check_limit(rate_limit)
            if disabled is not None:
                p.disabled = disabled
            return _view(p)

    # -- keys -------------------------------------------------------------------------------
    def new_key(self, name: str, *, revoke_others: bool = False) -> str:
        """A new key of the partner (shown only now); `revoke_others`: a rotation, the old ones end."""
        key_id = secrets.token_hex(4)
        key = f"pk_{key_id}_{secrets.token_urlsafe(32)}"
        now = CLOCK.time()
        with self.db.session() as s:
            p = self._partner(s, name)
            if revoke_others:
                for old in s.scalars(select(PartnerKey).where(PartnerKey.partner_id == p.id,
                                                              PartnerKey.revoked_at.is_(None))):
                    old.revoked_at = now
            s.add(PartnerKey(partner_id=p.id, key_id=key_id, key_hash=pseudonym("partner_key", key), created_at=now))
        return key

    def revoke_key(self, key_id: str) -> str:
        """Revoke one key by its id; answers the partner's name."""
        with self.db.session() as s:
            k = s.scalar(select(PartnerKey).where(PartnerKey.key_id == key_id))
            if k is None:
                raise PartnerRefused(f"no key {key_id}")
            if k.revoked_at is None:
                k.revoked_at = CLOCK.time()
            return s.get(Partner, k.partner_id).name

    def keys(self, name: str) -> list[dict]:
        with self.db.session() as s:
            p = self._partner(s, name)
            return [{"key_id": k.key_id, "created_at": k.created_at, "revoked_at": k.revoked_at}
                    for k in s.scalars(select(PartnerKey).where(PartnerKey.partner_id == p.id).order_by(PartnerKey.id))]

    def authenticate(self, key: str) -> PartnerView | None:
        """The partner whose live key this is; None for an unknown, revoked or malformed key, or a
        disabled partner."""
        if not _KEY.fullmatch(key or ""):
            return None
        with self.db.session() as s:
            k = s.scalar(select(PartnerKey).where(PartnerKey.key_hash == pseudonym("partner_key", key)))
            if k is None or k.revoked_at is not None:
                return None
            p = s.get(Partner, k.partner_id)
            return _view(p) if p is not None and not p.disabled else None

    @staticmethod
    def _partner(s, name: str) -> Partner:
        p = s.scalar(select(Partner).where(Partner.name == name))
        if p is None:
            raise PartnerRefused(f"no partner named {name}")
        return p
