"""manage_consents (我的授权): a citizen's consents to the open platform's partners, in the chat.

    "我的授权"  ──► the consents in force: partner, data, purpose, end date; each a choice to revoke
                    it at once, and a choice to enter a partner's code
    "授权码"    ──► the 8-character code the partner's app showed ──► who asks for what, why and for
                    how long ──► 同意 / 拒绝 (the code is used up either way)

A command-word intent (no training data): the words are fixed, NLU is not asked. Personal: the
citizen binds first (the consent names them by keyed hashes of the bound ID number). The same
records serve the mini-program's /api/mp/consents (bot/records/consents.py, docs/partners.md).
"""
from __future__ import annotations

import datetime as dt

from bot.conversation.contract import Handler, Result, Slot, SlotInvalid, Turn
from bot.conversation.words import KEEP
from bot.core.clock import CLOCK
from bot.core.messages import Choice, Choices
from bot.records.consents import CODE_LENGTH, ConsentProblem, ConsentView, normal_code

CODE_REPLY = "填写授权码"
REVOKE = "撤销授权 "
GRANT, REFUSE = "同意授权", "拒绝授权"
MAX_LISTED = 8
ASK_CODE = (f"请输入合作方应用里显示的{CODE_LENGTH}位授权码（字母和数字）。授权码只用于这一次请求，"
            "15分钟内有效。")


def consent_code(text: str) -> str:
    """A partner's code as typed (any case, spaces): its 8 characters, or SlotInvalid."""
    code = normal_code(text)
    if len(code) != CODE_LENGTH:
        raise SlotInvalid(f"授权码是{CODE_LENGTH}位字母和数字，请核对后重新输入；回复“取消”结束。")
    return code


def day_of(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts or 0, CLOCK.tz).date().isoformat()


