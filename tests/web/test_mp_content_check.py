"""msgSecCheck (v2) on a mini-program citizen's complaint, answered by the WeChat simulator:
`risky` refused politely and nothing filed, `review` filed and flagged for the 12345 office."""
from __future__ import annotations

COMPLAINT = {"location": "武侯区玉林路", "when": "每天晚上"}


def test_risky_text_is_refused_and_nothing_is_filed(citizen, sim):
    c = citizen("oRisky")
    r = c.post("/api/mp/complaints", json={"content": "楼下有人开sim-risky网站", **COMPLAINT},
               headers={"Idempotency-Key": "risky-complaint-1"})
    assert r.status_code == 422 and r.get_json()["field"] == "content"
    assert "内容安全" in r.get_json()["error"]
    (check,) = sim.received("msg_sec_check")
    assert check["body"]["openid"] == "oRisky" and check["body"]["version"] == 2
    # Nothing was filed: the same request without the risky words files the first order of that key.
    ok = c.post("/api/mp/complaints", json={"content": "楼下工地夜间施工噪音", **COMPLAINT},
                headers={"Idempotency-Key": "risky-complaint-1"})
    assert ok.status_code == 201 and not ok.get_json()["flagged_for_review"]


def test_review_is_filed_and_flagged_for_the_12345_office(citizen, sim):
    c = citizen("oReview")
    c.bind()
    r = c.post("/api/mp/complaints", json={"content": "有人在小区门口sim-review代开东西", **COMPLAINT})
    assert r.status_code == 201 and r.get_json()["flagged_for_review"] is True
    order = c.get(f"/api/mp/complaints/{r.get_json()['order_no']}").get_json()
    assert "复核" in order["summary"]


def test_the_check_uses_the_mini_programs_own_token(citizen, sim):
    citizen("oToken").post("/api/mp/complaints", json={"content": "路灯坏了很久没人修", **COMPLAINT})
    (token_call,) = [t for t in sim.received("stable_token") if t["body"]["appid"] == "wx0fedcba987654321"]
    assert token_call["body"]["secret"] == "***"


def test_wechat_down_files_it_flagged(citizen, sim):
    sim.faults(http_status={"msg_sec_check": {"status": 503}})
    r = citizen("oDown").post("/api/mp/complaints", json={"content": "垃圾好几天没人清运", **COMPLAINT})
    assert r.status_code == 201 and r.get_json()["flagged_for_review"] is True


def test_switched_off_in_the_settings(mp_app_factory, redis_hub, sim):
    from tests.web.conftest import MpClient
    app = mp_app_factory(**{"miniprogram.content_check": False})
    c = MpClient(app.test_client(), redis_hub).login("oOff")
    r = c.post("/api/mp/complaints", json={"content": "sim-risky 但检查已关闭", **COMPLAINT})
    assert r.status_code == 201
    assert sim.received("msg_sec_check") == []


def test_a_complaint_through_the_mini_programs_chat_is_checked_too(citizen, sim):
    c = citizen("oChatRisky")
    said = []
    for text in ("我要投诉，楼下有人开sim-risky网站", "武侯区玉林路", "每天晚上", "不留", "确认"):
        said = c.post("/api/mp/chat", json={"text": text}).get_json()["messages"]
    assert any("内容安全" in (m.get("text") or "") for m in said), said
    assert not any("工单号" in (m.get("text") or "") for m in said)
    (check,) = sim.received("msg_sec_check")
    assert check["body"]["openid"] == "oChatRisky"
