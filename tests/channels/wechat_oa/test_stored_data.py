"""What the channel keeps in Redis: citizens' words and our answers only sealed under the data
key, streams capped, dead letters expiring (PIPL art. 19/51; docs/wechat.md, What is kept)."""
from __future__ import annotations

import time

import pytest

from bot.channels.wechat_oa.late import DELIVER_JOB
from bot.core.sealing import Sealer
from bot.core.jobs import JobQueue, JobRunner
from bot.core.messages import Text
from tests.fixtures.wechat import FakeDispatcher
from tests.fixtures.wx import text_fields

ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"


def everything_stored(hub) -> str:
    """Every value under the test's prefix, whatever its type, as one text."""
    out = []
    for key in hub.text.scan_iter(match=hub.prefix + "*"):
        kind = hub.text.type(key)
        if kind == "string":
            out.append(hub.text.get(key) or "")
        elif kind == "hash":
            out.extend(f"{k}={v}" for k, v in hub.text.hgetall(key).items())
        elif kind == "list":
            out.extend(hub.text.lrange(key, 0, -1))
        elif kind in ("set",):
            out.extend(hub.text.smembers(key))
        elif kind == "zset":
            out.extend(hub.text.zrange(key, 0, -1))
        elif kind == "stream":
            out.extend(str(fields) for _id, fields in hub.text.xrange(key))
        out.append(key)
    return "\n".join(out)


def quoting(long: bool):
    """Answers that quote what the citizen typed (as a binding confirmation might)."""
    def answer(incoming):
        text = f"您输入的证件号是{incoming.text}，手机{PHONE}。"
        return [Text(text + ("\n" + "办事指南内容" * 40) * 20 if long else text)]
    return answer


@pytest.mark.parametrize("turn_mode", ["inline", "queue"])
def test_nothing_a_citizen_typed_is_kept_in_the_clear(make_app, sim, turn_mode):
    wapp = make_app(dispatcher=FakeDispatcher(answer=quoting(long=True)), turn_mode=turn_mode)
    openid = "oPrivate_1"
    with wapp.worker_thread():
        r = wapp.send(text_fields(ID_NUMBER, openid=openid))        # a cached reply and "更多" pages
    assert ID_NUMBER in wapp.wx.reply_fields(r)["Content"]
    wapp.late.park_answer(openid, f"证件号{ID_NUMBER}的办件已受理")  # a parked answer
    wapp.late.hand_late_answer(openid, f"证件号{ID_NUMBER}")        # a job on the stream
    stored = everything_stored(wapp.hub)
    assert ID_NUMBER not in stored and PHONE not in stored and "证件号" not in stored
    # ... and all of it still works: the next page, the parked answer.
    with wapp.worker_thread():
        assert "办事指南内容" in wapp.wx.reply_fields(wapp.send(text_fields("更多", openid=openid)))["Content"]
        content = wapp.wx.reply_fields(wapp.send(text_fields("好", openid=openid)))["Content"]
    assert f"证件号{ID_NUMBER}的办件已受理" in content and "您输入的证件号是好" in content


def test_a_queued_turn_and_a_deferred_one_are_sealed_while_they_wait(make_app, sim):
    """Queue mode with no worker: the turn job (the raw Incoming, ID number included) waits on
    the stream; inline mode: the deferred turn waits in the delayed set."""
    wapp = make_app(turn_mode="queue", reply_budget_s=0.3)
    wapp.send(text_fields(f"绑定 {ID_NUMBER}", openid="oPrivate_2"))
    assert wapp.late.jobs.waiting()["stream"] == 1
    assert ID_NUMBER not in everything_stored(wapp.hub)

    slow = make_app(dispatcher=FakeDispatcher(delay_s=1.0), reply_budget_s=0.3)
    slow.send(text_fields(f"绑定 {ID_NUMBER}", openid="oPrivate_3"))
    assert slow.late.jobs.waiting()["delayed"] == 1
    assert ID_NUMBER not in everything_stored(slow.hub)


def test_a_job_sealed_under_another_key_is_dead_at_once_without_its_payload(redis_hub):
    ours = JobQueue(redis_hub, "test", sealer=Sealer(b"k" * 32), max_tries=5)
    theirs = JobQueue(redis_hub, "test", sealer=Sealer(b"x" * 32))
    theirs.enqueue("work", {"text": ID_NUMBER})
    ran = []
    runner = JobRunner(ours, {"work": ran.append}, consumer="c1")
    deadline = time.monotonic() + 10
    while not ours.waiting()["dead"]:
        assert time.monotonic() < deadline
        runner.run_once(block_ms=50)
    assert ran == []
    (dead,) = ours.dead_letters()
    assert "does not open" in dead["error"] and ID_NUMBER not in str(dead)


def test_dead_letters_are_sealed_redacted_and_expire(redis_hub):
    q = JobQueue(redis_hub, "test", sealer=Sealer(b"k" * 32), max_tries=1, dead_ttl_s=3600)

    def fails(payload):
        raise ValueError(f"backend refused {payload['id']} / {PHONE}")

    runner = JobRunner(q, {"work": fails}, consumer="c1")
    q.enqueue("work", {"id": ID_NUMBER})
    while not q.waiting()["dead"]:
        runner.run_once(block_ms=50)
    (dead,) = q.dead_letters()
    assert ID_NUMBER not in str(dead) and PHONE not in str(dead)
    assert "<ID_NUMBER>" in dead["error"]
    assert 0 < redis_hub.text.ttl(q.dead) <= 3600            # nothing dies for an hour: all gone
    # A dead letter older than dead_ttl_s goes when the next one is added.
    q.dead_ttl_s = 2
    time.sleep(2.1)
    later = q.enqueue("work", {"id": "later"})
    while q.waiting()["stream"] or q.waiting()["unacknowledged"]:
        runner.run_once(block_ms=50)
    assert [d["job_id"] for d in q.dead_letters()] == [later]


def test_the_streams_are_capped(redis_hub):
    q = JobQueue(redis_hub, "test", max_len=100)
    for n in range(450):
        q.enqueue(DELIVER_JOB, {"n": n})
    # XADD MAXLEN ~ trims whole nodes (100 entries): close to the cap, never the whole backlog.
    assert redis_hub.text.xlen(q.stream) <= 200
