"""The partner API through the real stack (Redis, the sandbox backends over HTTP, the WeChat
simulator, the records): keys, scopes, consents given and revoked in the mini-program, expiry,
rate limits, the audit, and no raw ID number anywhere a partner or a log could see it."""
from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from bot.core.clock import CLOCK
from bot.core.privacy import pseudonym
from tests.web.conftest import LI, WANG
from tests.web.partners import PartnerClient, world, world_factory  # noqa: F401 (fixtures)

WANG_ORDER = "GD20261012000456"
ALL = ["catalogue:read", "status:read", "ledger:read"]


def grant_in_mp(citizen, code: str) -> dict:
    shown = citizen.get(f"/api/mp/consents/requests/{code}")
    assert shown.status_code == 200, shown.get_json()
    r = citizen.post("/api/mp/consents", json={"code": code, "grant": True})
    assert r.status_code == 200 and r.get_json()["status"] == "granted", r.get_json()
    return r.get_json()


# -- keys and scopes ------------------------------------------------------------------------------
def test_a_public_scope_works_with_the_key_alone(world):
    bus = world.partner("bus-app", ["catalogue:read", "status:read"])
    r = bus.get("/catalogue/items?q=身份证")
    assert r.status_code == 200 and r.get_json()["items"]
    assert r.get_json() == world.app.test_client().get("/api/mp/catalogue/items?q=身份证").get_json()
    assert bus.get("/catalogue/themes").status_code == 200
    name = r.get_json()["items"][0]["name"]
    assert bus.get(f"/catalogue/items/{name}").get_json()["name"] == name
    order = bus.get(f"/workorders/{WANG_ORDER}?phone_tail=0001")          # 王建国's phone 138 8000 0001
    assert order.status_code == 200, order.get_json()
    body = order.get_json()
    assert body["status"] == "已办结" and body["steps"][-1]["stage"] == "已办结"
    assert "summary" not in body and all("note" not in s for s in body["steps"])   # no citizen's words
    assert bus.get("/workorders/GD20990101000000?phone_tail=0001").status_code == 404
    # the number alone is not enough: numbers are guessable, the filer's phone tail is not given away
    assert bus.get(f"/workorders/{WANG_ORDER}?phone_tail=0002").status_code == 404
    assert bus.get(f"/workorders/{WANG_ORDER}").status_code == 400
    assert bus.get("/workorders/not-a-number?phone_tail=0001").status_code == 400
    me = bus.get("/me").get_json()
    assert me["name"] == "bus-app" and me["scopes"] == ["catalogue:read", "status:read"]


def test_a_scope_the_partner_does_not_hold_is_403(world):
    guide = world.partner("guide-only", ["catalogue:read"])
    for r in (guide.get(f"/workorders/{WANG_ORDER}?phone_tail=0001"), guide.get("/consents/cs_abcdefghijabcdefghij/ledger"),
              guide.post("/consent-requests", json={"scope": "ledger:read", "purpose": "核对", "days": 3})):
        assert r.status_code == 403 and r.get_json()["code"] == "SCOPE", r.get_json()


@pytest.mark.parametrize("key", [None, "", "pk_00000000_" + "A" * 43, "not-a-key", "pk_" + "x" * 300])
def test_no_or_an_unknown_key_is_401(world, key):
    client = PartnerClient(world.app.test_client(), key)
    for path in ("/catalogue/themes", "/me", f"/workorders/{WANG_ORDER}?phone_tail=0001", "/consents/cs_abcdefghijabcdefghij/ledger"):
        r = client.get(path)
        assert r.status_code == 401, (path, r.get_json())


def test_revoked_rotated_keys_and_disabled_partners_are_401(world):
    p = world.partner("rotating", ["catalogue:read"])
    old = p.key
    new = world.records.partners.new_key("rotating")
    assert p.get("/me", key=old).status_code == 200 and p.get("/me", key=new).status_code == 200   # overlap
    newest = world.records.partners.new_key("rotating", revoke_others=True)
    assert p.get("/me", key=old).status_code == 401 and p.get("/me", key=new).status_code == 401
    assert p.get("/me", key=newest).status_code == 200
    world.records.partners.revoke_key(newest.split("_")[1])
    assert p.get("/me", key=newest).status_code == 401
    other = world.partner("to-disable", ["catalogue:read"])
    world.records.partners.change("to-disable", disabled=True)
    assert other.get("/me").status_code == 401


