"""What each WeChat message or event means for the assistant (docs/wechat.md, WeChat's rules: messages and events).

`route(msg)` returns one action:

    Dispatch(incoming, lead)   the dispatcher answers (lead: a line the channel puts first)
    Say(text)                  the channel answers itself (voice it cannot read)
    Forget()                   unsubscribe: delete everything about the citizen
    Ignore()                   answered `success`: VIEW, LOCATION reports, unknown types

A menu CLICK's key is an intent name and arrives as `Incoming(intent=key)`.
Only the intents the channel knows (`intents`: the menu's keys and the
dispatcher's handlers) are passed on: a key is client-supplied, and an intent
becomes a metrics label downstream, so an unknown one must never get that far.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from bot.channels.wechat_oa.xml_in import BadMessage, WeChatMessage
from bot.core.messages import Incoming

CHANNEL = "wechat_oa"
_INTENT = re.compile(r"[a-z][a-z_]{0,63}")
_SCENE = re.compile(r"[A-Za-z0-9_.-]{1,64}")     # WeChat's scene_str is at most 64 characters

WELCOME = ("感谢关注！我是成都市民服务助手，可以帮您查公积金、社保、医保、签注和办件进度，"
           "预约办事大厅，了解办事指南，或反映问题。")
ASK_TO_TYPE = "抱歉，这条语音我没能听清。请用文字告诉我您要办的事，例如“查询公积金余额”。"


@dataclass(frozen=True)
class Dispatch:
    incoming: Incoming
    lead: str = ""


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Forget:
    pass


@dataclass(frozen=True)
class Ignore:
    pass


Action = Dispatch | Say | Forget | Ignore


@dataclass(frozen=True)
class _Ctx:
    msg: WeChatMessage
    meta: dict = field(default_factory=dict)

    def incoming(self, **kw) -> Incoming:
        return Incoming(channel=CHANNEL, user_id=self.msg.openid, message_id=self.msg.msg_id,
                        meta={"msg_type": self.msg.msg_type, **self.meta}, **kw)


def route(msg: WeChatMessage, intents: frozenset[str] = frozenset()) -> Action:
    ctx = _Ctx(msg)
    kind = msg.msg_type
    if kind == "text":
        return Dispatch(ctx.incoming(text=msg.get("Content"), kind="text"))
    if kind == "voice":
        said = msg.get("Recognition").strip()
        return Dispatch(ctx.incoming(text=said, kind="voice")) if said else Say(ASK_TO_TYPE)
    if kind == "location":
        lat, lon = _coordinate(msg.get("Location_X"), 90), _coordinate(msg.get("Location_Y"), 180)
        return Dispatch(ctx.incoming(kind="location", location=(lat, lon), intent="nearby_halls",
                                     text=msg.get("Label") or None))
    if kind in ("image", "link", "video", "shortvideo"):
        # Nothing to read: the dispatcher asks for words (and shows its menu).
        return Dispatch(ctx.incoming(kind="video" if kind == "shortvideo" else kind, text=None))
    if kind == "event":
        return _event(msg, intents)
    return Ignore()


def _event(msg: WeChatMessage, intents: frozenset[str]) -> Action:
    event, key = msg.event, msg.get("EventKey")
    if event == "subscribe":
        scene = _scene(key[len("qrscene_"):]) if key.startswith("qrscene_") else ""
        ctx = _Ctx(msg, {"event": "subscribe", "scene": scene} if scene else {"event": "subscribe"})
        return Dispatch(ctx.incoming(kind="event", intent=_scene_intent(scene, intents)), lead=WELCOME)
    if event == "unsubscribe":
        return Forget()
    if event == "click":
        if key not in intents:       # not a key of our menu (nor any intent we have)
            return Ignore()
        return Dispatch(_Ctx(msg, {"event": "click"}).incoming(kind="event", intent=key))
    if event == "scan":
        # Already following and scanned one of our QR codes (e.g. a poster in a service hall).
        scene = _scene(key)
        return Dispatch(_Ctx(msg, {"event": "scan", "scene": scene}).incoming(
            kind="event", intent=_scene_intent(scene, intents)))
    # VIEW (the citizen opened a menu link), LOCATION (a periodic position report: not stored,
    # it is 行踪轨迹 under PIPL art. 28), template/subscribe delivery reports, anything new.
    return Ignore()


def _scene(raw: str) -> str:
    return raw if _SCENE.fullmatch(raw) else ""


def _scene_intent(scene: str, intents: frozenset[str]) -> str:
    """A QR scene named after a known intent starts it; any other scene greets."""
    return scene if scene in intents and _INTENT.fullmatch(scene) else "greet"


def _coordinate(raw: str, bound: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise BadMessage("location is not a number") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise BadMessage("location out of range")
    return value


def window_opened_by(msg: WeChatMessage) -> str | None:
    """Which customer-service allowance this push opens (bot.wechat_api.customer_service)."""
    if msg.msg_type in ("text", "voice", "image", "location", "link", "video", "shortvideo"):
        return "message"
    return {"click": "click", "subscribe": "subscribe", "scan": "scan"}.get(msg.event)
