"""`make partner` / `partner-key` / `partner-revoke`: partners made in DATABASE_URL's database, each
key printed once and working until rotated out or revoked."""
from bot.records import Database, PartnerBook
from scripts import partner


def key_of(out: str) -> str:
    return out.split("key: ")[1].split()[0]


def test_register_rotate_and_revoke(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert partner.main(["add", "hospital", "--scopes", "catalogue:read,ledger:read", "--limit", "60/minute"]) == 0
    first = key_of(capsys.readouterr().out)
    book = PartnerBook(Database(url))
    assert book.authenticate(first).scopes == ("catalogue:read", "ledger:read")
    assert partner.main(["key", "hospital", "--rotate"]) == 0
    second = key_of(capsys.readouterr().out)
    assert book.authenticate(first) is None and book.authenticate(second).rate_limit == "60/minute"
    assert partner.main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "hospital" in listed and second.split("_")[1] in listed and second not in listed   # ids only
    assert partner.main(["revoke-key", second.split("_")[1]]) == 0
    assert book.authenticate(second) is None


def test_refusals_say_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.sqlite3'}")
    assert partner.main(["add", "bus-app", "--scopes", "everything"]) == 2
    assert "scopes" in capsys.readouterr().err
    assert partner.main(["key", "nobody"]) == 2
    assert "no partner" in capsys.readouterr().err
    assert partner.main(["revoke-key", "00000000"]) == 2
