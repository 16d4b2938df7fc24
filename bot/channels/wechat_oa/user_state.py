"""What the channel keeps per citizen (openid), and forgets on unsubscribe.

    wx:u:<openid>:more     pages of a long answer not yet shown ("回复继续")
    wx:u:<openid>:parked   answers WeChat would not let us send; shown with the next reply
    wx:u:<openid>:turns    the turn records (dedup, cached replies) that hold this citizen's replies
    wx:u:<openid>:cs       the customer-service allowance (bot.wechat_api.customer_service)
"""
from __future__ import annotations

from bot.redis_conn import RedisHub


class UserState:
    def __init__(self, hub: RedisHub, *, continuation_ttl_s: int, parked_ttl_s: int):
        self.hub = hub
        self.continuation_ttl_s = continuation_ttl_s
        self.parked_ttl_s = parked_ttl_s

    def _key(self, openid: str, what: str) -> str:
        return self.hub.key("wx", "u", openid, what)

    # -- long answers -----------------------------------------------------------------------
    def store_pages(self, openid: str, pages: list[str], pipe=None) -> None:
        """Pages after the one shown; a new answer replaces the rest of an old one."""
        key = self._key(openid, "more")
        p = pipe if pipe is not None else self.hub.text.pipeline()
        p.delete(key)
        if pages:
            p.rpush(key, *pages)
            p.expire(key, self.continuation_ttl_s)
        if pipe is None:
            p.execute()

    def next_page(self, openid: str) -> str | None:
        return self.hub.text.lpop(self._key(openid, "more"))

    # -- answers waiting for the citizen's next message ------------------------------------
    def park(self, openid: str, text: str) -> None:
        key = self.parked_key(openid)
        pipe = self.hub.text.pipeline()
        pipe.rpush(key, text)
        pipe.expire(key, self.parked_ttl_s)
        pipe.execute()

    def take_parked(self, openid: str) -> list[str]:
        """The parked answers, removed (TurnRecords.admit does the same for each push)."""
        pipe = self.hub.text.pipeline(transaction=True)
        pipe.lrange(self.parked_key(openid), 0, -1)
        pipe.delete(self.parked_key(openid))
        return pipe.execute()[0]

    def put_back_parked(self, openid: str, parked: list[str], pipe) -> None:
        """Queue on `pipe`: answers taken but not shown go back, first in line."""
        if parked:
            pipe.lpush(self.parked_key(openid), *reversed(parked))
            pipe.expire(self.parked_key(openid), self.parked_ttl_s)

    def parked_key(self, openid: str) -> str:
        return self._key(openid, "parked")

    # -- turn records -----------------------------------------------------------------------
    def turns_key(self, openid: str) -> str:
        """The set of this citizen's turn records (added to by TurnRecords.admit)."""
        return self._key(openid, "turns")

    # -- unsubscribe --------------------------------------------------------------------------
    def forget(self, openid: str) -> None:
        turns = self._key(openid, "turns")
        records = list(self.hub.text.smembers(turns))
        self.hub.text.delete(turns, self._key(openid, "more"), self._key(openid, "parked"), *records)
