"""Customer-service (客服) messages within WeChat's window and quota.

WeChat lets an account write to a citizen only after the citizen did something
(docs/wechat.md, WeChat's rules: customer-service messages): a message opens 48 h for 5 messages; a menu click,
a follow or a QR scan opens 1 min for 3 (where no window is open). We count the allowance ourselves in
Redis, so an answer that cannot go out is known before calling WeChat; when
WeChat disagrees (45015 window closed, 45047 quota used up) we believe it,
close our count, and never retry — the caller keeps the answer for the
citizen's next message instead.
"""
from __future__ import annotations

import enum
import logging

from bot.core import metrics
from bot.core.redis_hub import RedisHub
from bot.wechat_api.client import WeChatApi
from bot.wechat_api.errors import WeChatApiError, WeChatUnavailable

log = logging.getLogger(__name__)

WINDOW_CLOSED = 45015      # "response out of time limit or subscription is canceled"
QUOTA_USED_UP = 45047      # "out of response count limit"

MESSAGE_ALLOWANCE = (5, 48 * 3600)      # after the citizen sends a message
SHORT_ALLOWANCE = (3, 60)               # after a menu click, a follow, a scan

# Take one unit: 1 taken, 0 none left, -1 no window. DECR keeps the key's expiry.
_TAKE = """
local v = redis.call('get', KEYS[1])
if not v then return -1 end
if tonumber(v) <= 0 then return 0 end
redis.call('decr', KEYS[1])
return 1
"""
_REFUND = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incr', KEYS[1]) end return 0"


class Outcome(enum.Enum):
    SENT = "sent"
    NO_WINDOW = "no_window"           # the citizen has not written recently (or unfollowed)
    OVER_QUOTA = "over_quota"         # this window's messages are used up
    UNCERTAIN = "uncertain"           # WeChat did not answer in time: it may have been shown


class CustomerService:
    def __init__(self, api: WeChatApi, hub: RedisHub):
        self.api = api
        self.hub = hub
        self._take = hub.text.register_script(_TAKE)
        self._refund = hub.text.register_script(_REFUND)

    def _key(self, openid: str) -> str:
        return self.hub.key("wx", "u", openid, "cs")

    def note_user_action(self, openid: str, action: str, pipe=None) -> None:
        """The citizen did something that opens a window: 'message', 'click', 'subscribe', 'scan'.
        With `pipe`, only queued on it (the caller executes it)."""
        client = pipe if pipe is not None else self.hub.text
        if action == "message":
            count, ttl = MESSAGE_ALLOWANCE
            client.set(self._key(openid), count, ex=ttl)
        else:
            # Only where no window is open: a short allowance never cuts an open one short
            # (nor does a second click renew it — erring on the side of not sending).
            count, ttl = SHORT_ALLOWANCE
            client.set(self._key(openid), count, ex=ttl, nx=True)

    def remaining(self, openid: str) -> int:
        return int(self.hub.text.get(self._key(openid)) or 0)

    def send_text(self, openid: str, text: str) -> Outcome:
        try:
            outcome = self._send_text(openid, text)
        except Exception:
            metrics.CUSTOMER_SERVICE_MESSAGES.labels("failed").inc()
            raise
        metrics.CUSTOMER_SERVICE_MESSAGES.labels(outcome.value).inc()
        return outcome

    def _send_text(self, openid: str, text: str) -> Outcome:
        taken = self._take(keys=[self._key(openid)])
        if taken != 1:
            return Outcome.NO_WINDOW if taken == -1 else Outcome.OVER_QUOTA
        try:
            self.api.call("POST", "cgi-bin/message/custom/send",
                          body={"touser": openid, "msgtype": "text", "text": {"content": text}})
        except WeChatApiError as e:
            if e.errcode == WINDOW_CLOSED:
                self.hub.text.delete(self._key(openid))
                return Outcome.NO_WINDOW
            if e.errcode == QUOTA_USED_UP:
                self.hub.text.set(self._key(openid), 0, keepttl=True)
                return Outcome.OVER_QUOTA
            if e.busy:
                self._refund(keys=[self._key(openid)])
            raise
        except WeChatUnavailable as e:
            if e.maybe_delivered:
                log.warning("customer-service send: %s; not repeated (it may have been shown)", e)
                return Outcome.UNCERTAIN
            self._refund(keys=[self._key(openid)])
            raise
        return Outcome.SENT

    def forget(self, openid: str) -> None:
        self.hub.text.delete(self._key(openid))
