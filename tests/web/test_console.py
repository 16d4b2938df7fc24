"""The operators' console over HTTP: logins, the one-time password, CSRF, roles and a department's
scope, the handoff desk, call-backs, labelling fallbacks, the audit search. (The browser tests are
in tests/console/.)"""
import datetime as dt

import yaml

from bot.core import access
from tests.fixtures.chat import CST, LI, WANG, Chat
from tests.fixtures.console import NEW_PASSWORD, Operator


def test_a_stranger_is_sent_to_the_login_page(console_app):
    client = console_app.test_client()
    for page in ("/console/", "/console/desk", "/console/audit", "/console/fallbacks"):
        r = client.get(page)
        assert r.status_code == 302 and r.headers["Location"].startswith("/console/login")


def test_a_one_time_password_must_be_changed_before_anything_else(console_app, fake_runtime):
    otp = fake_runtime.records.accounts.create("first.login", "office")
    who = Operator(console_app, "first.login", otp)
    assert who.login().headers["Location"] == "/console/password"
    assert who.get("/console/fallbacks").headers["Location"] == "/console/password"
    r = who.post("/console/password", {"old": otp, "new": "short", "again": "short"}, form_page="/console/password")
    assert "至少" in r.get_data(as_text=True)
    r = who.post("/console/password", {"old": otp, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
                 form_page="/console/password")
    assert r.status_code == 302 and who.get("/console/").status_code == 302     # logged out: log in again
    assert who.login(otp).status_code == 401
    assert who.login(NEW_PASSWORD).status_code == 302
    assert who.get("/console/fallbacks").status_code == 200


def test_changing_the_password_ends_the_accounts_other_sessions(console_app, operator):
    a = operator("office")
    b = Operator(console_app, a.name, a.password)
    assert b.login().status_code == 302 and b.get("/console/fallbacks").status_code == 200
    r = a.post("/console/password", {"old": a.password, "new": NEW_PASSWORD + "x", "again": NEW_PASSWORD + "x"},
               form_page="/console/password")
    assert r.status_code == 302
    r = b.get("/console/fallbacks")
    assert r.status_code == 302 and r.headers["Location"].startswith("/console/login")
    assert b.login(NEW_PASSWORD + "x").status_code == 302          # a new login works again
    assert b.get("/console/fallbacks").status_code == 200


def test_a_nul_character_in_any_value_is_refused_with_a_clear_400(console_app, operator):
    admin = operator("admin")
    for r in (admin.get("/console/fallbacks?department=a%00b"),
              admin.get("/console/audit?x%00=1"),
              admin.post("/console/audit", {"account": "some\x00one"}, form_page="/console/audit"),
              Operator(console_app, "no\x00body", "whatever-pass").login()):
        assert r.status_code == 400 and "NUL" in r.get_data(as_text=True)
    assert admin.get("/console/fallbacks").status_code == 200      # the session goes on


def test_a_wrong_password_is_refused_and_repeated_ones_lock_the_account(console_app, fake_runtime):
    otp = fake_runtime.records.accounts.create("locked.out", "agent")
    who = Operator(console_app, "locked.out", otp)
    for _ in range(5):
        assert who.login("wrong").status_code == 401
    r = who.login(otp)
    assert r.status_code == 401 and "锁定" in r.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(operator):
    office = operator("office")
    r = office.client.post("/console/fallbacks/label", data={"key": "x", "intent": "greet"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    r = office.client.post("/console/logout")
    assert r.status_code == 400
    assert office.get("/console/").status_code == 200          # still logged in
    # And the login form itself.
    assert console_app_login_without_token(office) == 400


def console_app_login_without_token(who):
    fresh = who.client.application.test_client()
    return fresh.post("/console/login", data={"name": who.name, "password": who.password}).status_code


def test_roles_open_their_own_pages_only(operator):
    agent, dept, admin = operator("agent"), operator("department", "教育局"), operator("admin")
    assert agent.get("/console/desk").status_code == 200
    assert agent.get("/console/audit").status_code == 403
    assert agent.get("/console/fallbacks").status_code == 403
    assert agent.get("/console/ratings").status_code == 403      # ratings belong to departments and the office
    assert agent.get("/console/workorders").status_code == 403
    assert dept.get("/console/desk").status_code == 403
    assert dept.get("/console/accounts").status_code == 403
    assert admin.get("/console/accounts").status_code == 200
    settings = admin.get("/console/settings").get_data(as_text=True)
    assert "生态环境局" in settings and "sandbox-admin-key" not in settings
    assert agent.get("/console/settings").status_code == 403


def test_a_session_ends_after_its_idle_timeout(operator, fake_runtime, redis_hub):
    agent = operator("agent")
    assert agent.get("/console/desk").status_code == 200
    for key in redis_hub.text.scan_iter(redis_hub.key("console", "session", "*")):
        redis_hub.text.delete(key)          # what the expiry does after console.idle_timeout_s
    assert agent.get("/console/desk").status_code == 302


def test_the_handoff_desk_takes_a_conversation_replies_and_hands_it_back(operator, fake_runtime, travel):
    travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST))          # a Friday morning: agents answer
    citizen = Chat(fake_runtime)
    pushed = []   # the channel's push sender, as the WeChat channel registers one
    fake_runtime.services.outbox.register("test", lambda user_id, replies: pushed.extend(replies))
    citizen.say("转人工")
    agent = operator("agent")
    page = agent.get("/console/desk").get_data(as_text=True)
    assert 'id="queue"' in page
    r = agent.post("/console/desk/take", form_page="/console/desk")
    ticket_page = r.headers["Location"]
    assert ticket_page.startswith("/console/desk/")
    citizen.say("我的电话是13880000009，想问社保转移")
    page = agent.get(ticket_page).get_data(as_text=True)
    assert "138****0009" in page and "13880000009" not in page
    agent.post(ticket_page + "/reply", {"text": "您好，请问转出地是哪里？"}, form_page=ticket_page)
    assert "【人工客服】您好，请问转出地是哪里？" in _texts(pushed)
    r = agent.post(ticket_page + "/hand-back", form_page=ticket_page)
    assert r.status_code == 302 and "请为本次服务评价" in "".join(_texts(pushed))
    # Another agent cannot open someone else's conversation.
    assert operator("agent").get(ticket_page).status_code in (403, 404)


def _texts(replies):
    from bot.core.messages import to_plain_text
    return [to_plain_text(r) for r in replies]


def test_a_department_sees_its_own_call_backs_and_ratings_only(operator, fake_runtime):
    citizen = Chat(fake_runtime)
    citizen.bind(WANG)
    citizen.say("公积金")
    citizen.say("非常不满意")
    citizen.say("不留")
    mine, other = operator("department", "住房公积金管理中心"), operator("department", "教育局")
    assert "公积金查询" in mine.get("/console/callbacks").get_data(as_text=True)
    assert "公积金查询" not in other.get("/console/callbacks").get_data(as_text=True)
    assert "query_housing_fund" in mine.get("/console/ratings").get_data(as_text=True)
    page = other.get("/console/ratings?department=住房公积金管理中心").get_data(as_text=True)
    assert "query_housing_fund" not in page
    [task] = [t for t in fake_runtime.services.callbacks.open_tasks() if t["department"] == "住房公积金管理中心"]
    assert other.post(f"/console/callbacks/{task['id']}/close", {"outcome": "x"}).status_code == 403
    assert mine.post(f"/console/callbacks/{task['id']}/close", {"outcome": "已电话回访"}).status_code == 302
    assert "已电话回访" in mine.get("/console/callbacks").get_data(as_text=True)


def test_fallbacks_are_labelled_and_exported_as_rasa_nlu_yaml(operator, fake_runtime):
    Chat(fake_runtime).say("我家的猫走丢了快帮我找找看")
    Chat(fake_runtime).say("我家的猫走丢了，快帮我找找看！")
    office = operator("office")
    page = office.get("/console/fallbacks").get_data(as_text=True)
    assert "我家的猫走丢了" in page
    [key] = [g["key"] for g in fake_runtime.records.kept.by_frequency() if "猫走丢" in g["text"]]
    assert office.post("/console/fallbacks/label", {"key": key, "intent": "no_such_intent"}).status_code == 400
    assert office.post("/console/fallbacks/label", {"key": key, "intent": "request_human"}).status_code == 302
    doc = yaml.safe_load(office.get("/console/fallbacks/export.yml").get_data(as_text=True))
    [entry] = [e for e in doc["nlu"] if e["intent"] == "request_human"]
    assert "猫走丢" in entry["examples"]


def test_the_admin_searches_the_audit_by_citizen_and_by_account(operator, fake_runtime):
    citizen = Chat(fake_runtime)
    citizen.bind(LI)
    citizen.say("公积金")
    with access.reading_as(access.Reader("account:someone", "agent", "agent_view")):
        fake_runtime.adapters.housing_fund.account(WANG[1])
    admin = operator("admin")
    page = admin.post("/console/audit", {"citizen": LI[1]}, form_page="/console/audit").get_data(as_text=True)
    assert "housing_fund" in page and "市民本人查询" in page and LI[1] not in page
    assert "按市民查询" in page
    page = admin.post("/console/audit", {"account": "someone"}, form_page="/console/audit").get_data(as_text=True)
    assert "account:someone" in page and WANG[1] not in page
    # The ID number is never taken from the URL (it would stay in histories and logs).
    assert "按市民查询" not in admin.get(f"/console/audit?citizen={LI[1]}").get_data(as_text=True)
    assert admin.client.post("/console/audit", data={"citizen": LI[1]}).status_code == 400   # no CSRF token
    # A department sees only reads made for its own department.
    dept = operator("department", "教育局")
    page = dept.post("/console/audit", {"account": "someone"}, form_page="/console/audit").get_data(as_text=True)
    assert "account:someone" not in page


# -- point 3: work orders --------------------------------------------------------------------------------
def _file(runtime, department="生态环境局", topic="noise", district="武侯区", id_number=None):
    import uuid
    return runtime.adapters.workorders.create(topic=topic, department=department, content="夜间施工噪音，电话13880000009",
                                              district=district, contact_phone="13880000009", id_number=id_number,
                                              idempotency_key=uuid.uuid4().hex)


def _audited_since(runtime, since_id: int) -> list[dict]:
    return [r for r in reversed(runtime.records.audit.search(limit=1000)) if r["id"] > since_id]


def _last_audit_id(runtime) -> int:
    newest = runtime.records.audit.search(limit=1)
    return newest[0]["id"] if newest else 0


def test_a_department_opening_a_citizens_order_leaves_one_audit_record_of_its_read(operator, fake_runtime):
    from bot.core.privacy import pseudonym
    signed, anonymous = _file(fake_runtime, id_number=WANG[1]), _file(fake_runtime)
    dept = operator("department", "生态环境局")
    before = _last_audit_id(fake_runtime)
    page = dept.get(f"/console/workorders/{signed.order_no}").get_data(as_text=True)
    assert signed.order_no in page and WANG[1] not in page
    records = _audited_since(fake_runtime, before)
    assert [(r["backend"], r["operation"], r["actor"], r["actor_role"], r["purpose"], r["department"])
            for r in records] == [("workorders", "staff_order", f"account:{dept.name}", "department",
                                   "department_order", "生态环境局")]
    assert records[0]["citizen"] == pseudonym("id_number", WANG[1])
    # An anonymous filing names no citizen: nobody's records are read.
    before = _last_audit_id(fake_runtime)
    assert dept.get(f"/console/workorders/{anonymous.order_no}").status_code == 200
    assert _audited_since(fake_runtime, before) == []


def test_a_list_of_orders_leaves_one_record_per_citizens_order_shown(operator, fake_runtime):
    from bot.core.privacy import pseudonym
    mine = [_file(fake_runtime, district="金牛区", id_number=WANG[1]), _file(fake_runtime, district="金牛区", id_number=LI[1])]
    _file(fake_runtime, district="金牛区")
    office = operator("office")
    before = _last_audit_id(fake_runtime)
    page = office.get("/console/workorders?district=金牛区").get_data(as_text=True)
    assert all(o.order_no in page for o in mine)
    records = _audited_since(fake_runtime, before)
    shown = {pseudonym("id_number", WANG[1]), pseudonym("id_number", LI[1])}
    assert shown <= {r["citizen"] for r in records}
    assert {(r["operation"], r["purpose"], r["actor"]) for r in records} == {
        ("staff_orders", "office_review", f"account:{office.name}")}
    # One per citizen's order shown (the seeded orders of 金牛区 included), none for the anonymous one.
    signed_shown = [o for o in fake_runtime.adapters.workorders.staff_orders() if o.district == "金牛区" and o.citizen_id]
    assert len(records) == len(signed_shown)
    # A department's audit search finds its own reads, not the office's.
    dept = operator("department", "生态环境局")
    dept.get(f"/console/workorders/{mine[0].order_no}")
    found = dept.post("/console/audit", {}, form_page="/console/audit").get_data(as_text=True)
    assert f"account:{dept.name}" in found and f"account:{office.name}" not in found


def test_a_department_sees_its_own_orders_and_gets_403_for_another_departments(operator, fake_runtime):
    ours, theirs = _file(fake_runtime), _file(fake_runtime, department="教育局", topic="education")
    dept = operator("department", "生态环境局")
    page = dept.get("/console/workorders?department=教育局").get_data(as_text=True)
    assert ours.order_no in page and theirs.order_no not in page
    assert dept.get(f"/console/workorders/{ours.order_no}").status_code == 200
    assert dept.get(f"/console/workorders/{theirs.order_no}").status_code == 403
    assert dept.post(f"/console/workorders/{ours.order_no}/transfer", {"department": "教育局"}).status_code == 403
    assert "13880000009" not in dept.get(f"/console/workorders/{ours.order_no}").get_data(as_text=True)


def test_the_office_filters_transfers_and_merges(operator, fake_runtime):
    order, dup = _file(fake_runtime, district="青羊区"), _file(fake_runtime, district="青羊区")
    office = operator("office")
    page = office.get("/console/workorders?district=青羊区&topic=noise").get_data(as_text=True)
    assert order.order_no in page and dup.order_no in page
    assert order.order_no not in office.get("/console/workorders?district=武侯区").get_data(as_text=True)
    assert order.order_no not in office.get("/console/workorders?status=已办结").get_data(as_text=True)
    r = office.post(f"/console/workorders/{order.order_no}/transfer",
                    {"department": "城市管理和综合执法局", "reason": "扬尘"})
    assert r.status_code == 302
    page = office.get(f"/console/workorders/{order.order_no}").get_data(as_text=True)
    assert "城市管理和综合执法局" in page and "转办" in page
    office.post(f"/console/workorders/{dup.order_no}/merge", {"into": order.order_no})
    assert "已合并" in office.get(f"/console/workorders/{dup.order_no}").get_data(as_text=True)
    r = office.post(f"/console/workorders/{dup.order_no}/merge", {"into": order.order_no})
    assert "不能合并" in office.get(r.headers["Location"]).get_data(as_text=True)


def test_orders_past_their_topics_time_limit_stand_out(operator, fake_runtime, travel, sandbox):
    travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=CST))
    noise, wages = _file(fake_runtime, topic="noise"), _file(fake_runtime, topic="wages", department="人力资源和社会保障局")
    travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST))      # 4 days on: noise allows 3, wages 5
    office = operator("office")
    page = office.get("/console/workorders?overdue=1").get_data(as_text=True)
    assert noise.order_no in page and wages.order_no not in page
    assert "超期" in office.get(f"/console/workorders/{noise.order_no}").get_data(as_text=True)
    assert "超期" not in office.get(f"/console/workorders/{wages.order_no}").get_data(as_text=True)


