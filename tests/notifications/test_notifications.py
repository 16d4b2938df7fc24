"""Progress notifications through the real stack: the mini-program's endpoints, the sandbox's
advance, the watcher (a real process where its restart matters), and the WeChat simulator."""
from __future__ import annotations

import requests

from tests.fixtures.chat import LI, WANG, Chat
from tests.notifications.conftest import TEMPLATE, wait_until

CJ = "CJ20261101000123"        # 王建国's endorsement, 审批中
BOOKING = "YY20261126000215"   # 李芳's appointment: 2026-11-30, 武侯区 hall


def test_an_advanced_endorsement_gives_exactly_one_subscribe_message(notify_stack):
    s = notify_stack
    token = s.mp_login("oMP_wang_1")
    r = s.subscribe(token, CJ)
    assert r.status_code == 201 and r.get_json()["subscription"]["status"] == "审批中"
    assert r.get_json()["grants"] == {TEMPLATE: 1}
    proc = s.start_watcher()
    assert s.advance(CJ)["status"] == "已制证待领取"
    wait_until(lambda: s.delivered(), "the subscribe message", proc=proc)
    s.stop(proc)
    s.run_watcher_once()                     # later cycles find nothing new
    sent = s.delivered()
    assert len(sent) == 1
    body = sent[0]["body"]
    assert body["touser"] == "oMP_wang_1" and body["template_id"] == TEMPLATE
    assert body["data"]["character_string1"]["value"] == CJ and body["data"]["thing3"]["value"] == "已制证待领取"
    assert s.store.grants("miniprogram:oMP_wang_1") == {TEMPLATE: 0} and s.store.pending(s.cid()) == []


def test_a_watcher_killed_between_noticing_and_sending_loses_nothing_and_repeats_nothing(notify_stack):
    s = notify_stack
    token = s.mp_login("oMP_wang_2")
    assert s.subscribe(token, CJ).status_code == 201
    holding = s.start_watcher(**{"notifications.hold_before_send_s": 600})
    s.advance(CJ)
    wait_until(lambda: s.store.pending(s.cid()), "the change in the ledger", proc=holding)
    holding.kill()                           # SIGKILL: no clean-up of any kind
    holding.wait(timeout=10)
    assert s.delivered() == []
    assert [c.status for c in s.store.pending(s.cid())] == ["已制证待领取"]
    proc = s.start_watcher()
    wait_until(lambda: s.delivered(), "the subscribe message after the restart", proc=proc)
    s.stop(proc)
    s.run_watcher_once()
    assert len(s.delivered()) == 1 and s.store.pending(s.cid()) == []


