"""The WeChat API client: access_token, customer-service, template/subscribe messages, menu, login.

    api = build_api(wechat_settings, hub)
    CustomerService(api, hub).send_text(openid, "...")

The base URL comes from `wechat.api_base_url`: the simulator (sandbox/wechat_sim)
in the sandbox, https://api.weixin.qq.com in production.
"""
from __future__ import annotations

from bot.core.redis_hub import RedisHub
from bot.wechat_api.client import WeChatApi
from bot.wechat_api.customer_service import CustomerService, Outcome
from bot.wechat_api.errors import WeChatApiError, WeChatError, WeChatUnavailable
from bot.wechat_api.notices import Notices, SubscriptionRefused

__all__ = ["WeChatApi", "CustomerService", "Outcome", "Notices", "SubscriptionRefused", "WeChatError",
           "WeChatApiError", "WeChatUnavailable", "build_api"]


def build_api(wechat, hub: RedisHub) -> WeChatApi:
    """`wechat` is the channel's WeChatSettings (bot.channels.wechat_oa.config)."""
    return WeChatApi(wechat.api_base_url, wechat.app_id, wechat.app_secret, hub,
                     timeout=(wechat.api_connect_timeout_s, wechat.api_read_timeout_s))
