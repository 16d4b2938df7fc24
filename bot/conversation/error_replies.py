"""What a citizen is told when a backend fails: advice, never an exception to the channel.

The adapters raise one error taxonomy (adapters/errors.py); each kind becomes a reply that says
what happened and what to do. `backend_names` are how citizens know each system
("公积金中心系统"), given by the runtime.
"""
from __future__ import annotations

from adapters import errors as E
from bot.conversation.contract import Handler
from bot.core.messages import Reply, Text


class ErrorReplies:
    """Maps backend errors to what the citizen should be told (None: not ours, re-raise)."""

    def __init__(self, backend_names: dict[str, str]):
        self.backend_names = backend_names

    def reply_for(self, error: Exception, handler: Handler) -> Reply | None:
        name = self.backend_names.get(getattr(error, "backend", ""), "相关部门的系统")
        if isinstance(error, E.NotFound):
            return Text("没有查到相关记录。请核对信息后再试；如果刚提交不久，可能还未录入系统。")
        if isinstance(error, E.Conflict):
            return Text("办理未成功：该事项当前状态不允许这样操作，请稍后再试或回复“人工”咨询。")
        if isinstance(error, E.BusinessError):
            return Text(f"{name}没有受理这个请求，请核对信息后再试，或回复“人工”咨询。")
        if isinstance(error, E.RateLimited):
            # The backend answered: it is busy, not broken (its operators' rate limit).
            return Text(f"{name}当前查询人数较多，请稍等一两分钟再试；您的请求没有办理成功，不会重复提交。")
        if isinstance(error, (E.BackendTimeout, E.BackendUnavailable)):
            return Text(f"{name}暂时无法访问，您的请求没有办理成功。请稍后再试，或回复“人工”联系工作人员。")
        if isinstance(error, (E.BackendAuthError, E.BadResponse, E.BackendError)):
            return Text(f"{name}返回异常，暂时查不到结果。我们已记录该问题，请稍后再试。")
        return None
