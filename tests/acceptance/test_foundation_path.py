"""The foundation's path end to end, through the real parts: a signed WeChat
message → channel → Rasa → dispatcher → handler → exit-entry adapter → sandbox
backend over HTTP → passive reply."""
import hashlib
import time

import pytest

from app import create_app
from bot.runtime import build_runtime
from bot.core.settings import load_settings
from tests.fixtures.stack import stack_overrides
from tests.fixtures.wx import FakeWeChat, text_fields

WECHAT = FakeWeChat()


@pytest.fixture
def client(stack_app):
    return stack_app.test_client()


def say(client, text: str, openid: str = "oFoundation1") -> str:
    response = WECHAT.send(client, WECHAT.push(text_fields(text, openid=openid)))
    assert response.status_code == 200
    return WECHAT.reply_fields(response).get("Content", "")


def test_url_verification_answers_the_echostr(client):
    ts, nonce = str(int(time.time())), "1514711492"
    sig = hashlib.sha1("".join(sorted(["sandbox-token", ts, nonce])).encode()).hexdigest()
    r = client.get(f"/wechat?signature={sig}&timestamp={ts}&nonce={nonce}&echostr=4375120948345356249")
    assert r.status_code == 200 and r.data == b"4375120948345356249"
    bad = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    assert client.get(f"/wechat?signature={bad}&timestamp={ts}&nonce={nonce}&echostr=x").status_code == 403


def test_bad_signature_on_a_message_is_403(client):
    push = WECHAT.push(text_fields("你好"), signature="0" * 40)
    assert WECHAT.send(client, push).status_code == 403


def test_endorsement_status_after_verifying_identity(client):
    # Personal data needs a verified identity first; the question is answered afterwards.
    assert "姓名" in say(client, "CJ20261101000123 这个签注办到哪了")
    assert "身份证" in say(client, "王建国")
    sent = say(client, "510104198506122310")
    assert "138****0001" in sent and "13880000001" not in sent
    answer = say(client, "123456")
    assert "审批中" in answer and "CJ20261101000123" in answer
    assert "510104198506122310" not in answer
    # Bound now: the next question is answered at once.
    again = say(client, "帮我查下CJ20261101000123的进度")
    assert "审批中" in again


def test_someone_elses_application_number_answers_like_a_missing_one(client):
    for step in ("我要实名认证", "王建国", "510104198506122310", "123456"):
        say(client, step, openid="oFoundation2")
    others = say(client, "CJ20261020000456 办到哪了", openid="oFoundation2")     # 李芳's
    missing = say(client, "CJ20261020999999 办到哪了", openid="oFoundation2")    # nobody's
    assert "已制证" not in others and "武侯区出入境" not in others
    assert others == missing


def test_wrong_check_character_is_refused_before_any_query(client, sandbox):
    before = sandbox.stats("identity")
    say(client, "我要实名认证", openid="oFoundation3")
    say(client, "王建国", openid="oFoundation3")
    reply = say(client, "510104198506122311", openid="oFoundation3")
    assert "校验" in reply or "核对" in reply
    assert sandbox.stats("identity") == before


def test_unknown_text_gets_a_helpful_reply(client):
    reply = say(client, "啊啊啊吧啦吧啦 ¥#@ 呜呜呜", openid="oFoundation4")
    assert reply and "1." in reply   # the numbered menu of services, not an error


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["ready"] is True
    assert ready.json["checks"]["redis"] and ready.json["checks"]["nlu"]
    assert "backend:exit_entry" in ready.json["checks"]


def test_own_parse_endpoint_returns_rasas_shape(client):
    r = client.post("/api/nlu/parse", json={"text": "ＣＪ２０２６１１０１０００１２３ 这个签注办到哪了"})
    assert r.status_code == 200
    body = r.json
    assert set(body) >= {"text", "intent", "entities", "intent_ranking"}
    assert body["text"].startswith("CJ20261101000123")
    assert {"entity": "application_no", "value": "CJ20261101000123"}.items() <= next(
        e for e in body["entities"] if e["entity"] == "application_no").items()
    # Not for the outside world without the admin key.
    assert client.post("/api/nlu/parse", json={"text": "x"},
                       headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert client.post("/api/nlu/parse", json={"text": "x"},
                       headers={"X-Real-IP": "203.0.113.9"}).status_code == 403
    assert client.post("/api/nlu/parse", json={"text": "x"}, headers={
        "X-Forwarded-For": "203.0.113.9", "X-Api-Key": "sandbox-nlu-key"}).status_code == 200
    assert client.post("/api/nlu/parse", json={"text": "x"}, headers={   # a person's key is no machine's
        "X-Forwarded-For": "203.0.113.9", "X-Api-Key": "sandbox-admin-key"}).status_code == 403
    assert client.post("/api/nlu/parse", data="not json").status_code == 400


def test_nlu_outage_degrades_to_a_numbered_menu(redis_hub, rasa_server, sandbox, sandbox_clean):
    settings = load_settings(env={}, overrides=stack_overrides(
        redis_hub, rasa_server, sandbox, {"nlu.url": "http://127.0.0.1:9", "nlu.timeout_s": 0.3}))
    app = create_app(runtime=build_runtime(settings))
    client = app.test_client()
    menu = say(client, "公积金余额", openid="oFoundation5")
    assert "暂时" in menu and "1." in menu
    number = next(line.split(".")[0] for line in menu.splitlines() if "公积金" in line)
    follow = say(client, number, openid="oFoundation5")   # the menu works without NLU
    assert "姓名" in follow or "身份" in follow
