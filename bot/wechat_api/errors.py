"""The WeChat API's errors, translated once at the boundary (client.py)."""
from __future__ import annotations


class WeChatError(Exception):
    """Base of everything the API client raises."""


class WeChatUnavailable(WeChatError):
    """No usable answer: network error, timeout, 5xx, or a body that is not WeChat's JSON.

    `maybe_delivered` is True when the request may have reached WeChat (a read
    timeout): repeating a send could then show the citizen the same message twice.
    """

    def __init__(self, message: str, *, maybe_delivered: bool = False):
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class WeChatApiError(WeChatError):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str, path: str):
        super().__init__(f"{path}: errcode {errcode} ({errmsg})")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path

    @property
    def busy(self) -> bool:
        """-1 'system busy': nothing was done, trying again later is fine."""
        return self.errcode == -1