class ManageConsents(Handler):
    intent = "manage_consents"
    label = "我的授权"
    needs_identity = True
    purpose = False
    commands = {**{w: {} for w in ("我的授权", "授权管理", "查看授权", "数据授权", "撤销授权")},
                **{w: {"action": "code"} for w in ("授权码", "输入授权码", "填写授权码", "我有授权码")}}
    # The code is a slot of free text: whatever the citizen types is the answer (a random code may
    # well look like a greeting to NLU), checked by its shape.
    slots = (Slot("consent_code", ASK_CODE + "回复“取消”结束。", validate=consent_code, free_text=True),)

    def begin(self, turn: Turn) -> Result | None:
        if turn.services.consents is None:
            return Result.say("授权服务暂时不可用，请稍后再试。")
        if turn.entities.get("action") == "code":
            return None             # the slot: the code is asked
        return self._list(turn)

    def handle(self, turn: Turn) -> Result:
        step, text = turn.form.step, (turn.text or "").strip()
        if step == "slots":
            return self._read_code(turn, turn.slots["consent_code"])
        if step == "confirm":
            return self._decide(turn, text)
        # step "menu": a choice of the list
        if text.startswith(REVOKE.strip()):
            consent_id = text[len(REVOKE.strip()):].strip()
            if not consent_id:       # a bare 撤销授权: which one is for the list to say
                return Result.say("请在列表中点选要撤销的那一项；回复“取消”结束。", keep_form=True)
            return self._revoke(turn, consent_id)
        if text == CODE_REPLY:
            return self._ask_code(turn)
        if text == KEEP:
            return Result.say("好的。需要时回复“我的授权”即可查看或撤销。")
        if len(normal_code(text)) == CODE_LENGTH:       # the code typed straight after the list
            return self._read_code(turn, text)
        return Result.say("请回复列表中的编号；回复“取消”结束。", keep_form=True)

    # -- steps ----------------------------------------------------------------------------------
    def _keys(self, turn: Turn) -> tuple[str, str]:
        return turn.services.identity.citizen_keys(turn.citizen)

    def _list(self, turn: Turn) -> Result:
        live = turn.services.consents.of_citizen(self._keys(turn)[0])
        turn.form.step = "menu"
        extra = (Choice("填写合作方给的授权码", CODE_REPLY), Choice("不用了", KEEP))
        if not live:
            return Result([Choices("您目前没有向任何合作方授权读取您的个人信息。合作方（如医院挂号、出行应用）请求读取时，"
                                   f"会在它的应用里给您一个{CODE_LENGTH}位授权码。", extra)], keep_form=True)
        shown = live[:MAX_LISTED]
        lines = [f"{i}）{c.partner}：{c.scope_label}；用途：{c.purpose}；{day_of(c.expires_at)} 到期"
                 for i, c in enumerate(shown, 1)]
        more = f"\n（另有 {len(live) - len(shown)} 项，撤销上面的后可再查看）" if len(live) > len(shown) else ""
        options = tuple(Choice(f"撤销第{i}项：{c.partner}（{day_of(c.expires_at)} 到期）", REVOKE + c.consent_id)
                        for i, c in enumerate(shown, 1))
        return Result([Choices("您的授权（撤销后合作方立即不能再读取）：\n" + "\n".join(lines) + more,
                               options + extra)], keep_form=True)

    def _ask_code(self, turn: Turn) -> Result:
        """From the list's choice: on to the code's slot."""
        form = turn.form
        form.step, form.asking = "slots", self.slots[0].name
        form.slots.pop(self.slots[0].name, None)
        return Result.say(self.slots[0].prompt, keep_form=True)

    def _read_code(self, turn: Turn, text: str) -> Result:
        code = normal_code(text)
        wait = turn.services.consent_code_locked(turn.user_key)
        if wait:
            return Result.say(f"授权码输错的次数较多，请 {max(1, wait // 60)} 分钟后再试。")
        asked = turn.services.consents.pending(code)
        if asked is None:
            turn.services.wrong_consent_code(turn.user_key)
            return Result.say("授权码不正确或已过期，请在合作方的应用里重新发起授权。")
        turn.form.step = "confirm"
        turn.form.data["code"] = code
        return Result([Choices(self._describe(asked), (Choice("同意授权", GRANT), Choice("拒绝", REFUSE)))],
                      keep_form=True)

    @staticmethod
    def _describe(asked: ConsentView) -> str:
        return (f"【{asked.partner}】请求读取您的{asked.scope_label}。\n用途：{asked.purpose}\n"
                f"期限：同意后 {asked.days} 天。\n同意后，{asked.partner}可在期限内通过本平台读取上述信息（您的身份证号不会给它）；"
                "随时回复“我的授权”可以撤销。")

    def _decide(self, turn: Turn, text: str) -> Result:
        if text in (GRANT, "同意", "确定", "确认", "是", "好"):
            grant = True
        elif text in (REFUSE, "拒绝", "不同意", "不", "否", KEEP):
            grant = False
        else:
            return Result.say(f"请回复“{GRANT}”或“{REFUSE}”。", keep_form=True)
        citizen_key, identity_key = self._keys(turn)
        try:
            decided = turn.services.consents.decide(turn.form.data.get("code", ""), grant, citizen_key=citizen_key,
                                                    identity_key=identity_key, via=turn.incoming.channel)
        except ConsentProblem as e:
            return Result.say(str(e))
        if not grant:
            return Result.say(f"已拒绝，{decided.partner}不能读取您的信息。")
        return Result.say(f"已授权：{decided.partner}可在 {day_of(decided.expires_at)} 前读取您的{decided.scope_label}。"
                          "回复“我的授权”可随时查看或撤销。")

    def _revoke(self, turn: Turn, consent_id: str) -> Result:
        try:
            gone = turn.services.consents.revoke(consent_id, self._keys(turn)[0], turn.incoming.channel)
        except LookupError:
            return Result.say("这项授权已撤销或已到期。回复“我的授权”查看现在的授权。")
        return Result.say(f"已撤销：{gone.partner}从现在起不能再读取您的{gone.scope_label}。")
