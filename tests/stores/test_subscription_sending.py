"""Several watchers (WATCHERS=n) may tell one citizen at once: a customer-service message, which has
no grant to take, is sent by the one watcher that claims it; the claim is given back when the send
did not happen, and lapses by itself when a watcher dies mid-send."""
import threading

from bot.stores.subscriptions import Change, SubscriptionStore


def _change(status="已制证待领取") -> Change:
    return Change(ref="CJ20261101000123", backend="exit_entry", item="港澳通行证签注", before="审批中",
                  status=status, next_step="", noticed_at=0.0)


def test_one_claim_among_many_watchers_at_once(redis_hub):
    store = SubscriptionStore(redis_hub)
    won = []
    barrier = threading.Barrier(8)

    def watcher():
        barrier.wait()
        won.append(store.claim_send("cid1", _change(), ttl_s=30))

    threads = [threading.Thread(target=watcher) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won.count(True) == 1
    assert store.claim_send("cid1", _change("已领取"), ttl_s=30)     # another change is its own


def test_a_claim_given_back_or_lapsed_lets_the_next_try_send(redis_hub):
    store = SubscriptionStore(redis_hub)
    assert store.claim_send("cid2", _change(), ttl_s=30)
    store.release_send("cid2", _change())
    assert store.claim_send("cid2", _change(), ttl_s=1)
    ttl = redis_hub.text.ttl(redis_hub.key("notify", "sending", "cid2", _change().key))
    assert 0 < ttl <= 1
