"""The mini-program's service API through the real stack (Redis, Rasa, the sandbox backends, the
WeChat simulator): success, missing and expired token, someone else's data, bad input."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.core import clock
from tests.web.conftest import LI, WANG

WANG_ORDER, LI_ORDER, LI_BOOKING = "GD20261012000456", "GD20261028000988", "YY20261126000215"

# Every route that needs the token: (method, path, body).
TOKEN_ROUTES = [
    ("POST", "/api/mp/chat", {"text": "你好"}),
    ("GET", "/api/mp/ledger", None),
    ("GET", "/api/mp/identity", None),
    ("POST", "/api/mp/identity/start", {"name": WANG[0], "id_number": WANG[1]}),
    ("POST", "/api/mp/identity/code", {"code": "123456"}),
    ("DELETE", "/api/mp/identity", None),
    ("GET", "/api/mp/appointments/halls", None),
    ("GET", "/api/mp/appointments/slots?item=x&hall_id=H001&date=2030-01-02", None),
    ("GET", "/api/mp/appointments", None),
    ("POST", "/api/mp/appointments", {"item": "x", "hall_id": "H001", "date": "2030-01-02", "start": "09:00"}),
    ("DELETE", f"/api/mp/appointments/{LI_BOOKING}", None),
    ("POST", "/api/mp/complaints", {"content": "楼下施工太吵", "location": "武侯区", "when": "每天晚上"}),
    ("GET", f"/api/mp/complaints/{WANG_ORDER}", None),
    ("POST", "/api/mp/ratings", {"level": "满意"}),
]


def next_workday(days_ahead: int = 1) -> dt.date:
    from bot.city.service_settings import load_service_settings  # noqa: F401 (the calendar the app uses)
    import chinese_calendar
    day = clock.today()
    found = 0
    while True:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            found += 1
            if found == days_ahead:
                return day


# -- the catalogue: public --------------------------------------------------------------------------
def test_the_catalogue_needs_no_token(anonymous):
    themes = anonymous.get("/api/mp/catalogue/themes", token=None).get_json()["themes"]
    assert {"name": "证件办理", "items": themes[[t["name"] for t in themes].index("证件办理")]["items"]} in themes
    items = anonymous.get("/api/mp/catalogue/items?theme=证件办理", token=None).get_json()["items"]
    assert items and all(i["theme"] == "证件办理" for i in items)
    found = anonymous.get("/api/mp/catalogue/items?q=护照", token=None).get_json()["items"]
    assert any("护照" in i["name"] for i in found)
    one = anonymous.get(f"/api/mp/catalogue/items/{found[0]['name']}", token=None)
    assert one.status_code == 200 and one.get_json()["materials"]
    events = anonymous.get("/api/mp/life-events", token=None).get_json()["events"]
    assert events and events[0]["steps"]
    assert anonymous.get(f"/api/mp/life-events/{events[0]['name']}", token=None).get_json() == events[0]


def test_catalogue_bad_input_names_the_field(anonymous):
    r = anonymous.get("/api/mp/catalogue/items?theme=不存在的主题", token=None)
    assert r.status_code == 400 and r.get_json()["field"] == "theme"
    r = anonymous.get("/api/mp/catalogue/items?colour=red", token=None)
    assert r.status_code == 400 and r.get_json()["field"] == "colour"
    r = anonymous.get("/api/mp/catalogue/items/没有这个事项", token=None)
    assert r.status_code == 404 and r.get_json()["field"] == "name"


# -- the token ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path,body", TOKEN_ROUTES)
def test_every_personal_route_needs_a_valid_token(citizen, method, path, body):
    c = citizen("oTok")
    for token in (None, "not-a-token"):
        r = c.call(method, path, token=token, json=body)
        assert r.status_code == 401, (path, r.get_json())
        assert set(r.get_json()) >= {"error", "field"}
    c.expire()
    assert c.call(method, path, json=body).status_code == 401


def test_a_login_code_is_tried_against_wechat_once(anonymous, sim):
    assert anonymous.post("/api/mp/login", token=None, json={"code": "sandbox:oOnce"}).status_code == 200
    again = anonymous.post("/api/mp/login", token=None, json={"code": "sandbox:oOnce"})
    assert again.status_code == 401 and again.get_json()["field"] == "code"
    calls = sim.received("jscode2session")
    assert len(calls) == 1 and calls[0]["query"]["appid"] == "wx0fedcba987654321"   # the mini-program's own


def test_a_code_wechat_never_answered_for_may_be_tried_again(anonymous, sim):
    sim.faults(http_status={"jscode2session": {"status": 503, "times": 1}})
    first = anonymous.post("/api/mp/login", token=None, json={"code": "sandbox:oRetry"})
    assert first.status_code == 503                               # WeChat away: try again
    again = anonymous.post("/api/mp/login", token=None, json={"code": "sandbox:oRetry"})
    assert again.status_code == 200 and again.get_json()["token"]


@pytest.mark.parametrize("body,field", [({}, "code"), ({"code": ""}, "code"), ({"code": 7}, "code"),
                                        ({"code": "x", "extra": 1}, "extra")])
def test_login_bad_input_names_the_field(anonymous, body, field):
    r = anonymous.post("/api/mp/login", token=None, json=body)
    assert r.status_code == 400 and r.get_json()["field"] == field


# -- binding ----------------------------------------------------------------------------------------
def test_binding_start_code_and_unbind(citizen):
    c = citizen("oBind")
    assert c.get("/api/mp/identity").get_json()["bound"] is False
    r = c.post("/api/mp/identity/start", json={"name": WANG[0], "id_number": WANG[1]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["code_sent_to"] == "138****0001"
    wrong = c.post("/api/mp/identity/code", json={"code": "000000"})
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "code"
    r = c.post("/api/mp/identity/code", json={"code": "123456"})
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["bound"] and doc["surname"] == "王**" and WANG[1] not in r.get_data(as_text=True)
    assert c.get("/api/mp/identity").get_json()["id_number"] != WANG[1]
    assert c.delete("/api/mp/identity").get_json() == {"bound": False}
    assert c.get("/api/mp/ledger").status_code == 403


@pytest.mark.parametrize("body,field,status", [
    ({"name": "王建国", "id_number": "510104198506122311"}, "id_number", 422),   # wrong check character
    ({"name": "王建国", "id_number": "12345"}, "id_number", 422),
    ({"name": "123", "id_number": WANG[1]}, "name", 422),
    ({"name": "王建国"}, "id_number", 400),
    ({"name": "王建国", "id_number": 510104198506122310}, "id_number", 400),
])
def test_binding_bad_input_names_the_field(citizen, body, field, status):
    r = citizen("oBad").post("/api/mp/identity/start", json=body)
    assert r.status_code == status and r.get_json()["field"] == field, r.get_json()


def test_a_name_that_does_not_match_is_refused(citizen):
    r = citizen("oMismatch").post("/api/mp/identity/start", json={"name": "李芳", "id_number": WANG[1]})
    assert r.status_code == 422 and r.get_json()["field"] == "id_number"
    assert "不一致" in r.get_json()["error"]


def test_a_code_without_a_start_is_refused(citizen):
    r = citizen("oNoStart").post("/api/mp/identity/code", json={"code": "123456"})
    assert r.status_code == 422 and r.get_json()["field"] == "code"


# -- the ledger ---------------------------------------------------------------------------------------
def test_the_ledger_of_the_bound_citizen_with_the_chats_filters(citizen):
    c = citizen("oLedger")
    assert c.get("/api/mp/ledger").status_code == 403
    c.bind()
    doc = c.get("/api/mp/ledger").get_json()
    refs = {a["ref_no"] for a in doc["affairs"]}
    assert "CJ20261101000123" in refs and WANG_ORDER in refs and LI_ORDER not in refs
    only = c.get("/api/mp/ledger?domain=出入境").get_json()["affairs"]
    assert only and {a["domain"] for a in only} == {"出入境"}
    done = c.get("/api/mp/ledger?status=done").get_json()["affairs"]
    assert done and all(a["done"] for a in done)
    assert c.get("/api/mp/ledger?since=2099-01-01").get_json()["affairs"] == []
    assert WANG[1] not in c.get("/api/mp/ledger").get_data(as_text=True)


@pytest.mark.parametrize("query,field", [("domain=天气", "domain"), ("status=maybe", "status"),
                                         ("since=yesterday", "since"), ("district=火星区", "district")])
def test_ledger_bad_input_names_the_field(citizen, query, field):
    c = citizen("oLedgerBad")
    r = c.get(f"/api/mp/ledger?{query}")
    assert r.status_code == 400 and r.get_json()["field"] == field


# -- appointments -------------------------------------------------------------------------------------
def test_book_list_and_cancel_an_appointment(citizen):
    c = citizen("oBook")
    c.bind()
    halls = c.get("/api/mp/appointments/halls").get_json()["halls"]
    hall = next(h for h in halls if h["items"])
    item = hall["items"][0]
    assert all(item in h["items"] for h in c.get(f"/api/mp/appointments/halls?item={item}").get_json()["halls"])
    day = next_workday(2)
    slots = c.get(f"/api/mp/appointments/slots?item={item}&hall_id={hall['hall_id']}&date={day}").get_json()["slots"]
    assert slots
    body = {"item": item, "hall_id": hall["hall_id"], "date": day.isoformat(), "start": slots[0]["start"]}
    r = c.post("/api/mp/appointments", json=body, headers={"Idempotency-Key": "test-key-0001"})
    assert r.status_code == 201, r.get_json()
    booking = r.get_json()
    again = c.post("/api/mp/appointments", json=body, headers={"Idempotency-Key": "test-key-0001"})
    assert again.status_code == 422 and again.get_json()["field"] == "item"   # one active booking per item
    listed = c.get("/api/mp/appointments").get_json()["bookings"]
    assert booking["booking_no"] in {b["booking_no"] for b in listed}
    r = c.delete(f"/api/mp/appointments/{booking['booking_no']}")
    assert r.status_code == 200 and r.get_json()["status"] == "已取消"


def test_appointments_bad_input(citizen):
    c = citizen("oBookBad")
    c.bind()
    r = c.get("/api/mp/appointments/slots?item=x&hall_id=H001&date=2020-01-01")
    assert r.status_code == 422 and r.get_json()["field"] == "date"
    r = c.get("/api/mp/appointments/slots?item=x&hall_id=H001&date=someday")
    assert r.status_code == 400 and r.get_json()["field"] == "date"
    r = c.post("/api/mp/appointments", json={"item": "x", "hall_id": "H001", "date": next_workday().isoformat(),
                                             "start": "9点"})
    assert r.status_code == 400 and r.get_json()["field"] == "start"
    for start in ("99:99", "09:00\n", "٠٩:٠٠"):       # no such time; a trailing newline; Arabic-Indic digits
        r = c.post("/api/mp/appointments", json={"item": "x", "hall_id": "H001", "date": next_workday().isoformat(),
                                                 "start": start})
        assert r.status_code == 400 and r.get_json()["field"] == "start", start
    r = c.delete("/api/mp/appointments/not-a-number")
    assert r.status_code == 400 and r.get_json()["field"] == "booking_no"
    r = c.delete("/api/mp/appointments/YY" + "١" * 14)
    assert r.status_code == 400 and r.get_json()["field"] == "booking_no"
    for code in ("123456\n", "١٢٣٤٥٦"):
        r = c.post("/api/mp/identity/code", json={"code": code})
        assert r.status_code == 400 and r.get_json()["field"] == "code", code


def test_someone_elses_booking_and_order_are_not_found(citizen):
    c = citizen("oWang")
    c.bind(WANG)
    assert c.delete(f"/api/mp/appointments/{LI_BOOKING}").status_code == 404
    assert c.get(f"/api/mp/complaints/{LI_ORDER}").status_code == 404
    mine = c.get(f"/api/mp/complaints/{WANG_ORDER}")
    assert mine.status_code == 200 and mine.get_json()["order_no"] == WANG_ORDER
    li = citizen("oLi")
    li.bind(LI)
    assert li.get(f"/api/mp/complaints/{WANG_ORDER}").status_code == 404


# -- complaints ---------------------------------------------------------------------------------------
def test_file_a_complaint_and_follow_it(citizen, sim):
    c = citizen("oComplain")
    body = {"content": "楼下工地每天半夜施工，噪音太大", "location": "武侯区玉林路", "when": "每天晚上11点以后",
            "contact": "13912345678"}
    r = c.post("/api/mp/complaints", json=body)
    assert r.status_code == 201, r.get_json()
    filed = r.get_json()
    assert filed["order_no"].startswith("GD") and filed["topic"] == "noise" and not filed["flagged_for_review"]
    assert c.get(f"/api/mp/complaints/{filed['order_no']}").status_code == 403     # progress needs the binding
    (check,) = sim.received("msg_sec_check")
    assert check["body"]["openid"] == "oComplain" and check["body"]["version"] == 2


@pytest.mark.parametrize("body,field,status", [
    ({"content": "噪音", "location": "武侯区"}, "when", 400),
    ({"content": "", "location": "武侯区", "when": "今晚"}, "content", 400),
    ({"content": "噪音", "location": "武侯区", "when": "今晚", "contact": "12"}, "contact", 422),
])
def test_complaint_bad_input_names_the_field(citizen, body, field, status):
    r = citizen("oComplainBad").post("/api/mp/complaints", json=body)
    assert r.status_code == status and r.get_json()["field"] == field, r.get_json()


def test_bad_order_numbers_are_400(citizen):
    r = citizen("oOrderBad").get("/api/mp/complaints/GD12")
    assert r.status_code == 400 and r.get_json()["field"] == "order_no"


# -- ratings and choices ------------------------------------------------------------------------------
def test_a_rating_needs_something_served_then_counts(citizen, mp_app):
    c = citizen("oRate")
    r = c.post("/api/mp/ratings", json={"level": "满意"})
    assert r.status_code == 422 and r.get_json()["field"] == "level"
    assert c.post("/api/mp/ratings", json={"level": "还行"}).get_json()["field"] == "level"
    guide = c.post("/api/mp/chat", json={"text": "办护照需要什么材料"})
    assert guide.status_code == 200
    r = c.post("/api/mp/ratings", json={"level": "满意"})
    assert r.status_code == 200 and r.get_json()["rated"] and "感谢" in r.get_json()["messages"][0]["text"]


def test_a_choice_is_answered_by_its_id(citizen):
    c = citizen("oChoice")
    menu = c.post("/api/mp/chat", json={"text": "你好"}).get_json()["messages"]
    choices = next(m for m in menu if m["type"] == "choices")
    guide = next(o for o in choices["options"] if "办事指南" in o["label"])
    r = c.post("/api/mp/chat", json={"choice_id": guide["id"]})
    assert r.status_code == 200
    themes = next(m for m in r.get_json()["messages"] if m["type"] == "choices")
    assert "证件办理" in {o["label"] for o in themes["options"]}
    stale = c.post("/api/mp/chat", json={"choice_id": guide["id"]})     # no longer offered
    assert stale.status_code == 400 and stale.get_json()["field"] == "choice_id"


@pytest.mark.parametrize("body", [{}, {"text": "a", "choice_id": "b"}, {"text": "   "}, {"text": 5}])
def test_chat_bad_input_is_400(citizen, body):
    assert citizen("oChatBad").post("/api/mp/chat", json=body).status_code == 400
