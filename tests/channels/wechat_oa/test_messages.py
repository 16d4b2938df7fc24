"""Every message and event type, in plaintext, compatible and safe mode (docs/wechat.md, WeChat's rules: messages and events)."""
from __future__ import annotations

import time

import pytest

from bot.channels.wechat_oa.render import MAX_CONTENT_BYTES, MORE_NOTE
from bot.conversation.words import MORE_WORDS
from bot.core.messages import Choice, Choices, Text
from tests.fixtures.wx import ACCOUNT, event_fields, next_msgid, text_fields


def base(msg_type: str, openid: str = "oUser_1", **extra) -> dict:
    return {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()), "MsgType": msg_type,
            **extra, "MsgId": next_msgid()}


def test_text_goes_to_the_dispatcher_and_the_reply_swaps_names(wapp):
    r = wapp.send(text_fields("公积金余额", openid="oCitizen_A"))
    assert r.status_code == 200
    reply = wapp.wx.reply_fields(r)
    assert reply["ToUserName"] == "oCitizen_A" and reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "text" and reply["CreateTime"].isdigit()
    assert reply["Content"] == "echo:公积金余额"
    (incoming,) = wapp.dispatcher.calls
    assert (incoming.channel, incoming.user_id, incoming.kind, incoming.text) == \
           ("wechat_oa", "oCitizen_A", "text", "公积金余额")


def test_voice_with_recognition_is_text(wapp):
    wapp.send(base("voice", MediaId="m1", Format="amr", Recognition="我想查社保"))
    (incoming,) = wapp.dispatcher.calls
    assert (incoming.kind, incoming.text) == ("voice", "我想查社保")


def test_voice_without_recognition_asks_to_type(wapp):
    r = wapp.send(base("voice", MediaId="m1", Format="amr"))
    assert "文字" in wapp.wx.reply_fields(r)["Content"]
    assert wapp.dispatcher.calls == []


def test_location_message_asks_for_nearby_halls(wapp):
    wapp.send(base("location", Location_X="30.657", Location_Y="104.066", Scale="15", Label="成都市武侯区天府大道"))
    (incoming,) = wapp.dispatcher.calls
    assert incoming.kind == "location" and incoming.intent == "nearby_halls"
    assert incoming.location == (30.657, 104.066)
    assert incoming.text == "成都市武侯区天府大道"


def test_location_out_of_range_is_refused(wapp):
    r = wapp.send(base("location", Location_X="930.6", Location_Y="104.0", Scale="15", Label="x"))
    assert r.status_code == 400 and wapp.dispatcher.calls == []


@pytest.mark.parametrize("msg_type,extra,kind", [
    ("image", {"PicUrl": "http://x/1.jpg", "MediaId": "m"}, "image"),
    ("link", {"Title": "t", "Description": "d", "Url": "https://example.org"}, "link"),
    ("video", {"MediaId": "m", "ThumbMediaId": "t"}, "video"),
    ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}, "video"),
])
def test_media_messages_reach_the_dispatcher_without_text(wapp, msg_type, extra, kind):
    r = wapp.send(base(msg_type, **extra))
    assert r.status_code == 200
    (incoming,) = wapp.dispatcher.calls
    assert incoming.kind == kind and incoming.text is None


def test_subscribe_welcomes_and_shows_what_it_can_do(wapp):
    r = wapp.send(event_fields("subscribe", EventKey=""))
    content = wapp.wx.reply_fields(r)["Content"]
    assert "感谢关注" in content and content.endswith("echo:greet")
    (incoming,) = wapp.dispatcher.calls
    assert incoming.kind == "event" and incoming.intent == "greet"


def test_subscribe_through_a_parametric_qr_code(wapp):
    wapp.send(event_fields("subscribe", EventKey="qrscene_query_housing_fund", Ticket="TICKET"))
    (incoming,) = wapp.dispatcher.calls
    assert incoming.intent == "query_housing_fund" and incoming.meta["scene"] == "query_housing_fund"


def test_scan_when_already_following(wapp):
    wapp.send(event_fields("SCAN", EventKey="12345", Ticket="TICKET"))
    (incoming,) = wapp.dispatcher.calls
    assert incoming.intent == "greet" and incoming.meta["scene"] == "12345"


def test_click_key_is_the_intent(wapp):
    r = wapp.send(event_fields("CLICK", EventKey="query_housing_fund"))
    assert wapp.wx.reply_fields(r)["Content"] == "echo:query_housing_fund"
    (incoming,) = wapp.dispatcher.calls
    assert incoming.kind == "event" and incoming.intent == "query_housing_fund" and incoming.text is None


