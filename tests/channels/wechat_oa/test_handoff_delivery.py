"""Messages that are not answers (a human agent's, during a handoff) reach the citizen: over
WeChat as customer-service messages, or with the citizen's next reply when WeChat will not take
one; over the mini-program with the next chat answer. And while a person handles the
conversation the bot has nothing to say: WeChat gets `success`, never an empty Content."""
from __future__ import annotations

import pytest

from app import create_app
from bot.core.messages import Text
from bot.runtime import build_runtime
from handlers.ratings import rating_prompt
from tests.fixtures.wechat import FakeDispatcher, settings_for
from tests.channels.test_miniprogram import login
from tests.fixtures.wx import text_fields

TAKEN = "工作人员已接入，请直接描述您的问题。"


def handoff_dispatcher(desk_of):
    """A dispatcher that hands over on "转人工" and stays quiet while a person handles it."""
    def answer(incoming):
        desk = desk_of()
        state = desk.state_of(incoming.user_key)
        if state.in_handoff:
            desk.note_citizen_message(incoming.user_key, state.ticket, incoming.text or "")
            return []
        if incoming.text == "转人工":
            desk.open(incoming.user_key, [])
            return [Text("正在为您转接人工服务，请稍候。")]
        return [Text(f"echo:{incoming.text}")]
    return FakeDispatcher(answer=answer)


@pytest.fixture
def happ(make_app):
    holder = {}
    wapp = make_app(dispatcher=handoff_dispatcher(lambda: holder["desk"]), services=True)
    holder["desk"] = wapp.runtime.services.handoff
    wapp.desk = holder["desk"]
    return wapp


def _custom_texts(sim) -> list[str]:
    return [m["body"]["text"]["content"] for m in sim.received("custom")]


def test_agent_messages_reach_the_citizen_as_customer_service_messages(happ, sim):
    openid = "oHandoff_1"
    assert "转接人工" in happ.wx.reply_fields(happ.send(text_fields("转人工", openid=openid)))["Content"]
    # An agent takes the conversation and writes (the desk the console and the agent API both use).
    ticket = happ.desk.take_next("A07")["ticket"]
    assert happ.desk.agent_says(ticket, "A07", "您好，请问有什么可以帮您？")
    happ.run_jobs(until=lambda: len(sim.received("custom")) >= 2)
    assert _custom_texts(sim) == [TAKEN, "【人工客服】您好，请问有什么可以帮您？"]
    assert {m["body"]["touser"] for m in sim.received("custom")} == {openid}
    # The citizen answers the agent: the bot has nothing to say, and WeChat hears `success`.
    r = happ.send(text_fields("我的公积金提取不了", openid=openid))
    assert (r.status_code, r.data) == (200, b"success")
    # The agent closes: the closing words and the rating prompt arrive too.
    happ.desk.close_by_agent(ticket, [Text("工作人员已结束本次人工服务。"), rating_prompt("请为本次服务评价：")])
    happ.run_jobs(until=lambda: len(sim.received("custom")) >= 3)
    closing = _custom_texts(sim)[2]
    assert closing.startswith("工作人员已结束本次人工服务。") and "请为本次服务评价：\n1. " in closing


def test_agent_messages_wechat_will_not_take_come_with_the_citizens_next_reply(happ, sim):
    openid = "oHandoff_2"
    # The conversation was handed over long ago: no customer-service window is open any more.
    happ.desk.open(f"wechat_oa:{openid}", [])
    ticket = happ.desk.take_next("A07")["ticket"]
    happ.desk.agent_says(ticket, "A07", "请问您要咨询哪项业务？")
    happ.run_jobs(until=lambda: happ.late.jobs.waiting()["stream"] == 0)
    assert sim.received("custom") == []                     # WeChat was not even asked
    r = happ.send(text_fields("公积金", openid=openid))      # during the handoff: no answer of the bot's
    assert r.status_code == 200
    assert happ.wx.reply_fields(r)["Content"] == f"{TAKEN}\n\n【人工客服】请问您要咨询哪项业务？"
    # Shown once.
    r = happ.send(text_fields("在吗", openid=openid))
    assert r.data == b"success"


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_nothing_to_say_is_success_never_an_empty_content(make_app, mode):
    wapp = make_app(dispatcher=FakeDispatcher(answer=lambda _i: []), message_mode=mode)
    push = wapp.wx.push(text_fields("在吗"), encrypted=mode == "safe")
    r = wapp.wx.send(wapp.client, push)
    assert (r.status_code, r.data) == (200, b"success")
    assert wapp.wx.send(wapp.client, push).data == b"success"        # and WeChat's retry: the same
    assert len(wapp.dispatcher.calls) == 1


def test_the_mini_program_gets_waiting_messages_with_its_next_answer(redis_hub, sim):
    # The real dispatcher: it alone drains the Outbox, and puts what waited before its answer
    # (while a person handles the conversation its own answer is empty: no NLU, no backend).
    runtime = build_runtime(settings_for(redis_hub))
    client = create_app(runtime=runtime).test_client()
    token = login(client, "sandbox:oMpHandoff_1").get_json()["token"]
    desk = runtime.services.handoff
    desk.open("miniprogram:oMpHandoff_1", [])
    ticket = desk.take_next("A07")["ticket"]
    desk.agent_says(ticket, "A07", "请稍等，我帮您查一下。")
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/mp/chat", json={"text": "好的"}, headers=auth)
    assert r.get_json() == {"messages": [{"type": "text", "text": TAKEN},
                                         {"type": "text", "text": "【人工客服】请稍等，我帮您查一下。"}]}
    assert client.post("/api/mp/chat", json={"text": "在吗"}, headers=auth).get_json() == {"messages": []}
