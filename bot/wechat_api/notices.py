"""Template messages (Official Account) and subscribe messages (OA and mini-program).

Unlike customer-service messages these need no open window, but the citizen
must have agreed (subscribe messages: one send per "accept"). `data` is given as
{keyword: value} and wrapped into WeChat's {keyword: {"value": ...}}.
"""
from __future__ import annotations

from typing import Mapping

from bot.wechat_api.client import WeChatApi
from bot.wechat_api.errors import WeChatApiError

SUBSCRIPTION_REFUSED = 43101     # refused, or the one-time grant is used up: never retry


class SubscriptionRefused(Exception):
    """The citizen has no (remaining) grant for this subscribe template."""


def _wrap(data: Mapping[str, str]) -> dict:
    return {k: {"value": str(v)} for k, v in data.items()}


class Notices:
    def __init__(self, api: WeChatApi):
        self.api = api

    def send_template(self, openid: str, template_id: str, data: Mapping[str, str], *, url: str | None = None,
                      miniprogram: Mapping[str, str] | None = None, client_msg_id: str | None = None) -> int | None:
        """OA template message; `client_msg_id` makes a repeated send a no-op at WeChat."""
        body: dict = {"touser": openid, "template_id": template_id, "data": _wrap(data)}
        if url:
            body["url"] = url
        if miniprogram:
            body["miniprogram"] = dict(miniprogram)
        if client_msg_id:
            body["client_msg_id"] = client_msg_id
        return self.api.call("POST", "cgi-bin/message/template/send", body=body).get("msgid")

    def send_oa_subscribe(self, openid: str, template_id: str, data: Mapping[str, str], *,
                          page: str | None = None, miniprogram: Mapping[str, str] | None = None) -> None:
        """服务号订阅通知 (cgi-bin/message/subscribe/bizsend)."""
        body: dict = {"touser": openid, "template_id": template_id, "data": _wrap(data)}
        if page:
            body["page"] = page
        if miniprogram:
            body["miniprogram"] = dict(miniprogram)
        self._subscribe("cgi-bin/message/subscribe/bizsend", body)

    def send_mp_subscribe(self, openid: str, template_id: str, data: Mapping[str, str], *,
                          page: str | None = None, state: str = "formal", lang: str = "zh_CN") -> None:
        """Mini-program subscribe message (cgi-bin/message/subscribe/send)."""
        if state not in ("developer", "trial", "formal"):
            raise ValueError("state must be developer, trial or formal")
        body: dict = {"touser": openid, "template_id": template_id, "data": _wrap(data),
                      "miniprogram_state": state, "lang": lang}
        if page:
            body["page"] = page
        self._subscribe("cgi-bin/message/subscribe/send", body)

    def _subscribe(self, path: str, body: dict) -> None:
        try:
            self.api.call("POST", path, body=body)
        except WeChatApiError as e:
            if e.errcode == SUBSCRIPTION_REFUSED:
                raise SubscriptionRefused(body["template_id"]) from e
            raise
