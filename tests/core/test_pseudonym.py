import pytest

from bot.core.privacy import pseudonym


def test_one_citizen_one_pseudonym_whatever_the_spelling(monkeypatch):
    monkeypatch.setenv("PSEUDONYM_KEY", "a-test-key-of-sufficient-length")
    assert pseudonym("phone", "138 0013 8000") == pseudonym("phone", "13800138000")
    assert pseudonym("phone", "13800138000") != pseudonym("phone", "13800138001")
    # The kind is part of the hash: the same digits as another kind are another pseudonym.
    assert pseudonym("phone", "13800138000") != pseudonym("caller", "13800138000")
    assert "13800138000" not in pseudonym("phone", "13800138000")


def test_the_key_changes_every_pseudonym(monkeypatch):
    monkeypatch.setenv("PSEUDONYM_KEY", "first-key-0123456789")
    first = pseudonym("id_number", "11010519491231002X")
    monkeypatch.setenv("PSEUDONYM_KEY", "second-key-0123456789")
    assert pseudonym("id_number", "11010519491231002X") != first


def test_production_refuses_the_development_key(monkeypatch):
    monkeypatch.setenv("APP_PROFILE", "production")
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    with pytest.raises(RuntimeError, match="PSEUDONYM_KEY"):
        pseudonym("phone", "13800138000")
    monkeypatch.setenv("PSEUDONYM_KEY", "a-real-production-key-0123")
    assert len(pseudonym("phone", "13800138000")) == 32
