"""msgSecCheck (v2): WeChat's check of a mini-program user's text before we publish or file it.

    POST wxa/msg_sec_check {"openid", "scene", "version": 2, "content"}
      → {"result": {"suggest": "pass" | "review" | "risky", "label": n}, "detail": [...], "trace_id"}

Version 2 needs the openid of a user of the mini-program who was active in the last two hours
(so it is called with the mini-program's own access_token, never the Official Account's). The
decision is on `result.suggest` alone: WeChat's labels and details change without notice.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.wechat_api.client import WeChatApi
from bot.wechat_api.errors import WeChatUnavailable

# WeChat's scenes: 1 profile, 2 comment, 3 forum post, 4 social log. A complaint is a post.
SCENE_POST = 3
SUGGESTIONS = ("pass", "review", "risky")
MAX_CONTENT_CHARS = 2500      # WeChat refuses longer texts


@dataclass(frozen=True)
class Verdict:
    suggest: str              # pass | review | risky
    label: int                # WeChat's category (100 normal, 20001 political, ...): kept for the record

    @property
    def risky(self) -> bool:
        return self.suggest == "risky"

    @property
    def review(self) -> bool:
        return self.suggest == "review"


class ContentCheck:
    def __init__(self, api: WeChatApi):
        self.api = api

    def check_text(self, openid: str, content: str, scene: int = SCENE_POST) -> Verdict:
        """WeChat's verdict on the text; WeChatError (unavailable or an API error) when it gives none."""
        data = self.api.call("POST", "wxa/msg_sec_check", body={
            "openid": openid, "scene": scene, "version": 2, "content": content[:MAX_CONTENT_CHARS]})
        result = data.get("result")
        suggest = result.get("suggest") if isinstance(result, dict) else None
        if suggest not in SUGGESTIONS:
            raise WeChatUnavailable("wxa/msg_sec_check: answer without result.suggest")
        try:
            label = int(result.get("label") or 0)
        except (TypeError, ValueError):
            label = 0
        return Verdict(suggest, label)
