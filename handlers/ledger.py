"""query_my_affairs: every matter of the citizen across every backend, in one list.

The backends are asked in parallel with one deadline (adapters.fanout); what
arrived in time is shown, and the backends that did not answer are named, so an
incomplete list never looks complete. Plain-word filters (handlers.ledger_filters)
narrow it: "还没办完的", "上个月在武侯区办的", "公积金的".

Its commands "有进展通知我" / "取消进展通知" subscribe the citizen to the progress of every
unfinished matter (or stop it): bot/notifications/, docs/notifications.md.
"""
from __future__ import annotations

import datetime as dt

from adapters.fanout import collect_affairs
from bot.city.departments import DEPARTMENTS
from bot.conversation.contract import Handler, Result, Turn
from bot.core import clock
from bot.core.messages import ListReply, Text
from bot.notifications.subscribing import subscribe_in_progress, unsubscribe_all
from handlers.common import BACKEND_NAMES, date_cn, datetime_cn
from handlers.ledger_filters import parse_filter

WHY = {"timeout": "响应超时", "unavailable": "暂时无法访问", "circuit_open": "暂时无法访问", "auth": "接口异常",
       "bad_response": "返回异常", "error": "查询出错"}


class QueryMyAffairs(Handler):
    intent = "query_my_affairs"
    label = "我的办件（全部业务进度）"
    department = DEPARTMENTS["zwfw"]
    needs_identity = True
    commands = {**{w: {"action": "notify"} for w in ("有进展通知我", "进展通知", "订阅进展", "有进展告诉我")},
                **{w: {"action": "unnotify"} for w in ("取消进展通知", "不要进展通知", "退订进展")}}

    def follows_up(self, text: str, today: dt.date) -> bool:
        # "还没办完的", "上个月在武侯区办的", "公积金的" refine the list; "公积金余额" is a new question.
        f = parse_filter(text, today)
        return f.done is not None or f.since is not None or bool(f.districts) or (
            bool(f.domains) and text.rstrip("。？?！!").endswith("的"))

    def handle(self, turn: Turn) -> Result:
        action = turn.entities.get("action")
        if action in ("notify", "unnotify") and turn.services.subscriptions is not None:
            return self._notifications(turn, action)
        services = turn.services
        deadline = services.service_settings.ledger.deadline_s
        result = collect_affairs(services.adapters, turn.citizen.id_number, deadline)
        day = clock.today()
        wanted = parse_filter(turn.text, day)
        affairs = sorted(wanted.apply(result.affairs), key=lambda a: (a.done, -a.updated_at.timestamp()))
        replies = []
        scope = f"（{'·'.join(wanted.words)}）" if wanted.words else ""
        if affairs:
            items = tuple(self._line(a, day) for a in affairs)
            open_count = sum(1 for a in affairs if not a.done)
            count = f"共 {len(affairs)} 件" + ("" if wanted.done is not None else f"，未办结 {open_count} 件")
            replies.append(ListReply(f"您的办件{scope}：{count}", items,
                                     "可以说“还没办完的”“上个月在武侯区办的”“公积金的”来筛选。"))
        elif result.affairs and not wanted.empty:
            replies.append(Text(f"没有符合条件{scope}的办件。您共有 {len(result.affairs)} 件业务，回复“我的办件”查看全部。"))
        else:
            replies.append(Text("没有查到您名下的办件。"))
        # "business" is a backend saying "no records for this citizen": an answer, not a gap.
        missing = {b: k for b, k in result.missing.items() if k != "business"}
        if missing:
            names = "、".join(f"{BACKEND_NAMES.get(b, b)}（{WHY.get(k, '查询出错')}）" for b, k in sorted(missing.items()))
            replies.append(Text(f"注意：{names}这次没有返回结果，以上列表可能不完整，请稍后再查。"))
        return Result(replies, served={"department": self.department})

    def _notifications(self, turn: Turn, action: str) -> Result:
        services = turn.services
        if action == "unnotify":
            n = unsubscribe_all(services.subscriptions, services.identity, turn.citizen)
            return Result.say(f"已取消 {n} 件办件的进展通知。" if n else "您没有订阅进展通知。")
        made, missing = subscribe_in_progress(services.subscriptions, services.identity, services.adapters,
                                              turn.citizen, turn.user_key, services.service_settings.ledger.deadline_s)
        replies = []
        if made:
            replies.append(ListReply(f"好的，以下 {len(made)} 件办件有进展时会通知您：",
                                     tuple(f"{s['item']}（{s['ref']}）当前：{s['status']}" for s in made),
                                     "公众号消息在您最近一次留言后48小时内送达；超过48小时的进展会在您下次留言后送达，"
                                     "也可在“我的办件”中查看。回复“取消进展通知”可退订。"))
        else:
            replies.append(Text("您目前没有正在办理、可以跟踪进展的办件。"))
        if missing:
            names = "、".join(BACKEND_NAMES.get(b, b) for b in sorted(missing))
            replies.append(Text(f"注意：{names}这次没有返回结果，其中的办件未能订阅，请稍后再试。"))
        return Result(replies, served={"department": self.department})

    @staticmethod
    def _line(a, day) -> str:
        stage = f"（{a.stage}）" if a.stage and a.stage != a.status else ""
        place = " · ".join(x for x in (a.district, a.place) if x and x not in ("",))
        parts = [f"【{a.domain}】{a.item}：{a.status}{stage}"]
        if place:
            parts.append(place)
        when = date_cn(a.updated_at, day) if a.updated_at.time() == dt.time() else datetime_cn(a.updated_at, day)
        parts.append(f"{when}更新 · {a.ref_no}")
        if a.next_step and not a.done:
            parts.append(f"下一步：{a.next_step}")
        return "\n".join(parts)
