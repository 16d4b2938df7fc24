"""Mini-program channel: what POST /api/mp/login and POST /api/mp/chat do (bot/web/miniprogram.py).

    login   {"code": wx.login() code} → sns/jscode2session → our own opaque token
            {"token", "expires_in"}. WeChat's session_key is dropped on the spot:
            it never reaches the client, Redis or a log (docs/wechat.md, WeChat's rules: mini-program login).
            A code is tried against WeChat once: a second try with it (a client's retry) is
            refused here, without asking WeChat again (WeChat itself would refuse it).
    chat    Authorization: Bearer <token>, {"text"} → {"messages": [to_json(reply), ...]}
            Messages waiting in the Outbox (an agent's, during a handoff) come first: the
            mini-program cannot be pushed to, so the dispatcher puts them before its answer.
            {"choice_id"} answers an option of the last `choices` message by its id: the
            session's offered choices are matched, and the turn goes on as if its number was typed.

Tokens are `secrets.token_urlsafe(32)`; Redis keeps only their SHA-256
(`mp:sess:<sha256>` → openid), with an idle expiry renewed on use and an
absolute one that is not.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Callable

from bot.core.messages import Incoming, Reply, choice_id
from bot.core.redis_hub import RedisHub
from bot.wechat_api.errors import WeChatUnavailable
from bot.wechat_api.mp_login import InvalidLoginCode, Login

CHANNEL = "miniprogram"
SESSION_ABSOLUTE_S = 7 * 24 * 3600
SESSION_IDLE_S = 2 * 3600
MAX_CODE_CHARS = 256
MAX_TEXT_CHARS = 500
CODE_SEEN_S = 600          # a wx.login() code lives 5 minutes at WeChat


class UnknownChoice(Exception):
    """The choice id is not one of the options offered last."""


class MpSessions:
    def __init__(self, hub):
        self.hub = hub

    def _key(self, token: str) -> str:
        return self.hub.key("mp", "sess", hashlib.sha256(token.encode()).hexdigest())

    def issue(self, openid: str, unionid: str | None) -> str:
        token = secrets.token_urlsafe(32)
        doc = {"openid": openid, "unionid": unionid, "issued_at": int(time.time())}
        self.hub.text.set(self._key(token), json.dumps(doc), ex=SESSION_IDLE_S)
        return token

    def openid(self, token: str) -> str | None:
        key = self._key(token)
        raw = self.hub.text.get(key)
        if not raw:
            return None
        doc = json.loads(raw)
        left = doc["issued_at"] + SESSION_ABSOLUTE_S - int(time.time())
        if left <= 0:
            self.hub.text.delete(key)
            return None
        self.hub.text.expire(key, min(SESSION_IDLE_S, left))
        return doc["openid"]


class MiniProgram:
    """The mini-program's side of the assistant: our own login tokens on top of wx.login(), and
    one turn per chat message. Its whole view of the assistant is `handle`."""

    def __init__(self, *, handle: Callable[[Incoming], list[Reply]], login: Login, hub: RedisHub,
                 offered: Callable[[str], list[list[str]]] | None = None):
        """`offered(user_key)`: the [label, reply] choices the session offered last."""
        self.handle = handle
        self.wechat_login = login
        self.hub = hub
        self.sessions = MpSessions(hub)
        self.offered = offered

    def log_in(self, code: str) -> tuple[str, str]:
        """(openid, our token) for a wx.login() code; raises InvalidLoginCode, or WeChatError when
        WeChat does not answer. WeChat's session_key ends here."""
        seen = self.hub.key("mp", "code", hashlib.sha256(code.encode()).hexdigest())
        if not self.hub.text.set(seen, "1", nx=True, ex=CODE_SEEN_S):
            raise InvalidLoginCode("code already tried")
        try:
            session = self.wechat_login.code_to_session(code)
        except WeChatUnavailable:
            # WeChat gave no answer: the code was not judged, so the citizen's retry may try it.
            self.hub.text.delete(seen)
            raise
        return session.openid, self.sessions.issue(session.openid, session.unionid)

    def openid(self, token: str) -> str | None:
        """The citizen a token stands for (None: unknown or expired)."""
        return self.sessions.openid(token)

    def chat(self, openid: str, text: str) -> list[Reply]:
        return self.handle(Incoming(channel=CHANNEL, user_id=openid, text=text))

    def choose(self, openid: str, wanted: str) -> list[Reply]:
        """Answer with an offered choice's id: as if its number was typed (UnknownChoice if none)."""
        options = self.offered(f"{CHANNEL}:{openid}") if self.offered is not None else []
        number = next((i for i, (label, reply) in enumerate(options, 1) if choice_id(label, reply) == wanted), None)
        if number is None:
            raise UnknownChoice(wanted)
        return self.chat(openid, str(number))
