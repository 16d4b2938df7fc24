"""The WeChat API: one client per process, built once, with a sub-API per concern (as wechatpy's
client is), all through one HTTP path (client.py: timeouts, the shared access_token, one
bounded retry, one error taxonomy).

    client = build_client(settings, hub)
    client.customer_service.send_text(openid, "...")     # 客服 messages, within WeChat's window
    client.notices.send_template(openid, template_id, {...})
    client.menu.publish(client.settings.menu)

    mp = build_mp_client(settings, hub)                  # the mini-program's own account
    mp.login.code_to_session(code)                       # wx.login()
    mp.content_check.check_text(openid, text)            # msgSecCheck v2

The base URL comes from `wechat.api_base_url`: the simulator (sandbox/wechat_sim)
in the sandbox, https://api.weixin.qq.com in production.
"""
from __future__ import annotations

from bot.core.config import Section
from bot.core.redis_hub import RedisHub
from bot.core.settings import Settings
from bot.wechat_api.client import WeChatApi
from bot.wechat_api.content_check import ContentCheck, Verdict
from bot.wechat_api.customer_service import CustomerService, Outcome
from bot.wechat_api.errors import WeChatApiError, WeChatError, WeChatUnavailable
from bot.wechat_api.menu import Menu
from bot.wechat_api.mp_login import Login
from bot.wechat_api.notices import Notices, SubscriptionRefused
from bot.wechat_api.settings import MiniProgramSettings, WeChatSettings, load_mp_settings, load_wechat_settings

__all__ = ["WeChatClient", "WeChatApi", "CustomerService", "Outcome", "Notices", "SubscriptionRefused", "Menu",
           "Login", "WeChatError", "WeChatApiError", "WeChatUnavailable", "WeChatSettings", "build_client",
           "MiniProgramClient", "MiniProgramSettings", "ContentCheck", "Verdict", "build_mp_client"]


class WeChatClient:
    """The Official Account's API: `.customer_service`, `.notices`, `.menu`; `.settings` are the
    `wechat:` settings it was built from. (`.login` is the mini-program's: MiniProgramClient.)"""

    def __init__(self, settings: WeChatSettings, hub: RedisHub):
        self.settings = settings
        self.api = WeChatApi(settings.api_base_url, settings.app_id, settings.app_secret, hub,
                             timeout=(settings.api_connect_timeout_s, settings.api_read_timeout_s))
        self.customer_service = CustomerService(self.api, hub)
        self.notices = Notices(self.api)
        self.menu = Menu(self.api)


class MiniProgramClient:
    """The mini-program's API, with its own AppID, secret and access_token: `.login`
    (jscode2session), `.content_check` (msgSecCheck), `.notices` (subscribe messages)."""

    def __init__(self, settings: MiniProgramSettings, oa: WeChatSettings, hub: RedisHub):
        self.settings = settings
        self.api = WeChatApi(oa.api_base_url, settings.app_id, settings.app_secret, hub,
                             timeout=(oa.api_connect_timeout_s, oa.api_read_timeout_s))
        self.login = Login(self.api)
        self.content_check = ContentCheck(self.api)
        self.notices = Notices(self.api)


def build_client(settings: Settings, hub: RedisHub) -> WeChatClient:
    """Read and check the `wechat:` settings and build the client (ConfigError on a wrong one)."""
    return WeChatClient(load_wechat_settings(settings.wechat, production=settings.runs_like_production), hub)


def build_mp_client(settings: Settings, hub: RedisHub, oa: WeChatSettings | None = None) -> MiniProgramClient:
    """Read and check the `miniprogram:` settings (its WeChat API address and timeouts are the
    `wechat:` ones) and build the mini-program's client."""
    oa = oa or load_wechat_settings(settings.wechat, production=settings.runs_like_production)
    return MiniProgramClient(load_mp_settings(Section("miniprogram", settings.extra.get("miniprogram") or {}), oa),
                             oa, hub)
