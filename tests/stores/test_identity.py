import os

from bot.stores.identity import IdentityStore

ID = "510104198506122310"


def test_binding_is_encrypted_and_found_by_keyed_hash(redis_hub):
    store = IdentityStore(redis_hub, os.urandom(32), b"pepper")
    store.bind("wechat_oa:openid1", ID, "王建国", "138****0001")
    raw = redis_hub.text.get(redis_hub.key("identity", "wechat_oa:openid1"))
    assert ID not in raw and "王建国" not in raw
    assert all(ID not in k for k in redis_hub.text.scan_iter(match=redis_hub.prefix + "*"))
    c = store.get("wechat_oa:openid1")
    assert c.id_number == ID and c.name == "王建国" and c.id_masked == "510***********2310"
    assert store.users_of(ID) == {"wechat_oa:openid1"}


def test_binding_survives_a_new_store_with_the_same_key(redis_hub):
    key = os.urandom(32)
    IdentityStore(redis_hub, key, b"p").bind("c:u", ID, "王建国", "138****0001")
    assert IdentityStore(redis_hub, key, b"p").get("c:u").id_number == ID  # e.g. after a restart


def test_unbind(redis_hub):
    store = IdentityStore(redis_hub, os.urandom(32), b"p")
    store.bind("c:u", ID, "王建国", "138****0001")
    assert store.unbind("c:u")
    assert store.get("c:u") is None and store.users_of(ID) == set()
    assert not store.unbind("c:u")
