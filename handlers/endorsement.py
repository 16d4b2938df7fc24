"""Progress of a Hong Kong/Macao or Taiwan travel endorsement (exit-entry administration).

With a CJ number: that application, if it is the citizen's. Without one: the
citizen's applications still in progress (or the latest one).
"""
from __future__ import annotations

from adapters.errors import NotFound
from bot.messages import Card
from handlers import validators
from handlers.base import Handler, Result, Slot, Turn
from handlers.common import datetime_cn, today
from handlers.personal import NOT_FOUND_APPLICATION


class QueryEndorsementStatus(Handler):
    intent = "query_endorsement_status"
    label = "签注办理进度"
    department = "出入境管理局"
    needs_identity = True
    owns_prefixes = ("CJ",)
    slots = (
        Slot("application_no", "请告诉我签注的受理编号（CJ开头，共16位，在受理回执上）。",
             validate=validators.application_no(("CJ",)), optional=True),
    )

    def handle(self, turn: Turn) -> Result:
        exit_entry = turn.services.adapters.exit_entry
        number = turn.slots.get("application_no")
        if number:
            try:
                apps = [exit_entry.application(number, turn.citizen.id_number)]
            except NotFound:
                return Result.say(NOT_FOUND_APPLICATION)
        else:
            apps = sorted(exit_entry.applications(turn.citizen.id_number), key=lambda a: a.updated_at, reverse=True)
            if not apps:
                return Result.say("没有查到您名下的签注申请。可在“移民局12367”App或出入境接待大厅申请签注，"
                                  "也可以在大厅自助机当场签注。", served={"department": self.department})
            open_apps = [a for a in apps if not a.done]
            apps = open_apps or apps[:1]
        day = today(turn)
        return Result([self._card(a, day) for a in apps[:3]], served={"department": self.department})

    @staticmethod
    def _card(app, day) -> Card:
        fields = [("受理编号", app.application_no), ("业务", f"{app.region} {app.endorsement_type}"),
                  ("状态", app.status), ("当前环节", app.stage), ("更新时间", datetime_cn(app.updated_at, day))]
        if app.collect_place:
            fields.append(("领取地点", app.collect_place))
        return Card("签注办理进度", tuple(fields), f"下一步：{app.next_step}" if app.next_step else "")
