"""Point 3 — only one's own records: someone else's ID number is refused without
querying anything; someone else's application number answers exactly like one
that does not exist; ID and phone numbers are masked in replies and absent from logs."""
import logging

from bot.core.privacy import ID_LIKE, PHONE
from tests.fixtures.chat import LI, WANG


def test_someone_elses_id_number_is_refused_without_querying(talk, sandbox):
    c = talk()
    c.bind(WANG)
    before = {b: sandbox.stats(b)["requests"] for b in ("housing_fund", "social_insurance", "identity")}
    reply = c.say(f"帮我查一下{LI[1]}的公积金余额")
    assert "只能查询您本人" in reply and LI[1] not in reply
    assert {b: sandbox.stats(b)["requests"] for b in before} == before


def test_an_unbound_citizen_typing_an_id_must_bind_first(talk, sandbox):
    c = talk()
    before = sandbox.stats("housing_fund")["requests"]
    reply = c.say(f"查{LI[1]}的公积金")
    # Nothing is queried: the number goes only to the binding form, which checks it against the
    # name and an SMS code sent to the phone on file for it (issue 12: the citizen's own number
    # given with the question is not asked for again).
    assert "核实您的身份" in reply and "姓名" in reply
    assert sandbox.stats("housing_fund")["requests"] == before


def test_someone_elses_application_number_is_like_a_missing_one(talk):
    c = talk()
    c.bind(WANG)
    li_s = c.say("CJ20261020000456")           # 李芳's endorsement
    nobody = c.say("CJ20261020999999")          # no such application
    assert li_s == nobody and "没有查到" in li_s
    assert c.say("QY20261105000789") == c.say("QY20261105999999")   # 刘洋's business registration


def test_numbers_are_masked_in_every_reply_and_absent_from_logs(talk, caplog):
    caplog.set_level(logging.DEBUG)
    c = talk()
    c.bind(WANG)
    c.say("公积金余额")
    c.say("我要投诉")
    c.say("工地半夜施工太吵了，我手机13880000009，身份证510104198506122310")
    c.say("锦江区东大街")
    c.say("每天晚上")
    c.say("13880000009")
    c.say("确认")
    everything = "\n".join(reply for _, reply in c.transcript)
    assert not PHONE.search(everything)
    assert not ID_LIKE.search(everything)
    assert "138****0009" in everything and "510***********2310" in everything
    logged = caplog.text + "".join(str(r.msg) for r in caplog.records)
    assert "13880000009" not in logged and WANG[1] not in logged and "13880000001" not in logged


def test_a_stray_mistyped_id_number_is_pointed_out(talk):
    chat = talk()
    reply = chat.say("我的身份证是510104198506122311")
    assert "校验不通过" in reply
    assert "510104198506122311" not in reply


def test_a_bound_citizen_sending_their_id_number_is_not_asked_to_bind_again(talk):
    chat = talk()
    chat.bind(WANG)
    reply = chat.say(WANG[1])
    assert "已完成实名认证" in reply and "需要先实名认证" not in reply
    assert WANG[1] not in reply
