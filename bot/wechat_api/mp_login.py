"""Mini-program login: `sns/jscode2session` turns a wx.login() code into an openid.

Called directly (no access_token needed): wechatpy's `code_to_session` fetches
a token first and sends it with the secret in the query (docs/wechat.md, WeChat's rules: mini-program login).
The session_key it returns is WeChat's secret with the citizen's device: it is
handed back to the caller only to be dropped or kept server-side, never sent on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.wechat_api.client import WeChatApi
from bot.wechat_api.errors import WeChatApiError

BAD_CODE = frozenset({40029, 40163})     # invalid code / code already used


class InvalidLoginCode(Exception):
    """The code is unknown, expired or already used."""


@dataclass(frozen=True)
class MpSession:
    openid: str
    unionid: str | None = None
    session_key: str = field(default="", repr=False)


class Login:
    def __init__(self, api: WeChatApi):
        self.api = api

    def code_to_session(self, code: str) -> MpSession:
        try:
            data = self.api.call("GET", "sns/jscode2session", with_token=False, params={
                **self.api.app_credentials(), "js_code": code, "grant_type": "authorization_code"})
        except WeChatApiError as e:
            if e.errcode in BAD_CODE:
                raise InvalidLoginCode(str(e.errcode)) from None
            raise
        openid = data.get("openid")
        if not isinstance(openid, str) or not openid:
            raise InvalidLoginCode("no openid")
        return MpSession(openid=openid, unionid=data.get("unionid"), session_key=data.get("session_key", ""))
