"""Operators' accounts: argon2 password hashes, lock-out after repeated failures, and a one-time
password that must be changed at the first login.

Roles: agent (handoff desk, call-backs), department (one department's work orders and ratings),
office (the 12345 office: every work order, triage, hotline reports), admin (accounts, audit).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from bot.city.departments import department_name
from bot.core.clock import CLOCK
from bot.records.db import Database
from bot.records.models import Account

ROLES = ("agent", "department", "office", "admin")
MAX_FAILURES = 5          # wrong passwords in a row before the account is locked
LOCK_S = 15 * 60          # for this long
MIN_PASSWORD = 10

_hasher = PasswordHasher()   # argon2id with the library's current recommended parameters


class LoginRefused(Exception):
    """Why a login or a password change was refused; the message is safe to show."""


@dataclass(frozen=True)
class Operator:
    """What a console request knows of the person behind it."""
    name: str
    role: str
    department: str | None
    must_change_password: bool

    @property
    def actor(self) -> str:
        return f"account:{self.name}"


def _operator(a: Account) -> Operator:
    return Operator(a.name, a.role, a.department, a.must_change_password)


class AccountBook:
    def __init__(self, db: Database):
        self.db = db

    def create(self, name: str, role: str, department: str | None = None) -> str:
        """Make an account; answers its one-time password (shown once, changed at first login)."""
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise ValueError("NAME: 1-64 characters")
        if role not in ROLES:
            raise ValueError(f"ROLE must be one of {', '.join(ROLES)}")
        if role == "department" and not (department or "").strip():
            raise ValueError("a department account needs DEPT=<department>")
        if role != "department" and department:
            raise ValueError("only a department account has a DEPT")
        if department:
            department = department_name(department)      # the code or the full name -> full name
        password = secrets.token_urlsafe(12)
        with self.db.session() as s:
            if s.scalar(select(Account).where(Account.name == name)) is not None:
                raise ValueError(f"an account named {name!r} exists")
            s.add(Account(name=name, role=role, department=department or None,
                          password_hash=_hasher.hash(password), must_change_password=True, failed_logins=0,
                          locked_until=0.0, created_at=CLOCK.time(), disabled=False))
        return password

    def get(self, name: str) -> Operator | None:
        with self.db.session() as s:
            a = s.scalar(select(Account).where(Account.name == name))
            return _operator(a) if a is not None and not a.disabled else None

    def all(self) -> list[Operator]:
        with self.db.session() as s:
            return [_operator(a) for a in s.scalars(select(Account).order_by(Account.name))]

    def login(self, name: str, password: str) -> Operator:
        """The operator, or LoginRefused. A locked account is refused even with the right password;
        the message never says whether the name exists."""
        now = CLOCK.time()
        name = (name or "").strip()
        locked = "登录失败次数过多，账号已锁定，请稍后再试"
        wrong = "用户名或密码错误"
        live = (Account.name == name, Account.disabled.is_(False), Account.locked_until <= now)
        # The attempt is counted before the password is checked, in one UPDATE, so that parallel
        # wrong guesses cannot overwrite each other's count (a read-modify-write lost them).
        with self.db.session() as s:
            counted = s.execute(update(Account).where(*live)
                                .values(failed_logins=Account.failed_logins + 1)).rowcount
            a = s.scalar(select(Account).where(Account.name == name))
            hashed, failures = (a.password_hash, a.failed_logins) if a is not None else (None, 0)
            is_locked = a is not None and not a.disabled and a.locked_until > now
        if not counted:
            if not is_locked:
                _hasher.hash(password or "x")   # the same work either way: no timing hint
            raise LoginRefused(locked if is_locked else wrong)
        if not _verify(hashed, password or ""):
            if failures >= MAX_FAILURES:
                with self.db.session() as s:
                    s.execute(update(Account).where(Account.name == name)
                              .values(locked_until=now + LOCK_S, failed_logins=0))
                raise LoginRefused(locked)
            raise LoginRefused(wrong)
        with self.db.session() as s:
            a = s.scalar(select(Account).where(Account.name == name))
            a.failed_logins = 0
            if _hasher.check_needs_rehash(a.password_hash):
                a.password_hash = _hasher.hash(password)
            return _operator(a)

    def change_password(self, name: str, old: str, new: str) -> Operator:
        if len(new or "") < MIN_PASSWORD:
            raise LoginRefused(f"新密码至少 {MIN_PASSWORD} 个字符")
        if new == old:
            raise LoginRefused("新密码不能与原密码相同")
        self.login(name, old)   # counts towards the lock-out like any wrong password
        with self.db.session() as s:
            a = s.scalar(select(Account).where(Account.name == name))
            a.password_hash = _hasher.hash(new)
            a.must_change_password = False
            return _operator(a)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
