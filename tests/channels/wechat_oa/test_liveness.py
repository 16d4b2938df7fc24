"""The keys by which a web process says it still holds an overrun turn."""
import time

from bot.channels.wechat_oa.liveness import Liveness


def _wait_for(predicate, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_held_keys_outlive_their_ttl_and_come_back_after_redis_lost_them(redis_hub):
    live = Liveness(redis_hub, ttl_s=0.5, every_s=0.1)
    key = redis_hub.key("alive", "t1")
    live.hold(key)
    time.sleep(1.0)                                   # twice the key's own life
    assert redis_hub.text.exists(key)
    redis_hub.text.delete(key)                        # as if it ran out while Redis was away
    _wait_for(lambda: redis_hub.text.exists(key))
    live.release(key)
    assert not redis_hub.text.exists(key)
    time.sleep(0.3)
    assert not redis_hub.text.exists(key)            # released keys are not refreshed
    live.stop()


def test_a_process_that_stops_lets_its_keys_run_out(redis_hub):
    live = Liveness(redis_hub, ttl_s=0.3, every_s=0.1)
    key = redis_hub.key("alive", "t2")
    live.hold(key)
    live.stop()
    _wait_for(lambda: not redis_hub.text.exists(key))
