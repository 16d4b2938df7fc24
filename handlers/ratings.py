"""rate_service: 好差评 after a served request, five levels.

The dispatcher remembers the last served request (intent + department) in the
session; a rating counts for that request once (bot.ratings.RatingBook: Redis
+ Prometheus). 不满意 / 非常不满意 (config `ratings.callback_levels`) also open
a call-back task for the department.
"""
from __future__ import annotations

import json

from bot.messages import Choice, Choices
from bot.ratings import LEVELS, level_from_text
from handlers.base import Handler, Result, Turn


def rating_prompt(lead: str = "请为本次服务评价：") -> Choices:
    return Choices(lead, tuple(Choice(level, "/rate_service" + json.dumps({"level": level}, ensure_ascii=False))
                               for level in LEVELS))


class RateService(Handler):
    intent = "rate_service"
    label = ""   # answers a prompt; not a menu entry

    def handle(self, turn: Turn) -> Result:
        served = turn.session.last_served
        level = turn.entities.get("level") if turn.entities.get("level") in LEVELS else level_from_text(turn.text)
        if not served:
            return Result.say("感谢您的反馈！您还没有办理需要评价的业务，办理后可以给我们打分。")
        if level is None:
            return Result([rating_prompt("请选择您对本次服务的评价：")])
        services = turn.services
        department = served.get("department") or "12345 热线办公室"
        services.ratings.record(served["intent"], department, level)
        turn.session.last_served = None
        if level in services.service_settings.ratings.callback_levels:
            services.callbacks.open(reason="bad_rating", user_key=turn.user_key, department=department,
                                    intent=served["intent"], note=f"市民评价：{level}")
            return Result.say(f"很抱歉没能让您满意。我们已登记回访，{department}会在1个工作日内联系您了解情况。"
                              "也可以直接告诉我哪里不满意。")
        return Result.say("感谢您的评价！我们会继续改进。还有其他需要可以随时找我。")
