import pytest

from bot.core import privacy
from bot.core.privacy import pseudonym


@pytest.fixture
def key(monkeypatch):
    """Sets the pseudonym key as the runtime does, restored afterwards."""
    def set_key(value: bytes | None):
        monkeypatch.setattr(privacy, "_PSEUDONYM_KEY", value)
    return set_key


def test_one_citizen_one_pseudonym_whatever_the_spelling(key):
    key(b"a-test-key-of-sufficient-length")
    assert pseudonym("phone", "138 0013 8000") == pseudonym("phone", "13800138000")
    assert pseudonym("phone", "13800138000") != pseudonym("phone", "13800138001")
    # The kind is part of the hash: the same digits as another kind are another pseudonym.
    assert pseudonym("phone", "13800138000") != pseudonym("caller", "13800138000")
    assert "13800138000" not in pseudonym("phone", "13800138000")


def test_the_key_changes_every_pseudonym(key):
    key(b"first-key-0123456789")
    first = pseudonym("id_number", "11010519491231002X")
    key(b"second-key-0123456789")
    assert pseudonym("id_number", "11010519491231002X") != first


def test_a_script_reads_the_key_from_the_environment_and_production_requires_it(key, monkeypatch):
    key(None)    # nothing configured it: a script, not the runtime
    monkeypatch.setenv("HASH_PEPPER", "env-key-0123456789")
    from_env = pseudonym("phone", "13800138000")
    key(b"env-key-0123456789")
    assert pseudonym("phone", "13800138000") == from_env
    key(None)
    monkeypatch.delenv("HASH_PEPPER")
    monkeypatch.setenv("APP_PROFILE", "production")
    with pytest.raises(RuntimeError, match="HASH_PEPPER"):
        pseudonym("phone", "13800138000")