def test_keys_are_kept_only_as_keyed_hashes(world):
    p = world.partner("hashed", ["catalogue:read"])
    dump = "\n".join(world.records.db.engine.raw_connection().iterdump())
    assert p.key not in dump and p.key.split("_", 2)[2] not in dump
    assert pseudonym("partner_key", p.key) in dump


# -- the personal scope and the citizen's consent (mini-program) -----------------------------------
def test_personal_scope_refused_without_consent_allowed_after_refused_after_revoking(world, caplog):
    caplog.set_level(logging.DEBUG)
    hospital = world.partner("hospital", ALL)
    citizen = world.citizen("oConsentMp")
    asked = hospital.ask_consent()
    consent_id, code = asked["consent_id"], asked["code"]
    ledger = f"/consents/{consent_id}/ledger"

    r = hospital.get(ledger)
    assert r.status_code == 403 and r.get_json()["code"] == "CONSENT_REQUESTED"
    shown = citizen.get(f"/api/mp/consents/requests/{code.lower()}").get_json()
    assert shown["partner"] == "hospital" and shown["purpose"] == "挂号时核对您的就医记录" and shown["days"] == 30
    assert "办事记录" in shown["scope_label"]
    grant_in_mp(citizen, code)

    r = hospital.get(ledger)
    assert r.status_code == 200, r.get_json()
    answer = r.get_json()
    assert answer["affairs"] and any(a["ref_no"] == "CJ20261101000123" for a in answer["affairs"])
    assert answer == citizen.get("/api/mp/ledger").get_json()             # what the citizen sees themself
    assert hospital.get(f"{ledger}?domain=12345").get_json()["affairs"] == [
        a for a in answer["affairs"] if a["domain"] == "12345"]
    assert hospital.get(f"/consents/{consent_id}").get_json()["status"] == "granted"
    listed = citizen.get("/api/mp/consents").get_json()["consents"]
    assert [c["consent_id"] for c in listed] == [consent_id]

    assert citizen.delete(f"/api/mp/consents/{consent_id}").get_json()["status"] == "revoked"
    r = hospital.get(ledger)
    assert r.status_code == 403 and r.get_json()["code"] == "CONSENT_REVOKED"
    assert citizen.get("/api/mp/consents").get_json()["consents"] == []
    assert citizen.delete(f"/api/mp/consents/{consent_id}").status_code == 404   # once

    # Nothing raw: not in any answer a partner got, nor in the logs, nor in the consent's record.
    for text in (json.dumps(answer, ensure_ascii=False), caplog.text,
                 "\n".join(world.records.db.engine.raw_connection().iterdump())):
        assert WANG[1] not in text and WANG[1][:-1] not in text


def test_a_used_or_refused_code_cannot_be_used_again(world):
    hospital = world.partner("hospital2", ALL)
    citizen, other = world.citizen("oRefuser"), world.citizen("oOther", bind=False)
    other.bind(LI)
    asked = hospital.ask_consent()
    r = citizen.post("/api/mp/consents", json={"code": asked["code"], "grant": False})
    assert r.status_code == 200 and r.get_json()["status"] == "refused"
    assert hospital.get(f"/consents/{asked['consent_id']}/ledger").get_json()["code"] == "CONSENT_REFUSED"
    again = other.post("/api/mp/consents", json={"code": asked["code"], "grant": True})
    assert again.status_code == 422 and again.get_json()["field"] == "code"
    assert other.get(f"/api/mp/consents/requests/{asked['code']}").status_code == 404


def test_wrong_codes_are_counted_and_lock_the_guesser_out_even_from_a_right_one(world):
    """A code is 8 characters: guessing must stay slow. Five wrong codes (looked up or answered)
    lock the citizen out for the binding's lock-out time; the right code then waits too."""
    hospital = world.partner("hospital-guess", ALL)
    asked = hospital.ask_consent()
    guesser = world.citizen("oGuesser")
    for i in range(3):
        assert guesser.get(f"/api/mp/consents/requests/ABCDEFG{i + 2}").status_code == 404
    for i in range(2):
        assert guesser.post("/api/mp/consents", json={"code": f"HJKLMNP{i + 2}", "grant": True}).status_code == 422
    locked = guesser.post("/api/mp/consents", json={"code": asked["code"], "grant": True})
    assert locked.status_code == 422 and "次数较多" in locked.get_json()["error"]
    assert guesser.get(f"/api/mp/consents/requests/{asked['code']}").status_code == 422
    other = world.citizen("oNotGuessing")                        # counted per citizen, not for all
    assert other.get(f"/api/mp/consents/requests/{asked['code']}").status_code == 200


