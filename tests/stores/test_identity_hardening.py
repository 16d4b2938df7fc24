"""Issue 12 point 6 on real Redis (and, for the conversation, the real sandbox): code checks are
reserved atomically across accounts and processes, verification SMS are capped per day per ID
number and per phone, and ID-derived keys are keyed pseudonyms."""
from __future__ import annotations

import hashlib
import threading

from bot.city.service_settings import BindingSettings
from bot.core.privacy import configure_pseudonyms, pseudonym
from bot.stores.binding_guard import BindingGuard
from tests.fixtures.chat import WANG, Chat

SETTINGS = BindingSettings(max_failures=5, lock_s=600, resend_after_s=60, daily_codes_per_id=5,
                           daily_codes_per_phone=5)


def test_eight_accounts_guessing_at_once_get_no_more_than_five_checks(redis_hub):
    guards = [BindingGuard(redis_hub, SETTINGS) for _ in range(8)]   # as if in eight processes
    granted, start = [], threading.Barrier(8)

    def guess(i: int) -> None:
        start.wait()
        for _ in range(4):
            if guards[i].reserve_check(f"test:acct{i}", "idhash-wang") >= 0:
                granted.append(i)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 5
    assert guards[0].locked_for("test:acct-new", "idhash-wang") > 0   # the ID number itself is locked


def test_each_check_is_counted_before_it_is_made(redis_hub):
    guard = BindingGuard(redis_hub, SETTINGS)
    assert [guard.reserve_check("test:u", "idh") for _ in range(6)] == [4, 3, 2, 1, 0, -1]


def test_verification_sms_are_capped_per_id_number_and_per_phone(redis_hub):
    guard = BindingGuard(redis_hub, SETTINGS)
    for _ in range(4):
        guard.count_daily("id-a", "138****0001")
    assert not guard.daily_cap_reached("id-a", "138****0001")
    guard.count_daily("id-a", "138****0001")
    assert guard.daily_cap_reached("id-a") and guard.phone_of_today("id-a") == "138****0001"
    # Another ID number whose codes go to the same phone (a family's): the phone's cap holds.
    assert guard.daily_cap_reached("id-b", "138****0001") and not guard.daily_cap_reached("id-b", "139****0002")


def test_the_daily_cap_stops_the_sms_before_it_is_sent(chat, fake_runtime, sandbox):
    guard = fake_runtime.services.binding_guard
    id_hash = fake_runtime.services.identity.id_hash(WANG[1])
    for _ in range(guard.settings.daily_codes_per_id):
        guard.count_daily(id_hash, "138****0001")
    before = sandbox.stats("identity")["requests"]
    chat.say("实名认证")
    reply = chat.say(f"{WANG[0]} {WANG[1]}")
    assert "次数已达上限" in reply and "明天" in reply
    after = sandbox.stats("identity")["requests"]
    assert after - before == 1   # the name/ID check only: no SMS was sent
    other = Chat(fake_runtime)   # another account for the same ID number: capped the same
    other.say("实名认证")
    assert "次数已达上限" in other.say(f"{WANG[0]} {WANG[1]}")


def test_pseudonyms_are_keyed_and_shape_blind():
    try:
        configure_pseudonyms(b"k1-test-pepper-0000")
        a = pseudonym("id_number", WANG[1])
        assert a == pseudonym("id_number", "5101 0419 8506 1223 10")        # one number, one pseudonym
        assert a != hashlib.sha256(WANG[1].encode()).hexdigest()[:32]      # not a plain digest
        assert a != pseudonym("phone", WANG[1])                            # kinds are separate
        configure_pseudonyms(b"k2-test-pepper-0000")
        assert pseudonym("id_number", WANG[1]) != a                        # the key decides
    finally:
        configure_pseudonyms(b"sandbox-pepper")
