"""request_human: a person takes over.

Within office hours (config `office_hours`, on the application's clock, bot.core.clock) the
conversation joins the agents' queue (bot.stores.handoff.HandoffDesk) and the bot stays
quiet until the agent closes it, the citizen says “结束人工”, or it times out.
Outside office hours: a 12345 work order asking for a call-back, plus a
call-back task; the citizen is told when to expect the call.
"""
from __future__ import annotations

import hashlib
import secrets

from bot.city.districts import CITY_WIDE
from bot.conversation.contract import Handler, Result, SlotInvalid, Turn
from bot.core.privacy import mask_phone, mask_text
from bot.stores.handoff import HANDOFF_DEPARTMENT
from handlers import validators
from handlers.common import WEEKDAYS_CN

SKIP_WORDS = ("不留", "不用", "不方便", "没有", "跳过")


class RequestHuman(Handler):
    intent = "request_human"
    label = "转人工客服"
    department = HANDOFF_DEPARTMENT
    commands = {"人工": {}, "转人工": {}, "人工客服": {}}
    purpose = False      # on the hotline the caller already talks to a person
    takes_over = True    # what the citizen was filling in ends: a person (or a call-back) takes it from here
    phone_steps = ("phone",)

    def begin(self, turn: Turn) -> Result | None:
        services = turn.services
        hours = services.office_hours
        if hours.is_open():
            position = services.handoff.open(turn.user_key, turn.session.history[-10:])
            ahead = f"前面还有 {position - 1} 位，" if position > 1 else ""
            return Result.say(f"已为您转接人工客服，{ahead}请稍候。工作人员接入前您发的消息都会转给工作人员；"
                              "回复“结束人工”可回到智能助手。")
        turn.form.step = "phone"
        turn.form.data["form_id"] = secrets.token_hex(8)
        if validators.phone_in(turn.words) or validators.TAKEN_BACK.search(turn.words):
            return self.handle(turn)   # "转人工，我电话是152…" (or "…算了 电话还是不留了"): already answered
        return Result.say(f"现在是非工作时间（人工服务：{hours.describe()}）。请留一个方便接听的手机号，"
                          "工作人员会在上班后给您回电；不想留电话请回复“不留”。", keep_form=True)

    def explains(self, turn: Turn) -> str | None:
        """"为什么要留电话" where the after-hours call-back asks for a phone: what it is for, and that
        it may be left out."""
        if turn.form.step != "phone":
            return None
        without = ("不留的话这次就不登记回电，工作时间回复“转人工”即可联系工作人员" if turn.citizen is None
                   else "不留的话也会为您登记，工作人员上班后会尽快处理")
        return ("现在是非工作时间，留电话是为了让工作人员上班后给您回电。电话不是必须留的：" + without +
                "；紧急情况请拨打12345热线（24小时）。方便的话请回复11位手机号；不想留请回复“不留”。")

    def handle(self, turn: Turn) -> Result:
        text = (turn.text or "").strip()
        services = turn.services
        given = validators.phone_in(turn.words)
        if given and not validators.TAKEN_BACK.search(turn.words):
            phone = given   # "不用现在打 明天打就行 137…": the number is what counts
        elif any(w in text for w in SKIP_WORDS):
            if turn.citizen is None:
                return Result.say("好的，没有登记回电。工作时间内回复“转人工”即可联系工作人员，也可以拨打12345热线。")
            phone = ""
        else:
            try:
                phone = validators.phone(text)
            except SlotInvalid:
                return Result.say("请输入11位手机号；不想留电话请回复“不留”。", keep_form=True)
        hours = services.office_hours
        order = services.adapters.workorders.create(
            topic="other", department=HANDOFF_DEPARTMENT,
            content=self._content(turn), district=CITY_WIDE, contact_phone=phone,
            id_number=turn.citizen.id_number if turn.citizen else None,
            idempotency_key="ho-" + hashlib.sha256(turn.form.data["form_id"].encode()).hexdigest()[:32])
        services.callbacks.open(reason="handoff_after_hours", user_key=turn.user_key, department=HANDOFF_DEPARTMENT,
                                intent=self.intent, what="人工服务（非工作时间）", note="非工作时间申请人工服务",
                                order_no=order.order_no, phone_masked=mask_phone(phone) if phone else None)
        nxt = hours.next_open()
        when = f"{nxt.month}月{nxt.day}日（周{WEEKDAYS_CN[nxt.weekday()]}）{nxt:%H:%M}"
        return Result.say(f"已为您登记回电，工单号 {order.order_no}。工作人员会在 {when} 上班后尽快与您联系。"
                          "紧急情况请拨打12345热线（24小时）。",
                          served={"department": HANDOFF_DEPARTMENT, "order_no": order.order_no})

    @staticmethod
    def _content(turn: Turn) -> str:
        # Only the citizen's own words (masked): the bot's replies may quote their records.
        lines = ["市民在非工作时间申请人工服务，请在工作时间回电。", "【市民留言】"]
        lines += [f"市民：{text}" for who, text in turn.session.history[-10:] if who == "citizen"]
        return mask_text("\n".join(lines))