def test_only_a_bound_citizen_answers_and_only_their_own_consents_are_theirs(world):
    hospital = world.partner("hospital3", ALL)
    asked = hospital.ask_consent()
    stranger = world.citizen("oUnbound", bind=False)
    assert stranger.post("/api/mp/consents", json={"code": asked["code"], "grant": True}).status_code == 403
    assert stranger.get("/api/mp/consents").status_code == 403
    wang = world.citizen("oWang3")
    grant_in_mp(wang, asked["code"])
    li = world.citizen("oLi3", bind=False)
    li.bind(LI)
    assert li.get("/api/mp/consents").get_json()["consents"] == []
    assert li.delete(f"/api/mp/consents/{asked['consent_id']}").status_code == 404      # not hers
    assert hospital.get(f"/consents/{asked['consent_id']}/ledger").status_code == 200


def test_another_partner_cannot_use_a_consent(world):
    hospital, other = world.partner("hospital4", ALL), world.partner("other4", ALL)
    asked = hospital.ask_consent()
    grant_in_mp(world.citizen("oWang4"), asked["code"])
    r = other.get(f"/consents/{asked['consent_id']}/ledger")
    assert r.status_code == 404 and other.get(f"/consents/{asked['consent_id']}").status_code == 404


def test_an_expired_consent_is_refused(world, travel):
    start = travel(CLOCK.now())
    hospital = world.partner("hospital5", ALL)
    citizen = world.citizen("oExpiry")
    asked = hospital.ask_consent(days=2)
    grant_in_mp(citizen, asked["code"])
    ledger = f"/consents/{asked['consent_id']}/ledger"
    travel(start + dt.timedelta(days=1, hours=23))
    assert hospital.get(ledger).status_code == 200
    travel(start + dt.timedelta(days=2, minutes=1))
    r = hospital.get(ledger)
    assert r.status_code == 403 and r.get_json()["code"] == "CONSENT_EXPIRED"
    assert hospital.get(f"/consents/{asked['consent_id']}").get_json()["status"] == "expired"
    assert citizen.get("/api/mp/consents").get_json()["consents"] == []


def test_a_code_not_answered_in_time_lapses(world_factory, travel):
    world = world_factory(**{"partner_api.consent.code_valid_s": 600})
    start = travel(CLOCK.now())
    hospital = world.partner("hospital6", ALL)
    citizen = world.citizen("oLate")
    asked = hospital.ask_consent()
    travel(start + dt.timedelta(seconds=601))
    assert citizen.get(f"/api/mp/consents/requests/{asked['code']}").status_code == 404
    assert citizen.post("/api/mp/consents", json={"code": asked["code"], "grant": True}).status_code == 422
    assert hospital.get(f"/consents/{asked['consent_id']}").get_json()["status"] == "lapsed"


def test_an_unbound_citizens_consent_cannot_be_used(world):
    hospital = world.partner("hospital7", ALL)
    citizen = world.citizen("oUnbinds")
    asked = hospital.ask_consent()
    grant_in_mp(citizen, asked["code"])
    assert citizen.delete("/api/mp/identity").status_code == 200
    r = hospital.get(f"/consents/{asked['consent_id']}/ledger")
    assert r.status_code == 403 and r.get_json()["code"] in ("CONSENT_UNUSABLE", "CONSENT_REVOKED")


def test_the_last_unbinding_ends_the_consents_and_binding_again_does_not_revive_them(world):
    hospital = world.partner("hospital-unbind", ALL)
    citizen = world.citizen("oUnbindsForGood")
    asked = hospital.ask_consent()
    grant_in_mp(citizen, asked["code"])
    assert hospital.get(f"/consents/{asked['consent_id']}/ledger").status_code == 200
    assert citizen.delete("/api/mp/identity").status_code == 200
    assert hospital.get(f"/consents/{asked['consent_id']}").get_json()["status"] == "revoked"
    citizen.bind()                                   # the same person binds again
    r = hospital.get(f"/consents/{asked['consent_id']}/ledger")
    assert r.status_code == 403 and r.get_json()["code"] == "CONSENT_REVOKED"
    assert citizen.get("/api/mp/consents").get_json()["consents"] == []


