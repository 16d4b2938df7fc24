import threading
import time

import pytest

from bot.stores.sessions import Form, Session, SessionStore, UserBusy, UserLock


def test_session_round_trip_and_expiry_marker(redis_hub):
    store = SessionStore(redis_hub, ttl_s=60)
    s = Session(form=Form(intent="bind_identity", slots={"person_name": "王建国"}, asking="id_number"))
    store.save("wechat_oa:u1", s)
    loaded = store.load("wechat_oa:u1")
    assert loaded.form.intent == "bind_identity" and loaded.form.asking == "id_number"
    assert not loaded.expired
    # The state expires but the marker remembers there was an open form.
    redis_hub.text.delete(redis_hub.key("session", "wechat_oa:u1"))
    again = store.load("wechat_oa:u1")
    assert again.expired and again.form is None
    assert not store.load("wechat_oa:u1").expired  # told once


def test_session_has_a_ttl(redis_hub):
    store = SessionStore(redis_hub, ttl_s=77)
    store.save("c:u", Session())
    assert 0 < redis_hub.text.ttl(redis_hub.key("session", "c:u")) <= 77


def test_lock_serialises_one_user(redis_hub):
    lock = UserLock(redis_hub, ttl_s=5, wait_s=3)
    inside, overlaps = [], []

    def work():
        with lock.hold("c:same"):
            if inside:
                overlaps.append(1)
            inside.append(1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []


def test_lock_gives_up_after_wait(redis_hub):
    lock = UserLock(redis_hub, ttl_s=5, wait_s=0.2)
    with lock.hold("c:busy"):
        with pytest.raises(UserBusy):
            with lock.hold("c:busy"):
                pass
    with lock.hold("c:busy"):  # released afterwards
        pass


def test_expired_lock_is_not_released_by_its_old_owner(redis_hub):
    lock = UserLock(redis_hub, ttl_s=1, wait_s=0)
    key = redis_hub.key("lock", "c:x")
    with lock.hold("c:x"):
        redis_hub.text.set(key, "someone-else")  # as if ours expired and another took it
    assert redis_hub.text.get(key) == "someone-else"
