"""The tables of the durable records (the migrations in migrations/versions create them)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, Integer, String, Text
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
