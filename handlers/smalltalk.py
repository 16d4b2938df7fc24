"""Greeting, farewell, thanks, 'are you a robot', and anything outside our remit.

Farewell and thanks after a served request carry the 好差评 prompt (once per
served request: the session remembers it was asked).
"""
from __future__ import annotations

from bot.conversation.contract import Handler, Result, Turn
from bot.core.messages import Text
from bot.core.privacy import is_valid_id_number
from handlers.ratings import rating_prompt


def _with_rating_prompt(turn: Turn, text: str) -> Result:
    served = turn.session.last_served
    if served and not served.get("prompted"):
        served["prompted"] = True
        return Result([Text(text), rating_prompt("麻烦您为刚才的服务打个分（回复编号）：")])
    return Result.say(text)


class Greet(Handler):
    intent = "greet"
    small_talk, purpose = True, False
    commands = {"菜单": {}, "主菜单": {}, "帮助": {}}

    def handle(self, turn: Turn) -> Result:
        menu = turn.services.menu.choices("您好，我是成都市民服务助手。请直接说要办的事，或回复编号选择：")
        return Result([menu])


class Goodbye(Handler):
    intent = "goodbye"
    ends_forms, purpose = False, False

    def handle(self, turn: Turn) -> Result:
        return _with_rating_prompt(turn, "好的，再见！有需要随时找我。")


class Thank(Handler):
    intent = "thank"
    small_talk, purpose = True, False

    def handle(self, turn: Turn) -> Result:
        return _with_rating_prompt(turn, "不客气，能帮到您就好。还有其他事情可以随时找我。")


class BotChallenge(Handler):
    intent = "bot_challenge"
    small_talk, purpose = True, False

    def handle(self, turn: Turn) -> Result:
        return Result.say("我是成都市民服务的智能助手，不是真人。需要工作人员帮忙时，回复“转人工”即可；"
                          "也可以拨打12345市民服务热线。")


class OutOfScope(Handler):
    intent = "out_of_scope"
    ends_forms, purpose = False, False

    def handle(self, turn: Turn) -> Result:
        menu = turn.services.menu.choices("这个问题我帮不上忙，我只负责政务服务。您可以问我：")
        return Result([menu])


class StrayAnswer(Handler):
    """An answer (是的 / 不是 / a bare number) when no question is open."""
    answers_the_bot, purpose = True, False

    def __init__(self, intent: str):
        self.intent = intent

    def handle(self, turn: Turn) -> Result:
        if self.intent == "deny":
            return Result.say("好的。还有什么需要帮忙的吗？")
        lead = "请告诉我您要办什么事，例如："
        typed_id = turn.parse.entity("id_number") if turn.parse else None
        if typed_id and not is_valid_id_number(typed_id):
            # A mistyped ID number deserves to be told so, not just a menu.
            lead = "您发来的身份证号校验不通过，可能有一位输错了，请核对。需要办什么事，可以告诉我，例如："
        elif typed_id and turn.citizen is not None:
            lead = "收到。您已完成实名认证，查询本人业务不必再发身份证号。需要办什么事，可以告诉我，例如："
        elif typed_id:
            lead = "收到身份证号。查询本人业务前需要先实名认证，回复“实名认证”即可开始。您也可以选择："
        menu = turn.services.menu.choices(lead)
        return Result([menu])