# -- point 5: the dashboard -----------------------------------------------------------------------------
def test_the_dashboard_draws_its_charts_with_the_numbers_beside(operator, fake_runtime):
    import base64
    import re
    citizen = Chat(fake_runtime, channel="wechat_oa")
    citizen.say("我家的猫走丢了快帮我找找看")
    citizen.say("讲个笑话")
    office = operator("office")
    page = office.get("/console/dashboard").get_data(as_text=True)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 7
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    from bot.stores.turn_stats import TurnStats
    [day] = TurnStats(fake_runtime.hub).days(1)
    assert day["channels"]["wechat_oa"] == 2 and day["fallbacks"] >= 1
    assert "<td>wechat_oa</td>" not in page and "<th>wechat_oa</th>" in page
    assert "熔断器" in page and "closed" in page
    assert operator("agent").get("/console/dashboard").status_code == 403


def test_an_agent_viewing_a_citizens_matters_leaves_one_audit_record_per_backend(operator, fake_runtime, travel):
    travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST))
    citizen = Chat(fake_runtime)
    citizen.bind(WANG)
    citizen.say("转人工")
    agent = operator("agent")
    ticket_page = agent.post("/console/desk/take", form_page="/console/desk").headers["Location"]
    before = len(fake_runtime.records.audit.search(limit=10_000))
    page = agent.get(ticket_page + "/affairs").get_data(as_text=True)
    assert "港澳 个人旅游签注" in page and WANG[1] not in page
    mine = fake_runtime.records.audit.search(actor=f"account:{agent.name}")
    assert len(fake_runtime.records.audit.search(limit=10_000)) == before + len(mine)
    assert sorted(r["backend"] for r in mine) == sorted(a.name for a in fake_runtime.adapters.ledger_sources())
    assert {(r["actor_role"], r["purpose"]) for r in mine} == {("agent", "agent_view")}
