"""The agents' HTTP surface (bot/web/agent.py) on a runtime with the keyword NLU."""
import base64
import datetime as dt
import uuid

import pytest
from flask import Flask

from bot.core.messages import Choices, Text
from bot.web import agent
from tests.fixtures.chat import CST, WANG, Chat
from tests.fixtures.console import NEW_PASSWORD as PASSWORD



def basic(name: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def account(runtime, role: str = "agent", department: str | None = None) -> tuple[str, dict]:
    """A console account whose one-time password is changed, and its request headers."""
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    otp = runtime.records.accounts.create(name, role, department)
    runtime.records.accounts.change_password(name, otp, PASSWORD)
    return name, basic(name, PASSWORD)


@pytest.fixture
def client(fake_runtime):
    app = Flask(__name__)
    app.extensions["runtime"] = fake_runtime
    app.register_blueprint(agent.bp)
    return app.test_client()


@pytest.fixture
def KEY(fake_runtime):
    """An agent's own credentials (the name says what the tests below used to send)."""
    return account(fake_runtime)[1]


def test_a_persons_own_account_is_required(client, fake_runtime):
    r = client.get("/api/agent/queue")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/api/agent/queue", headers={"X-Api-Key": "sandbox-admin-key"}).status_code == 401  # no shared key
    name, headers = account(fake_runtime)
    assert client.get("/api/agent/queue", headers=basic(name, "wrong")).status_code == 401
    assert client.get("/api/agent/queue", headers=headers).json == {"waiting": 0}


def test_the_consoles_rules_hold_lock_out_one_time_password_and_roles(client, fake_runtime):
    name, headers = account(fake_runtime)
    for _ in range(5):
        assert client.get("/api/agent/queue", headers=basic(name, "wrong")).status_code == 401
    r = client.get("/api/agent/queue", headers=headers)          # locked now, even with the right one
    assert r.status_code == 401 and "锁定" in r.json["error"]
    fresh = f"new-{uuid.uuid4().hex[:6]}"
    otp = fake_runtime.records.accounts.create(fresh, "agent")
    r = client.get("/api/agent/queue", headers=basic(fresh, otp))
    assert r.status_code == 403 and "/console/password" in r.json["error"]
    _, department = account(fake_runtime, "department", "教育局")
    assert client.get("/api/agent/queue", headers=department).status_code == 403
    _, agent = account(fake_runtime)
    _, office = account(fake_runtime, "office")
    assert client.get("/api/agent/ratings", headers=agent).status_code == 403
    assert client.get("/api/agent/ratings", headers=office).status_code == 200


def test_the_agent_is_the_account_whatever_the_body_says(client, fake_runtime, travel):
    travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST))
    Chat(fake_runtime).say("转人工")
    name, headers = account(fake_runtime)
    taken = client.post("/api/agent/next", json={"agent": "someone-else"}, headers=headers).json
    assert taken["ticket"]["agent"] == name


