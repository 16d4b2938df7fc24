"""`make user`: the account is made in DATABASE_URL's database and its one-time password works once."""
import pytest

from bot.records import AccountBook, Database
from scripts import make_user


def test_make_user_prints_a_one_time_password_that_must_be_changed(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert make_user.main(["--name", "edu1", "--role", "department", "--dept", "教育局"]) == 0
    out = capsys.readouterr().out
    password = out.split("one-time password: ")[1].split()[0]
    who = AccountBook(Database(url)).login("edu1", password)
    assert (who.role, who.department, who.must_change_password) == ("department", "教育局", True)


def test_make_user_refuses_a_department_account_without_its_department(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.sqlite3'}")
    assert make_user.main(["--name", "x", "--role", "department"]) == 2
    assert "DEPT" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        make_user.main(["--name", "x", "--role", "root"])


def test_make_user_takes_the_spec_department_code(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert make_user.main(["--name", "env1", "--role", "department", "--dept", "sthj"]) == 0
    assert AccountBook(Database(url)).get("env1").department == "生态环境局"
    assert make_user.main(["--name", "x", "--role", "department", "--dept", "环保"]) == 2
    assert "unknown department" in capsys.readouterr().err