def test_a_click_key_that_is_no_intent_of_ours_never_reaches_the_dispatcher(wapp):
    """An intent becomes a metrics label downstream: a made-up key (intent-shaped or not) stops here."""
    for key in ("made_up_intent", "query_housing_fund_" + "x" * 40):
        r = wapp.send(event_fields("CLICK", EventKey=key))
        assert (r.status_code, r.data) == (200, b"success")
    assert wapp.dispatcher.calls == []


@pytest.mark.parametrize("key, scene", [("made_up_intent", "made_up_intent"), ("x" * 200, ""),
                                        ("a b<c>", "")])
def test_a_scene_that_is_no_intent_of_ours_greets(wapp, key, scene):
    wapp.send(event_fields("SCAN", EventKey=key, Ticket="TICKET"))
    (incoming,) = wapp.dispatcher.calls
    assert incoming.intent == "greet" and incoming.meta["scene"] == scene


@pytest.mark.parametrize("fields", [
    event_fields("VIEW", EventKey="https://www.gov.cn/", MenuId="1"),
    event_fields("LOCATION", Latitude="30.6", Longitude="104.0", Precision="30"),
    event_fields("TEMPLATESENDJOBFINISH", MsgID="1", Status="success"),
    event_fields("CLICK", EventKey="<not an intent>"),
    {"ToUserName": ACCOUNT, "FromUserName": "oUser_1", "CreateTime": 1, "MsgType": "hologram", "MsgId": 7},
])
def test_ignored_pushes_get_success_and_nothing_runs(wapp, fields):
    fields = dict(fields, CreateTime=int(time.time()))
    r = wapp.send(fields)
    assert (r.status_code, r.data) == (200, b"success")
    assert wapp.dispatcher.calls == []


def test_location_event_is_not_stored(wapp):
    before = set(wapp.hub.text.scan_iter(match=wapp.hub.prefix + "*"))
    wapp.send(event_fields("LOCATION", Latitude="30.6", Longitude="104.0", Precision="30"))
    after = set(wapp.hub.text.scan_iter(match=wapp.hub.prefix + "*"))
    assert not any("30.6" in (wapp.hub.text.get(k) or "") for k in after - before if wapp.hub.text.type(k) == "string")
    assert not [k for k in after - before if ":turn:" in k]


def test_unsubscribe_forgets_the_citizen(wapp):
    openid = "oLeaving_1"
    wapp.late.users.park(openid, "an old answer")
    wapp.late.users.store_pages(openid, ["page 2"])
    wapp.late.customer_service.note_user_action(openid, "message")
    wapp.send(text_fields("你好", openid=openid))
    assert list(wapp.hub.text.scan_iter(match=f"{wapp.hub.prefix}wx:u:{openid}:*"))
    r = wapp.send(event_fields("unsubscribe", openid=openid))
    assert (r.status_code, r.data) == (200, b"success")
    assert wapp.dispatcher.forgotten == [f"wechat_oa:{openid}"]
    assert list(wapp.hub.text.scan_iter(match=f"{wapp.hub.prefix}wx:u:{openid}:*")) == []
    # the cached reply that held "你好"'s answer is gone too
    leftovers = [k for k in wapp.hub.text.scan_iter(match=f"{wapp.hub.prefix}wx:turn:*")
                 if "echo:你好" in (wapp.hub.text.hget(k, "body") or "")]
    assert leftovers == []


def test_cdata_injection_round_trips(make_app):
    evil = "a]]><MsgType>evil</MsgType><![CDATA[b"
    wapp = make_app(dispatcher=_say(evil))
    reply = wapp.wx.reply_fields(wapp.send(text_fields("x")))
    assert reply["MsgType"] == "text"
    assert reply["Content"] == evil


def test_choices_become_numbered_text(make_app):
    wapp = make_app(dispatcher=_say_replies([Choices("请选择：", (Choice("查公积金", "/query_housing_fund"),
                                                                 Choice("查社保", "/query_social_security")))]))
    content = wapp.wx.reply_fields(wapp.send(text_fields("x")))["Content"]
    assert "1. 查公积金" in content and "2. 查社保" in content


