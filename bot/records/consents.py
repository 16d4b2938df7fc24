"""Citizens' consents to partners, for the personal scopes (ledger:read).

    partner   request(scope, purpose, days)  → a consent in `requested`, and a one-time code
              (shown to the citizen in the partner's own app; kept here only as a keyed hash)
    citizen   in the Official Account or the mini-program: the code → what, to whom, how long
              → grant or refuse; "我的授权" lists what they granted, each revocable at once
    each call check(partner, consent_id, scope): granted, not past expires_at, not revoked

The partner names the citizen only by the consent's id; the consent names the citizen only by
keyed hashes: pseudonym("id_number", …) to list and audit, and the identity store's own hash to
find their binding at each call (an unbound citizen's consents cannot be used).
"""
from __future__ import annotations

import secrets
import string
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.core.clock import CLOCK
from bot.core.privacy import mask_text, pseudonym
from bot.records.db import Database
from bot.records.models import Consent, Partner
from bot.records.partners import SCOPES, PartnerView

DAY_S = 24 * 3600
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"     # no 0/O, 1/I: read aloud or typed from a screen
CODE_LENGTH = 8
MAX_PURPOSE = 200


class ConsentRefused(Exception):
    """A partner call that the consent does not allow: `code` for the machine, message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class ConsentProblem(ValueError):
    """A citizen's or a partner's consent step that cannot be taken; the message is safe to show."""


@dataclass(frozen=True)
class ConsentView:
    consent_id: str
    partner: str
    scope: str
    purpose: str
    days: int
    status: str              # requested | granted | refused | revoked | expired | lapsed (code unused in time)
    requested_at: float
    decided_at: float | None
    expires_at: float | None
    revoked_at: float | None
    decided_via: str | None
    revoked_via: str | None
    citizen_key: str | None
    identity_key: str | None
    code_expires_at: float

    @property
    def scope_label(self) -> str:
        return SCOPES[self.scope].label

    @property
    def live(self) -> bool:
        return self.status == "granted"

    def public(self) -> dict:
        """What either side is shown (never the citizen's keys)."""
        return {"consent_id": self.consent_id, "partner": self.partner, "scope": self.scope,
                "scope_label": self.scope_label, "purpose": self.purpose, "days": self.days, "status": self.status,
                "requested_at": self.requested_at, "decided_at": self.decided_at, "expires_at": self.expires_at,
                "revoked_at": self.revoked_at}


def _status(c: Consent, now: float) -> str:
    if c.status == "granted" and c.expires_at is not None and now >= c.expires_at:
        return "expired"
    if c.status == "requested" and now >= c.code_expires_at:
        return "lapsed"
    return c.status


def _view(c: Consent, partner: str, now: float) -> ConsentView:
    return ConsentView(c.consent_id, partner, c.scope, c.purpose, c.days, _status(c, now), c.requested_at,
                       c.decided_at, c.expires_at, c.revoked_at, c.decided_via, c.revoked_via, c.citizen_key,
                       c.identity_key, c.code_expires_at)


def normal_code(code: str) -> str:
    """A typed code as stored: full-width folded, upper case, spaces and dashes dropped; only the
    code's own letters and digits (a Chinese sentence of eight characters is no code)."""
    folded = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


class Consents:
    def __init__(self, db: Database, *, code_valid_s: int = 900, max_days: int = 365):
        self.db = db
        self.code_valid_s, self.max_days = code_valid_s, max_days

    # -- the partner's side -----------------------------------------------------------------
    def request(self, partner: PartnerView, scope: str, purpose: str, days: int) -> tuple[ConsentView, str]:
        """A consent request (the partner must hold the scope: checked by the caller) and its code."""
        if scope not in SCOPES or not SCOPES[scope].personal:
            raise ConsentProblem(f"scope: consent is asked only for a personal scope ({scope} needs none)")
        purpose = mask_text((purpose or "").strip())
        if not 2 <= len(purpose) <= MAX_PURPOSE:
            raise ConsentProblem(f"purpose: 2 to {MAX_PURPOSE} characters")
        if not 1 <= days <= self.max_days:
            raise ConsentProblem(f"days: 1 to {self.max_days}")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = CLOCK.time()
        with self.db.session() as s:
            c = Consent(consent_id="cs_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(20)),
                        partner_id=partner.id, scope=scope, purpose=purpose, days=days,
                        code_hash=pseudonym("consent_code", code), code_expires_at=now + self.code_valid_s,
                        status="requested", requested_at=now)
            s.add(c)
            s.flush()
            return _view(c, partner.name, now), code

    def of_partner(self, partner_id: int, consent_id: str) -> ConsentView | None:
        """One of the partner's consents (another partner's is None, like a missing one)."""
        with self.db.session() as s:
            row = s.execute(select(Consent, Partner.name).join(Partner, Partner.id == Consent.partner_id)
                            .where(Consent.consent_id == consent_id, Consent.partner_id == partner_id)).first()
            return _view(row[0], row[1], CLOCK.time()) if row else None

    def check(self, partner_id: int, consent_id: str, scope: str) -> ConsentView:
        """The consent that allows this call, or ConsentRefused saying why."""
        c = self.of_partner(partner_id, consent_id)
        if c is None:
            raise ConsentRefused("CONSENT_UNKNOWN", "no such consent of this partner")
        if c.scope != scope:
            raise ConsentRefused("CONSENT_SCOPE", f"this consent is for {c.scope}, not {scope}")
        if c.status != "granted":
            raise ConsentRefused(f"CONSENT_{c.status.upper()}", {
                "requested": "the citizen has not answered the request yet",
                "lapsed": "the citizen did not answer the request in time",
                "refused": "the citizen refused this request",
                "revoked": "the citizen revoked this consent",
                "expired": "this consent has expired"}[c.status])
        return c

    # -- the citizen's side -----------------------------------------------------------------
    def pending(self, code: str) -> ConsentView | None:
        """The request waiting for the citizen behind this code (None: unknown, used or too late)."""
        code = normal_code(code)
        if len(code) != CODE_LENGTH:
            return None
        with self.db.session() as s:
            row = s.execute(select(Consent, Partner.name).join(Partner, Partner.id == Consent.partner_id)
                            .where(Consent.code_hash == pseudonym("consent_code", code))).first()
            if row is None:
                return None
            view = _view(row[0], row[1], CLOCK.time())
            return view if view.status == "requested" else None

    def decide(self, code: str, grant: bool, *, citizen_key: str, identity_key: str, via: str) -> ConsentView:
        """The citizen's answer to a request. The code is used up either way."""
        code = normal_code(code)
        now = CLOCK.time()
        with self.db.session() as s:
            row = s.execute(select(Consent, Partner.name).join(Partner, Partner.id == Consent.partner_id)
                            .where(Consent.code_hash == pseudonym("consent_code", code))
                            .with_for_update()).first() if len(code) == CODE_LENGTH else None
            if row is None or _status(row[0], now) != "requested":
                raise ConsentProblem("授权码不正确或已过期，请在合作方的应用里重新发起授权。")
            c = row[0]
            values = {"status": "granted" if grant else "refused", "code_hash": None, "citizen_key": citizen_key,
                      "identity_key": identity_key, "decided_at": now, "decided_via": via}
            if grant:
                values["expires_at"] = now + c.days * DAY_S
            # Conditional: SQLite ignores FOR UPDATE, so two answers to one code could both pass the
            # check above; only the one whose UPDATE still finds the request takes it.
            done = s.execute(update(Consent).where(Consent.id == c.id, Consent.status == "requested",
                                                   Consent.code_hash == c.code_hash).values(**values)
                             .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise ConsentProblem("授权码不正确或已过期，请在合作方的应用里重新发起授权。")
            s.refresh(c)
            return _view(c, row[1], now)

    def of_citizen(self, citizen_key: str) -> list[ConsentView]:
        """The citizen's consents in force (granted, not expired, not revoked), newest first."""
        now = CLOCK.time()
        with self.db.session() as s:
            rows = s.execute(select(Consent, Partner.name).join(Partner, Partner.id == Consent.partner_id)
                             .where(Consent.citizen_key == citizen_key, Consent.status == "granted",
                                    Consent.expires_at > now)
                             .order_by(Consent.id.desc())).all()
            return [_view(c, name, now) for c, name in rows]

    def revoke(self, consent_id: str, citizen_key: str, via: str) -> ConsentView:
        """The citizen ends one of their consents, now. LookupError: not one of theirs in force."""
        now = CLOCK.time()
        with self.db.session() as s:
            row = s.execute(select(Consent, Partner.name).join(Partner, Partner.id == Consent.partner_id)
                            .where(Consent.consent_id == consent_id, Consent.citizen_key == citizen_key)
                            .with_for_update()).first()
            if row is None or _status(row[0], now) != "granted":
                raise LookupError(consent_id)
            c = row[0]
            done = s.execute(update(Consent).where(Consent.id == c.id, Consent.status == "granted")
                             .values(status="revoked", revoked_at=now, revoked_via=via)
                             .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise LookupError(consent_id)
            s.refresh(c)
            return _view(c, row[1], now)

    def end_all(self, citizen_key: str, via: str) -> int:
        """The citizen is no longer known to the service (unbound everywhere): every consent in force
        ends now, so that a later binding never revives one without being asked. How many ended."""
        now = CLOCK.time()
        with self.db.session() as s:
            return s.execute(update(Consent).where(Consent.citizen_key == citizen_key, Consent.status == "granted")
                             .values(status="revoked", revoked_at=now, revoked_via=via)
                             .execution_options(synchronize_session=False)).rowcount
