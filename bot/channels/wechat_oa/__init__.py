"""WeChat Official Account channel (docs/wechat.md): the webhook of GET/POST /wechat, and the
answers that reach a citizen after its passive reply.

    webhook.py     the web side: one push in, one passive reply out, in budget, once
    late.py        the late-answer side: customer-service messages through the job stream
                   (deliver, rescue, queued turns), and the Outbox sender (agents' messages)
    signing.py     signatures, timestamp window          crypto.py     safe/compatible mode AES
    xml_in.py      hostile-proof XML reading, fields      routing.py    message/event → action
    render.py      reply text, XML, pages of 2048 bytes   user_state.py per-citizen keys
    turns.py       exactly once (turn records), the budget (inline or queued turns)
    liveness.py    a web process's hold on the turns it is still running

The channel sees the assistant through two callables (`handle`, `forget`); its settings and
API are the WeChat client's (bot.wechat_api). The HTTP routes are bot/web/wechat.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.channels.wechat_oa.late import Handle, LateAnswers
from bot.channels.wechat_oa.routing import CHANNEL
from bot.channels.wechat_oa.turns import QueuedTurns
from bot.channels.wechat_oa.user_state import UserState
from bot.channels.wechat_oa.webhook import ForgetUser, WeChatWebhook
from bot.core.jobs import JobQueue
from bot.core.redis_hub import RedisHub
from bot.core.sealing import Sealer
from bot.wechat_api import WeChatClient

__all__ = ["CHANNEL", "WeChatOA", "WeChatWebhook", "LateAnswers", "build_wechat_oa"]


@dataclass(frozen=True)
class WeChatOA:
    webhook: WeChatWebhook     # the web side
    late: LateAnswers          # the late-answer side (its jobs are what bot.worker serves)


def build_wechat_oa(*, handle: Handle, forget: ForgetUser, intents: frozenset[str], client: WeChatClient,
                    hub: RedisHub, data_key: bytes) -> WeChatOA:
    """Both sides, sharing the job stream and the per-citizen state."""
    settings = client.settings
    # Citizens' words and our answers are stored sealed under the data key (bot.core.sealing).
    sealer = Sealer(data_key)
    jobs = JobQueue(hub, settings.jobs.stream, max_tries=settings.jobs.max_tries, backoff_s=settings.jobs.backoff_s,
                    visibility_s=settings.jobs.visibility_s, sealer=sealer, max_len=settings.jobs.max_len,
                    dead_ttl_s=settings.jobs.dead_ttl_s)
    users = UserState(hub, sealer, continuation_ttl_s=settings.continuation_ttl_s, parked_ttl_s=settings.parked_ttl_s)
    queued = QueuedTurns(hub, jobs, sealer, settings.dedup_ttl_s)
    late = LateAnswers(handle, client.customer_service, hub, jobs, users, queued, settings.rescue_after_s)
    webhook = WeChatWebhook(handle=handle, forget=forget, intents=intents, settings=settings,
                            customer_service=client.customer_service, hub=hub, sealer=sealer, users=users, late=late)
    return WeChatOA(webhook, late)
