"""The partners' registry, their keys and citizens' consents as records (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from bot.core.clock import CLOCK
from bot.records import ConsentProblem, ConsentRefused, Consents, PartnerBook, PartnerRefused


@pytest.fixture
def book(records_db):
    return PartnerBook(records_db)


def test_register_keys_and_refusals(book):
    partner, key = book.register("医院挂号", ["ledger:read", "catalogue:read", "ledger:read"], "30/minute")
    assert partner.scopes == ("catalogue:read", "ledger:read") and partner.rate_limit == "30/minute"
    assert book.authenticate(key).name == "医院挂号"
    assert book.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    for name, scopes, limit in (("医院挂号", ["catalogue:read"], None), ("x", ["catalogue:read"], None),
                                ("ok-name", ["everything"], None), ("ok-name", [], None),
                                ("ok-name", ["catalogue:read"], "lots")):
        with pytest.raises(PartnerRefused):
            book.register(name, scopes, limit)
    with pytest.raises(PartnerRefused):
        book.revoke_key("nokey000")


def test_rotation_keeps_one_key_live(book):
    _, first = book.register("rotator", ["catalogue:read"])
    second = book.new_key("rotator")
    assert book.authenticate(first) and book.authenticate(second)
    third = book.new_key("rotator", revoke_others=True)
    assert book.authenticate(first) is None and book.authenticate(second) is None
    assert book.authenticate(third).name == "rotator"
    assert [k["revoked_at"] is None for k in book.keys("rotator")] == [False, False, True]


def test_a_consent_from_request_to_revocation(records_db, book):
    consents = Consents(records_db, code_valid_s=600, max_days=90)
    partner, _ = book.register("clinic", ["ledger:read"])
    with pytest.raises(ConsentProblem):
        consents.request(partner, "ledger:read", "核对", 91)
    asked, code = consents.request(partner, "ledger:read", "核对就诊记录", 30)
    with pytest.raises(ConsentRefused) as refused:
        consents.check(partner.id, asked.consent_id, "ledger:read")
    assert refused.value.code == "CONSENT_REQUESTED"
    assert consents.pending(code.lower().replace("", " ").strip()).consent_id == asked.consent_id   # typed loosely
    granted = consents.decide(code, True, citizen_key="c" * 32, identity_key="i" * 32, via="wechat_oa")
    assert granted.status == "granted" and granted.expires_at == pytest.approx(granted.decided_at + 30 * 86400)
    assert consents.pending(code) is None                                              # used up
    with pytest.raises(ConsentProblem):
        consents.decide(code, True, citizen_key="d" * 32, identity_key="j" * 32, via="miniprogram")
    assert consents.check(partner.id, asked.consent_id, "ledger:read").live
    assert [c.consent_id for c in consents.of_citizen("c" * 32)] == [asked.consent_id]
    with pytest.raises(LookupError):
        consents.revoke(asked.consent_id, "d" * 32, "miniprogram")                     # not theirs
    consents.revoke(asked.consent_id, "c" * 32, "miniprogram")
    with pytest.raises(ConsentRefused) as refused:
        consents.check(partner.id, asked.consent_id, "ledger:read")
    assert refused.value.code == "CONSENT_REVOKED"
    with pytest.raises(ConsentRefused) as refused:
        consents.check(partner.id + 1, asked.consent_id, "ledger:read")
    assert refused.value.code == "CONSENT_UNKNOWN"


def test_consents_end_by_the_clock(records_db, book, travel):
    start = travel(CLOCK.now())
    consents = Consents(records_db, code_valid_s=600)
    partner, _ = book.register("timer", ["ledger:read"])
    asked, code = consents.request(partner, "ledger:read", "核对", 1)
    consents.decide(code, True, citizen_key="k" * 32, identity_key="i" * 32, via="wechat_oa")
    late, late_code = consents.request(partner, "ledger:read", "核对", 1)
    import datetime as dt
    travel(start + dt.timedelta(days=1, seconds=1))
    with pytest.raises(ConsentRefused) as refused:
        consents.check(partner.id, asked.consent_id, "ledger:read")
    assert refused.value.code == "CONSENT_EXPIRED" and consents.of_citizen("k" * 32) == []
    assert consents.pending(late_code) is None and consents.of_partner(partner.id, late.consent_id).status == "lapsed"
