"""我的授权 in the chat of both channels, through the real stack: a signed Official Account push
(WeChat's webhook, Rasa, the dispatcher) and the mini-program's /api/mp/chat; the partner's calls
are allowed once the citizen granted in the chat and refused once they revoked there."""
from __future__ import annotations

import re

from tests.fixtures.wx import FakeWeChat, text_fields
from tests.web.conftest import WANG
from tests.web.partners import world, world_factory  # noqa: F401 (fixtures)

WECHAT = FakeWeChat()
ALL = ["catalogue:read", "status:read", "ledger:read"]


def say(client, text: str, openid: str) -> str:
    response = WECHAT.send(client, WECHAT.push(text_fields(text, openid=openid)))
    assert response.status_code == 200
    return WECHAT.reply_fields(response).get("Content", "")


def number_of(reply: str, label_start: str) -> str:
    """The number a citizen types to pick the option whose label starts so."""
    found = re.search(rf"^(\d+)\. {re.escape(label_start)}", reply, flags=re.M)
    assert found, f"{label_start!r} is not offered in: {reply}"
    return found.group(1)


def bind_in_oa(client, openid: str) -> None:
    for step in ("我要实名认证", WANG[0], WANG[1]):
        say(client, step, openid)
    assert "绑定" in say(client, "123456", openid)


def test_grant_in_the_official_account_then_revoke_there(world):
    client, openid = world.app.test_client(), "oConsentOA"
    hospital = world.partner("oa-hospital", ALL)
    bind_in_oa(client, openid)
    asked = hospital.ask_consent(purpose="预约挂号时核对您的办事记录")
    ledger = f"/consents/{asked['consent_id']}/ledger"

    listing = say(client, "我的授权", openid)
    assert "没有向任何合作方授权" in listing
    assert "请输入" in say(client, number_of(listing, "填写合作方给的授权码"), openid)
    shown = say(client, asked["code"], openid)
    assert "oa-hospital" in shown and "预约挂号时核对您的办事记录" in shown and "30 天" in shown
    assert hospital.get(ledger).get_json()["code"] == "CONSENT_REQUESTED"     # not before the answer
    assert "已授权" in say(client, number_of(shown, "同意授权"), openid)
    assert hospital.get(ledger).status_code == 200

    listing = say(client, "我的授权", openid)
    assert "oa-hospital" in listing and "预约挂号时核对您的办事记录" in listing and WANG[1] not in listing
    assert "已撤销" in say(client, number_of(listing, "撤销第1项"), openid)
    r = hospital.get(ledger)
    assert r.status_code == 403 and r.get_json()["code"] == "CONSENT_REVOKED"
    assert "没有向任何合作方授权" in say(client, "我的授权", openid)


def test_refusing_in_the_chat_and_a_wrong_code(world):
    client, openid = world.app.test_client(), "oConsentRefuse"
    hospital = world.partner("oa-refused", ALL)
    bind_in_oa(client, openid)
    asked = hospital.ask_consent()
    assert "请输入" in say(client, "授权码", openid)
    assert "不正确或已过期" in say(client, "ABCD2345", openid)
    say(client, "授权码", openid)
    shown = say(client, asked["code"].lower(), openid)
    assert "已拒绝" in say(client, number_of(shown, "拒绝"), openid)
    assert hospital.get(f"/consents/{asked['consent_id']}/ledger").get_json()["code"] == "CONSENT_REFUSED"


def test_an_unbound_citizen_binds_first(world):
    client, openid = world.app.test_client(), "oConsentUnbound"
    reply = say(client, "我的授权", openid)
    assert "姓名" in reply                       # the identity gate asks for the name first
    say(client, WANG[0], openid)
    say(client, WANG[1], openid)
    assert "没有向任何合作方授权" in say(client, "123456", openid)     # and the request resumes


def test_granted_in_the_official_account_listed_and_revoked_in_the_mini_programs_chat(world):
    client, openid = world.app.test_client(), "oConsentBoth"
    hospital = world.partner("both-channels", ALL)
    bind_in_oa(client, openid)
    asked = hospital.ask_consent()
    say(client, "授权码", openid)
    shown = say(client, asked["code"], openid)
    say(client, number_of(shown, "同意授权"), openid)
    assert hospital.get(f"/consents/{asked['consent_id']}/ledger").status_code == 200

    mp = world.citizen("oConsentBothMp")          # the same citizen (王建国), bound in the mini-program
    listed = mp.post("/api/mp/chat", json={"text": "我的授权"}).get_json()["messages"]
    choices = [m for m in listed if m["type"] == "choices"][-1]
    assert "both-channels" in choices["prompt"]
    revoke = next(o for o in choices["options"] if o["label"].startswith("撤销第1项"))
    said = mp.post("/api/mp/chat", json={"choice_id": revoke["id"]}).get_json()["messages"]
    assert "已撤销" in said[0]["text"]
    r = hospital.get(f"/consents/{asked['consent_id']}/ledger")
    assert r.status_code == 403 and r.get_json()["code"] == "CONSENT_REVOKED"
    assert mp.get("/api/mp/consents").get_json()["consents"] == []