def test_none_after_unsubscribe(notify_stack, watcher):
    s = notify_stack
    token = s.mp_login("oMP_wang_3")
    assert s.subscribe(token, CJ).status_code == 201
    stats = watcher.run_once()               # the first poll sees 审批中: nothing to tell
    assert stats.backend_calls == 1 and stats.changes == 0
    s.advance(CJ)
    watcher.poll(watcher.totals)             # noticed, in the ledger ...
    assert s.store.pending(s.cid())
    gone = s.client.delete(f"/api/mp/subscriptions/{CJ}", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 200 and gone.get_json() == {"removed": True}
    watcher.run_once()                       # ... and not told
    s.advance(CJ)
    watcher.run_once()
    assert s.delivered() == [] and s.store.pending(s.cid()) == []


def test_none_after_unbinding(notify_stack, watcher):
    s = notify_stack
    token = s.mp_login("oMP_wang_4")
    assert s.subscribe(token, CJ).status_code == 201
    watcher.run_once()
    s.advance(CJ)
    watcher.poll(watcher.totals)
    assert s.store.pending(s.cid())
    s.runtime.identity.unbind("miniprogram:oMP_wang_4")
    watcher.run_once()
    assert s.delivered() == [] and s.store.pending(s.cid()) == [] and s.store.subscriptions(s.cid()) == {}


def test_a_used_grant_leaves_the_change_waiting_until_the_official_account_window_is_open(notify_stack, watcher):
    s = notify_stack
    token = s.mp_login("oMP_wang_5")
    assert s.subscribe(token, CJ).status_code == 201
    watcher.run_once()
    s.advance(CJ)
    watcher.run_once()
    assert len(s.delivered()) == 1           # the one grant, used
    s.advance(CJ)                            # → 已领取
    watcher.run_once()
    assert len(s.delivered()) == 1
    waiting = s.client.get("/api/mp/subscriptions", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [w["status"] for w in waiting["waiting"]] == ["已领取"] and waiting["grants"] == {TEMPLATE: 0}
    # The same citizen on the Official Account, recognised by the binding; silent for 48 h: still waits.
    s.runtime.identity.bind("wechat_oa:oOA_wang_5", WANG[1], WANG[0], "138****0001")
    watcher.run_once()
    assert s.delivered("custom") == [] and len(s.store.pending(s.cid())) == 1
    # They write to the Official Account: the window is open, and the change goes out there, once.
    s.runtime.wechat.customer_service.note_user_action("oOA_wang_5", "message")
    watcher.run_once()
    watcher.run_once()
    custom = s.delivered("custom")
    assert len(custom) == 1 and custom[0]["body"]["touser"] == "oOA_wang_5"
    assert "已领取" in custom[0]["body"]["text"]["content"] and CJ in custom[0]["body"]["text"]["content"]
    assert len(s.delivered()) == 1 and s.store.pending(s.cid()) == []


def test_wechat_failing_for_a_while_delays_the_message_and_loses_nothing(notify_stack, watcher):
    s = notify_stack
    token = s.mp_login("oMP_wang_6")
    assert s.subscribe(token, CJ).status_code == 201
    watcher.run_once()
    s.sim.faults(http_status={"subscribe": {"status": 503, "times": 3}})
    s.advance(CJ)
    for _ in range(4):                       # three tries fail; the fourth goes through
        assert not s.delivered()
        watcher.run_once()
    watcher.run_once()
    attempts = s.sim.received("subscribe")
    assert [m.get("failed") for m in attempts] == [503, 503, 503, None]
    assert s.store.grants("miniprogram:oMP_wang_6") == {TEMPLATE: 0}   # the failed tries gave it back


def test_a_second_grant_lets_the_next_change_go_on_the_mini_program(notify_stack, watcher):
    s = notify_stack
    token = s.mp_login("oMP_wang_7")
    assert s.subscribe(token, CJ).status_code == 201
    watcher.run_once()
    s.advance(CJ)
    s.advance(CJ)                            # two changes seen as one: the latest status is told
    watcher.run_once()
    assert [m["body"]["data"]["thing3"]["value"] for m in s.delivered()] == ["已领取"]


def test_the_mini_programs_subscription_endpoints_refuse_what_they_must(notify_stack):
    s = notify_stack
    auth = {"Authorization": f"Bearer {s.mp_login('oMP_wang_8')}"}
    assert s.client.get("/api/mp/subscriptions").status_code == 401
    assert s.client.get("/api/mp/subscriptions", headers={"Authorization": "Bearer nope"}).status_code == 401
    stranger = {"Authorization": f"Bearer {s.mp_login('oMP_nobody', bind=None)}"}
    r = s.client.get("/api/mp/subscriptions", headers=stranger)
    assert r.status_code == 403 and r.get_json()["code"] == "NOT_BOUND"
    bad = s.client.post("/api/mp/subscriptions", json={"ref": "hello"}, headers=auth)
    assert bad.status_code == 400 and bad.get_json()["field"] == "ref"
    bad = s.client.post("/api/mp/subscriptions", json={"ref": CJ, "grants": ["accept"]}, headers=auth)
    assert bad.status_code == 400 and bad.get_json()["field"] == "grants"
    assert s.client.post("/api/mp/subscriptions", data="x", headers=auth).status_code == 400
    theirs = s.client.post("/api/mp/subscriptions", json={"ref": "CJ20261020000456"}, headers=auth)   # 李芳's
    assert theirs.status_code == 404 and theirs.get_json()["field"] == "ref"
    li = {"Authorization": f"Bearer {s.mp_login('oMP_li_8', bind=LI)}"}
    done = s.client.post("/api/mp/subscriptions", json={"ref": "CJ20260612000789"}, headers=li)   # 已领取
    assert done.status_code == 409
    assert s.client.delete(f"/api/mp/subscriptions/{CJ}", headers=auth).status_code == 404
    ok = s.subscribe(auth["Authorization"][7:], CJ, accept=False)
    assert ok.status_code == 201 and ok.get_json()["grants"] == {}
    listed = s.client.get("/api/mp/subscriptions", headers=auth).get_json()
    assert [x["ref"] for x in listed["subscriptions"]] == [CJ] and listed["template_id"] == TEMPLATE
    assert s.client.get("/api/mp/subscriptions", headers=li).get_json()["subscriptions"] == []   # own only
    requests.post(s.sandbox.control + "/__rate/exit_entry", json={"limit": "1/minute"}, timeout=5)
    requests.get(s.sandbox.urls["exit_entry"] + "/crj/api/v1/endorsements", timeout=5)
    busy = s.client.post("/api/mp/subscriptions", json={"ref": CJ}, headers=auth)
    assert busy.status_code == 503 and "busy" in busy.get_json()["error"]


def test_the_official_account_subscribes_by_a_command_and_unsubscribes(fake_runtime):
    chat = Chat(fake_runtime, channel="wechat_oa")
    chat.bind(WANG)
    said = chat.say("有进展通知我")
    assert CJ in said and "进展" in said
    cid = fake_runtime.identity.id_hash(WANG[1])
    assert CJ in fake_runtime.services.subscriptions.subscriptions(cid)
    assert "已取消" in chat.say("取消进展通知")
    assert fake_runtime.services.subscriptions.subscriptions(cid) == {}


def test_the_day_before_an_appointment_brings_one_reminder(notify_stack, watcher, travel):
    s = notify_stack
    travel("2026-11-28T10:00:00+08:00")
    r = s.subscribe(s.mp_login("oMP_li_9", bind=LI), BOOKING)
    assert r.status_code == 201 and r.get_json()["subscription"]["status"] == "已预约"
    watcher.run_once()
    assert s.delivered() == []
    travel("2026-11-29T09:00:00+08:00")
    watcher.run_once()
    watcher.run_once()
    sent = s.delivered()
    assert len(sent) == 1 and sent[0]["body"]["data"]["thing3"]["value"] == "已预约（明日）"


def test_the_watcher_keeps_to_each_backends_budget_and_waits_out_a_429(notify_stack, watcher):
    s = notify_stack
    assert s.subscribe(s.mp_login("oMP_wang_10"), CJ).status_code == 201
    assert s.subscribe(s.mp_login("oMP_li_10", bind=LI), "CJ20261020000456").status_code == 201
    watcher.settings = __import__("dataclasses").replace(watcher.settings, backend_rate_per_s={"default": 1},
                                                         backend_share=1)
    first = watcher.run_once()
    assert first.polled == 1 and first.backend_calls == 1      # 1 call a second: the other waits its turn
    requests.post(s.sandbox.control + "/__rate/exit_entry", json={"limit": "1/minute"}, timeout=5)
    requests.get(s.sandbox.urls["exit_entry"] + "/crj/api/v1/endorsements", timeout=5)
    watcher._buckets.clear()                                   # a fresh second's budget
    busy = watcher.run_once()
    assert busy.rate_limited == 1
    watcher._buckets.clear()
    after = watcher.run_once()
    assert after.backend_calls == 0                            # paused for the backend's Retry-After
