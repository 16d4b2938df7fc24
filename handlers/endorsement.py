"""Progress of a Hong Kong/Macao or Taiwan travel endorsement (exit-entry administration).

With a CJ number: that application, if it is the citizen's. Without one: the
citizen's applications still in progress (or the latest one).
"""
from __future__ import annotations

from bot.city.departments import DEPARTMENTS
from bot.conversation.contract import Handler, Result, Slot, Turn
from bot.core.messages import Card
from handlers import validators
from handlers.personal import application_card, own_applications


class QueryEndorsementStatus(Handler):
    intent = "query_endorsement_status"
    label = "签注办理进度"
    department = DEPARTMENTS["crj"]
    needs_identity = True
    owns_prefixes = ("CJ",)
    slots = (
        Slot("application_no", "请告诉我签注的受理编号（CJ开头，共16位，在受理回执上）。",
             validate=validators.application_no(("CJ",)), optional=True, prefill=validators.application_no_in),
    )

    def handle(self, turn: Turn) -> Result:
        exit_entry = turn.services.adapters.exit_entry
        return own_applications(turn, one=exit_entry.application, many=exit_entry.applications, card=self._card,
                                nothing="没有查到您名下的签注申请。可在“移民局12367”App或出入境接待大厅申请签注，"
                                        "也可以在大厅自助机当场签注。", department=self.department)

    @staticmethod
    def _card(app, day) -> Card:
        collect = [("领取地点", app.collect_place)] if app.collect_place else []
        return application_card("签注办理进度", app, day, (("业务", f"{app.region} {app.endorsement_type}"),
                                                     ("状态", app.status), ("当前环节", app.stage)), collect)