def test_long_answer_in_pages_with_more(make_app):
    long_text = "\n".join(f"第{i}条：" + "办事指南内容" * 20 for i in range(40))
    wapp = make_app(dispatcher=_say(long_text))
    first = wapp.wx.reply_fields(wapp.send(text_fields("办事指南")))["Content"]
    # One word for every next page: the dispatcher's lists say "回复“更多”查看" too.
    assert len(first.encode()) <= MAX_CONTENT_BYTES and first.endswith("回复“更多”查看）")
    pages, calls = [first], 1
    while "回复“更多”" in pages[-1]:
        pages.append(wapp.wx.reply_fields(wapp.send(text_fields("更多")))["Content"])
        assert len(pages[-1].encode()) <= MAX_CONTENT_BYTES
        assert len(pages) < 50
    assert len(wapp.dispatcher.calls) == calls             # "更多" never reached the dispatcher
    shown = "".join(p.replace(MORE_NOTE, "") for p in pages).replace("\n", "")
    assert shown == long_text.replace("\n", "")


def test_more_without_pages_of_ours_goes_to_the_dispatcher(wapp):
    """The dispatcher pages long lists with "更多" as well: with no page of the channel's pending,
    the word is the dispatcher's."""
    r = wapp.send(text_fields("更多"))
    assert wapp.wx.reply_fields(r)["Content"] == "echo:更多"
    assert [i.text for i in wapp.dispatcher.calls] == ["更多"]


@pytest.mark.parametrize("word", sorted(MORE_WORDS) + ["More"])
def test_every_paging_word_takes_the_next_page(make_app, word):
    """The same words page the dispatcher's lists (tests/conversation/test_dispatcher.py)."""
    wapp = make_app(dispatcher=_say("\n".join("很长的一行" * 30 for _ in range(20))))
    wapp.send(text_fields("办事指南"))
    page = wapp.wx.reply_fields(wapp.send(text_fields(word)))["Content"]
    assert page.startswith("很长的一行") and len(wapp.dispatcher.calls) == 1


# -- modes ---------------------------------------------------------------------------------

def test_safe_mode_reply_is_encrypted(make_app):
    wapp = make_app(message_mode="safe")
    r = wapp.send(text_fields("你好"), encrypted=True)
    assert r.status_code == 200
    assert b"<Encrypt>" in r.data and b"echo" not in r.data
    assert wapp.wx.reply_fields(r)["Content"] == "echo:你好"


def test_safe_mode_refuses_plaintext(make_app):
    wapp = make_app(message_mode="safe")
    assert wapp.send(text_fields("你好")).status_code == 403
    assert wapp.dispatcher.calls == []


def test_safe_mode_success_stays_plain(make_app):
    wapp = make_app(message_mode="safe")
    r = wapp.send(event_fields("VIEW", EventKey="https://www.gov.cn/"), encrypted=True)
    assert r.data == b"success"


def test_compatible_mode_believes_only_the_decrypted_xml(make_app):
    wapp = make_app(message_mode="compatible")
    push = wapp.wx.push(text_fields("真的内容", openid="oReal_1"), encrypted=True, compatible=True)
    # Someone edits the plaintext copy that compatible mode carries next to Encrypt:
    push.body = push.body.replace("真的内容".encode(), "假的内容".encode()).replace(b"oReal_1", b"oFake_1")
    assert b"<Encrypt>" in push.body and "假的内容".encode() in push.body
    r = wapp.wx.send(wapp.client, push)
    assert r.status_code == 200
    (incoming,) = wapp.dispatcher.calls
    assert (incoming.user_id, incoming.text) == ("oReal_1", "真的内容")
    assert wapp.wx.reply_fields(r)["Content"] == "echo:真的内容"


def test_plaintext_mode_refuses_encrypted(make_app):
    wapp = make_app(message_mode="plaintext")
    assert wapp.send(text_fields("你好"), encrypted=True).status_code == 403


def _say(text):
    return _fake(lambda _i: [Text(text)])


def _say_replies(replies):
    return _fake(lambda _i: list(replies))


def _fake(answer):
    from tests.fixtures.wechat import FakeDispatcher
    return FakeDispatcher(answer=answer)


def test_continue_keeps_parked_answers_for_the_next_reply(make_app):
    wapp = make_app(dispatcher=_say("\n".join("很长的一行" * 30 for _ in range(20))))
    openid = "oPages_1"
    wapp.send(text_fields("办事指南", openid=openid))
    wapp.late.park_answer(openid, "迟到的答复")
    page = wapp.wx.reply_fields(wapp.send(text_fields("更多", openid=openid)))["Content"]
    assert "迟到的答复" not in page and len(page.encode()) <= MAX_CONTENT_BYTES
    content = wapp.wx.reply_fields(wapp.send(text_fields("你好", openid=openid)))["Content"]
    assert content.startswith("【您之前咨询的结果】\n\n迟到的答复")