def test_take_talk_and_close_a_conversation(client, fake_runtime, travel, KEY):
    travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=CST))
    citizen = Chat(fake_runtime)
    pushed = []   # the channel's push sender, as the WeChat channel registers one
    fake_runtime.services.outbox.register("test", lambda user_id, replies: pushed.extend(
        (user_id, r) for r in replies))
    citizen.say("投诉楼下烧烤摊，我电话13880000009")
    citizen.say("转人工")
    assert client.get("/api/agent/queue", headers=KEY).json == {"waiting": 1}

    taken = client.post("/api/agent/next", json={"agent": "A07"}, headers=KEY).json
    ticket = taken["ticket"]["ticket"]
    assert taken["ticket"]["channel"] == "test" and "user_key" not in taken["ticket"]
    texts = " ".join(line["text"] for line in taken["transcript"])
    assert "138****0009" in texts and "13880000009" not in texts

    assert citizen.send("我想问问进度") == []          # the bot stays quiet
    seen = client.get(f"/api/agent/conversations/{ticket}", headers=KEY).json["transcript"]
    assert seen[-1]["text"] == "我想问问进度"

    assert client.post(f"/api/agent/conversations/{ticket}/messages", json={"agent": "A07", "text": "您好，已记录"},
                       headers=KEY).json == {"sent": True}
    assert client.post(f"/api/agent/conversations/{ticket}/close", json={"agent": "A07"}, headers=KEY).json == {
        "closed": True}
    assert {user_id for user_id, _ in pushed} == {citizen.user_id}
    replies = [r for _, r in pushed]
    assert [getattr(r, "text", None) for r in replies][:2] == ["工作人员已接入，请直接描述您的问题。", "【人工客服】您好，已记录"]
    assert isinstance(replies[-1], Choices)               # the 好差评 prompt
    assert fake_runtime.services.outbox.drain(citizen.user_key) == []   # delivered, nothing left waiting
    assert "感谢您的评价" in citizen.say("1")            # answered by number, in the bot again
    ratings = client.get("/api/agent/ratings", headers=account(fake_runtime, "office")[1]).json["ratings"]
    assert ratings == [{"intent": "request_human", "department": "12345 热线办公室", "level": "非常满意", "count": 1}]
    assert client.post(f"/api/agent/conversations/{ticket}/messages", json={"agent": "A07", "text": "还在吗"},
                       headers=KEY).status_code == 409


def test_call_back_tasks_are_listed_and_closed(client, fake_runtime, KEY):
    citizen = Chat(fake_runtime)
    citizen.say("我要投诉")
    citizen.say("小区垃圾三天没人清运")
    citizen.say("双流区东升街道")
    citizen.say("这周")
    citizen.say("不留")
    citizen.say("确认")
    citizen.say("非常不满意")
    [task] = client.get("/api/agent/callbacks", headers=KEY).json["callbacks"]
    assert task["department"] == "城市管理和综合执法局" and task["reason"] == "bad_rating"
    assert client.post(f"/api/agent/callbacks/{task['id']}/close", json={"outcome": "已回访"}, headers=KEY).json == {
        "closed": True}
    assert client.get("/api/agent/callbacks", headers=KEY).json["callbacks"] == []


def test_a_call_back_task_says_what_and_how_to_reach_the_citizen(client, fake_runtime, KEY):
    citizen = Chat(fake_runtime)
    citizen.bind(WANG)
    citizen.say("公积金")
    citizen.say("非常不满意")
    citizen.say("13880000009")
    [task] = client.get("/api/agent/callbacks", headers=KEY).json["callbacks"]
    assert task["what"] == "公积金查询" and task["department"] == "住房公积金管理中心" and task["level"] == "非常不满意"
    assert task["served_at"] and task["order_no"].startswith("GD")       # the work order holds the phone
    assert task["phone_masked"] == "138****0009" and "13880000009" not in str(task)
    assert task["reachable_in_chat"] and "user_key" not in task
    # The department can also write to the citizen in the chat, without ever seeing the channel id.
    assert client.post(f"/api/agent/callbacks/{task['id']}/messages", json={"agent": "A07", "text": "您好，想了解一下情况"},
                       headers=KEY).json == {"sent": True}
    assert Text("【住房公积金管理中心回访】您好，想了解一下情况") in citizen.send("你好")
    assert client.post("/api/agent/callbacks/CB0/messages", json={"agent": "A07", "text": "x"},
                       headers=KEY).status_code == 404


def test_the_peoples_apis_are_rate_limited_per_account_name_before_the_password_is_checked(fake_runtime):
    from app import create_app
    fake_runtime.settings.extra["staff_api"]["limits"]["user"] = "3/minute"
    app = create_app(runtime=fake_runtime)
    client = app.test_client()
    name, headers = account(fake_runtime)
    assert [client.get("/api/agent/queue", headers=headers).status_code for _ in range(3)] == [200] * 3
    r = client.get("/api/agent/queue", headers=headers)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # Guessing another name's password is slowed the same way, on the staff API too.
    codes = [client.get("/api/staff/findings", headers=basic("someone.else", "guess")).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
