"""The tables of the durable records (the migrations in migrations/versions create them)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    """An operator of the console. `department` is set for (and only for) the department role."""
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[float] = mapped_column(Float)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRecord(Base):
    """One read of a citizen's records in a backend. Append-only: see audit.py and the migration."""
    __tablename__ = "audit_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    backend: Mapped[str] = mapped_column(String(32))
    operation: Mapped[str] = mapped_column(String(64))
    citizen: Mapped[str] = mapped_column(String(64), index=True)   # pseudonym("id_number", …)
    actor: Mapped[str] = mapped_column(String(80), index=True)     # "bot" or "account:<name>"
    actor_role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    purpose: Mapped[str] = mapped_column(String(32))               # citizen_query, agent_view, department_order
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(32))


class KeptMessage(Base):
    """A message the bot did not understand (fallback) or that is out of its scope, masked."""
    __tablename__ = "kept_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))           # fallback | out_of_scope
    text: Mapped[str] = mapped_column(Text)                 # masked
    text_key: Mapped[str] = mapped_column(String(255), index=True)   # grouping key: same words, same key
    top_intents: Mapped[str] = mapped_column(Text)          # JSON [{"name", "confidence"}] × 3
    label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    labelled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RatingRecord(Base):
    """One 好差评 evaluation."""
    __tablename__ = "rating_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    intent: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")   # masked
    channel: Mapped[str] = mapped_column(String(32), default="")
    callback_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class HeardCall(Base):
    """What the hotline heard on one ingested call, for the office's hotline reports: no raw personal
    data (the caller only as a keyed hash). One row per call_id: a call ingested again is kept once."""
    __tablename__ = "heard_calls"
    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped["dt.date"] = mapped_column(Date, index=True)
    district: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    intent: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(32), nullable=True)
    place: Mapped[str | None] = mapped_column(String(64), nullable=True)
    caller_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    order_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    order_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kept_at: Mapped[float] = mapped_column(Float)


class CrosscheckFinding(Base):
    """One finding of a cross-department check, for its reviewing department: one row per rule,
    citizen (keyed hash) and period however often the check runs. The person is shown as the
    masked ID number and name; the raw ID number is never kept."""
    __tablename__ = "crosscheck_findings"
    __table_args__ = (UniqueConstraint("rule", "citizen_key", "period", name="uq_finding_rule_citizen_period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    citizen_key: Mapped[str] = mapped_column(String(64), index=True)   # pseudonym("id_number", …)
    period: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str] = mapped_column(String(64), index=True)      # the reviewing department
    masked_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(32), default="")
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)                        # JSON {department: {facts}}
    first_run: Mapped[int] = mapped_column(Integer)
    found_at: Mapped[float] = mapped_column(Float)
    last_seen_at: Mapped[float] = mapped_column(Float)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")    # open | confirmed | dismissed
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reviewed_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class CrosscheckRun(Base):
    """One run of the checks: when, started how, and its report (what was checked, what could not
    be, requests and time per source, findings new and seen)."""
    __tablename__ = "crosscheck_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[float] = mapped_column(Float, index=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    trigger: Mapped[str] = mapped_column(String(16))                   # command | schedule | test
    report: Mapped[str] = mapped_column(Text, default="{}")            # JSON


class Partner(Base):
    """A third party of the open platform (bot/records/partners.py): the scopes it may use and,
    when set, its own rate limit (else partner_api.limits.user of the settings)."""
    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(255))                   # space-separated
    rate_limit: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class PartnerKey(Base):
    """One API key of a partner, kept only as pseudonym("partner_key", key); `key_id` is the key's
    public part (shown in listings, named to revoke it)."""
    __tablename__ = "partner_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(Integer, index=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Consent(Base):
    """A citizen's consent to one partner for one personal scope: requested by the partner (its
    code kept only as a keyed hash), granted or refused by the citizen in a channel, revocable by
    them, ending at `expires_at`. The citizen as pseudonym("id_number", …) and as the identity
    store's own keyed hash (to find their binding at each call): never the ID number."""
    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent_id: Mapped[str] = mapped_column(String(32), unique=True)
    partner_id: Mapped[int] = mapped_column(Integer, index=True)
    scope: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(Text)
    days: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    code_expires_at: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="requested")   # requested|granted|refused|revoked
    requested_at: Mapped[float] = mapped_column(Float)
    citizen_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    identity_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    decided_via: Mapped[str | None] = mapped_column(String(32), nullable=True)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_via: Mapped[str | None] = mapped_column(String(32), nullable=True)