@pytest.mark.parametrize("body, field", [
    ({"scope": "catalogue:read", "purpose": "核对", "days": 3}, "scope"),      # a public scope needs no consent
    ({"scope": "ledger:read", "purpose": "核", "days": 3}, "purpose"),
    ({"scope": "ledger:read", "purpose": "核对", "days": 0}, "days"),
    ({"scope": "ledger:read", "purpose": "核对", "days": 366}, "days"),        # past partner_api.consent.max_days
    ({"scope": "ledger:read", "purpose": "核对"}, "days"),
])
def test_bad_consent_requests_name_the_field(world, body, field):
    r = world.partner(f"asker-{field}-{len(body)}-{body.get('days')}", ALL).post("/consent-requests", json=body)
    assert r.status_code == 400 and r.get_json()["field"] == field, r.get_json()


# -- limits and the audit --------------------------------------------------------------------------
def assert_429(r):
    assert r.status_code == 429, r.get_json()
    assert int(r.headers["Retry-After"]) >= 1 and r.get_json()["retry_after"] >= 1


def test_each_partner_has_its_own_rate_limit(world_factory):
    world = world_factory(**{"partner_api.limits.user": "3/minute"})
    a, b = world.partner("limited-a", ALL), world.partner("limited-b", ALL)
    fast = world.partner("own-limit", ALL, rate_limit="5/minute")
    for _ in range(3):
        assert a.get("/catalogue/themes").status_code == 200
    assert_429(a.get("/catalogue/themes"))
    assert_429(a.get("/me"))                                    # one count for all of the API
    assert b.get("/catalogue/themes").status_code == 200        # another partner is not held back
    for _ in range(5):
        assert fast.get("/catalogue/themes").status_code == 200
    assert_429(fast.get("/catalogue/themes"))
    assert fast.get("/me", key=None).status_code == 401         # no key: counted per address only


def test_every_partner_call_is_audited_and_the_reads_as_the_partners(world):
    hospital = world.partner("audited", ALL)
    citizen = world.citizen("oAudited")
    hospital.get("/catalogue/themes")
    hospital.get(f"/workorders/{WANG_ORDER}?phone_tail=0001")
    asked = hospital.ask_consent()
    hospital.get(f"/consents/{asked['consent_id']}/ledger")       # refused, nobody's yet: still audited
    grant_in_mp(citizen, asked["code"])
    hospital.get(f"/consents/{asked['consent_id']}/ledger")
    citizen.delete(f"/api/mp/consents/{asked['consent_id']}")
    hospital.get(f"/consents/{asked['consent_id']}/ledger")       # refused: audited against the citizen
    calls = [r for r in world.records.audit.search(actor="partner:audited") if r["backend"] == "partner_api"]
    wang = pseudonym("id_number", WANG[1])
    assert [(r["operation"].split()[0], r["outcome"], r["citizen"]) for r in reversed(calls)] == [
        ("GET", "200", "public"), ("GET", "200", "public"), ("POST", "201", "public"), ("GET", "403", "public"),
        ("GET", "200", wang), ("GET", "403", wang)]
    assert {r["actor_role"] for r in calls} == {"partner"}
    reads = [r for r in world.records.audit.search(actor="partner:audited") if r["backend"] != "partner_api"]
    assert reads and {(r["citizen"], r["actor_role"], r["purpose"]) for r in reads} == {
        (wang, "partner", "partner_consent")}


def test_a_call_that_cannot_be_audited_is_not_answered(world):
    guide = world.partner("unaudited", ["catalogue:read"])
    assert guide.get("/catalogue/themes").status_code == 200
    with world.records.db.engine.begin() as conn:          # the audit's table gone: every record fails
        conn.exec_driver_sql("ALTER TABLE audit_records RENAME TO audit_records_away")
    try:
        r = guide.get("/catalogue/themes")
        assert r.status_code == 503 and "themes" not in r.get_json()
    finally:
        with world.records.db.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE audit_records_away RENAME TO audit_records")
