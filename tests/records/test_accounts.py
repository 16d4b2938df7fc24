"""Operators' accounts, against SQLite and PostgreSQL."""
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from bot.records.accounts import LOCK_S, MAX_FAILURES, AccountBook, LoginRefused
from bot.core.clock import CITY_TZ
from tests.fixtures.clock import at


def test_a_one_time_password_logs_in_once_and_must_be_changed(records_db):
    book = AccountBook(records_db)
    otp = book.create("wang.li", "office")
    who = book.login("wang.li", otp)
    assert (who.name, who.role, who.department, who.must_change_password) == ("wang.li", "office", None, True)
    with pytest.raises(LoginRefused, match="至少"):
        book.change_password("wang.li", otp, "short")
    changed = book.change_password("wang.li", otp, "a-new-long-password")
    assert changed.must_change_password is False
    with pytest.raises(LoginRefused):
        book.login("wang.li", otp)
    assert book.login("wang.li", "a-new-long-password").must_change_password is False


def test_passwords_are_kept_as_argon2_hashes(records_db):
    otp = AccountBook(records_db).create("hash.check", "agent")
    with records_db.engine.connect() as c:
        stored = c.execute(sa.text("SELECT password_hash FROM accounts WHERE name = 'hash.check'")).scalar()
    assert stored.startswith("$argon2id$") and otp not in stored


def test_roles_and_departments_are_checked(records_db):
    book = AccountBook(records_db)
    with pytest.raises(ValueError, match="ROLE"):
        book.create("x", "superuser")
    with pytest.raises(ValueError, match="DEPT"):
        book.create("x", "department")
    with pytest.raises(ValueError, match="DEPT"):
        book.create("x", "agent", "教育局")
    book.create("edu", "department", "教育局")
    assert book.get("edu").department == "教育局"
    with pytest.raises(ValueError, match="exists"):
        book.create("edu", "agent")
    with pytest.raises(ValueError, match="unknown department.*crj"):
        book.create("x", "department", "社保")


def test_a_department_given_by_its_code_is_kept_by_the_name_its_records_carry(records_db):
    book = AccountBook(records_db)
    book.create("crj1", "department", " CRJ ")
    book.create("rsj1", "department", "rsj")
    assert (book.get("crj1").department, book.get("rsj1").department) == ("公安出入境管理局", "人力资源和社会保障局")


def test_repeated_failures_lock_the_account_even_against_the_right_password(records_db, travel):
    travel(at("2026-11-20T10:00"))
    book = AccountBook(records_db)
    otp = book.create("target", "admin")
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            book.login("target", "guess")
    with pytest.raises(LoginRefused, match="锁定"):
        book.login("target", otp)
    travel(at("2026-11-20T10:14"))
    with pytest.raises(LoginRefused, match="锁定"):
        book.login("target", otp)
    travel(dt.datetime.fromtimestamp(at("2026-11-20T10:00").timestamp() + LOCK_S + 60, CITY_TZ))
    assert book.login("target", otp).name == "target"


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(records_db):
    book = AccountBook(records_db)
    book.create("known", "agent")
    with pytest.raises(LoginRefused) as unknown:
        book.login("nobody", "whatever")
    with pytest.raises(LoginRefused) as wrong:
        book.login("known", "whatever")
    assert str(unknown.value) == str(wrong.value)


def test_parallel_wrong_passwords_are_all_counted_and_lock_the_account(records_db):
    book = AccountBook(records_db)
    otp = book.create("raced", "admin")
    answers = []

    def guess():
        try:
            book.login("raced", "guess")
        except LoginRefused as e:
            answers.append(str(e))

    threads = [threading.Thread(target=guess) for _ in range(4 * MAX_FAILURES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4 * MAX_FAILURES
    assert any("锁定" in a for a in answers)
    with pytest.raises(LoginRefused, match="锁定"):
        book.login("raced", otp)
