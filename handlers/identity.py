"""bind_identity: prove who you are once, then query your own records.

    name + ID number ──► identity backend: do they belong together?
        ──► SMS code to the phone ON FILE (shown masked; never a number the user types)
        ──► code checked ──► IdentityStore.bind (ID encrypted, found by keyed hash)

Wrong codes (per user and per ID number) and name/ID mismatches (per user)
count towards a lock-out, and codes are sent at most every resend_after_s per
user and per ID number (bot.stores.binding_guard, in Redis). "解除绑定" removes the
binding after a confirmation.
"""
from __future__ import annotations

import re

from bot.city.corrections import last_said
from bot.city.departments import DEPARTMENTS
from bot.conversation.contract import Handler, Result, Slot, SlotInvalid, Turn
from bot.conversation.words import KEEP
from bot.core.messages import Choice, Choices
from bot.core.privacy import ascii_digits, every_numeral_as_digit
from bot.core.privacy import canonical as canonical_text
from handlers import validators
from handlers.common import read_yes_no

def _code_in(text: str) -> str | None:
    """The verification code a piece of the message gives (validators.verification_code's shape)."""
    try:
        return validators.verification_code(text)
    except SlotInvalid:
        return None


_NUMERAL = "零〇一幺二两三四五六七八九"
# Chinese numerals followed by a counter are a count, never a code ("一二三四五六个", "等了三四五分钟", "两次").
_COUNTED = re.compile(rf"[{_NUMERAL}](?:\s*[{_NUMERAL}])*(?=[个次位天遍条年月分秒岁块元名])")
# A piece of numerals and digits with no space inside ("幺2三四五六", "一", "12345").
_PIECE = re.compile(rf"[\d{_NUMERAL}]+")


def _without_counts(text: str) -> str:
    return _COUNTED.sub(" ， ", text)


def _numerals_of_their_own(text: str) -> str:
    """Each Chinese numeral a digit where it stands as a numeral: a piece of 3 or more numerals and digits
    ("幺二三 四五六", "幺2三四五六"), or a shorter one no other Han character touches; never a numeral inside
    a word joined to the digits beside it ("12345 一下" / "一直" / "两次" give no 6th digit)."""
    def digits(m: re.Match) -> str:
        piece, before, after = m.group(0), text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        in_a_word = re.match(r"[\u4e00-\u9fff]", before or " ") or re.match(r"[\u4e00-\u9fff]", after or " ")
        if len(piece) < 3 and in_a_word and not piece.isdigit():
            return " ， "
        return every_numeral_as_digit(piece)
    return _PIECE.sub(digits, text)


def code_said(words: str | None, text: str | None = None) -> str:
    """The verification code a message gives, the last one said ("123465 啊打反了 是123456"), in
    digits of any width or in Chinese numerals ("幺二三四五六", "一二三四五六": bot.core.privacy's one
    definition of numerals in identifiers). Raises SlotInvalid when it gives none: an empty or
    unreadable code is never checked."""
    words, text = _without_counts(words or ""), _without_counts(text or "")
    code = last_said(ascii_digits(words), _code_in) or _code_in(ascii_digits(text))
    if not code:   # numerals and digits mixed ("幺2三四五六"): each numeral of its own read as its digit
        code = _code_in(re.sub(r"(?<=\d)\s+(?=\d)", "", _numerals_of_their_own(canonical_text(words or text))))
    if not code:
        raise SlotInvalid("验证码是6位数字，请查看短信后输入。")
    return code

# What binding is for and how the identifiers are kept, said when the citizen asks ("绑定了有啥子用哦 安全不").
# Only what the code does: the ID number is checked with the identity backend, kept encrypted, sent to the
# departments' systems for the citizen's own queries and with a work order they file; unbinding deletes
# the binding, not what was already filed.
_WHY_BIND = ("实名认证（绑定身份）只需做一次：之后查询您本人的公积金、社保、医保、办件进度等，不用每次再核验。"
             "姓名和身份证号先向身份核验系统核对，并给您登记的手机发短信验证码；绑定后加密保存，聊天记录里只显示打码后的号码。"
             "之后只在您查询本人业务、提交诉求时发给相应部门的系统。回复“解除绑定”可随时解除，"
             "解除后不再保存您的绑定信息（已提交的工单仍由承办部门按规定保存）。")
UNBIND_WORDS = ("解除绑定", "解绑", "取消绑定", "解除实名", "换绑", "删除我的信息", "注销绑定")
RESEND_WORDS = ("重新发送", "重发", "再发", "没收到", "收不到")


def _minutes(seconds: int) -> int:
    return max(1, (seconds + 59) // 60)


class BindIdentity(Handler):
    intent = "bind_identity"
    label = "实名认证（绑定身份）"
    department = DEPARTMENTS["zwfw"]
    identity_gate = True
    commands = {w: {"action": "unbind"} for w in ("解除绑定", "解绑", "取消绑定", "解除实名绑定")}
    slots = (
        Slot("person_name", "请输入您身份证上的姓名。", validate=validators.person_name, free_text=True,
             recognise=validators.person_name_in, explain=_WHY_BIND + "请输入您身份证上的姓名。"),
        Slot("id_number", "请输入您本人的18位身份证号（只用于核实身份，加密保存）。",
             validate=validators.id_number, sensitive=True, recognise=validators.id_number_in,
             explain=_WHY_BIND + "请输入您本人的18位身份证号。"),
    )

    # -- start ----------------------------------------------------------------------------------
    def begin(self, turn: Turn) -> Result | None:
        citizen, guard = turn.citizen, turn.services.binding_guard
        if turn.entities.get("action") == "unbind" or any(w in (turn.text or "") for w in UNBIND_WORDS):
            if citizen is None:
                return Result.say("您还没有绑定身份，无需解除。")
            turn.form.step = "confirm_unbind"
            return Result([Choices(f"确定要解除与 {citizen.surname_masked}（{citizen.id_masked}）的绑定吗？"
                                   "解除后查询个人业务需要重新核验。",
                                   (Choice("确定解除", "确定"), Choice("暂不解除", KEEP)))], keep_form=True)
        if citizen is not None:
            return Result.say(f"您已完成实名绑定：{citizen.surname_masked}，身份证 {citizen.id_masked}。"
                              "如需更换，请先回复“解除绑定”。")
        locked = guard.locked_for(turn.user_key)
        if locked:
            return self._locked(locked)
        return None

    # -- after the slots, and each later step ---------------------------------------------------
    def handle(self, turn: Turn) -> Result:
        step = turn.form.step
        if step == "confirm_unbind":
            return self._confirm_unbind(turn)
        if step == "code":
            return self._check_code(turn)
        return self._verify(turn)

    def _verify(self, turn: Turn) -> Result:
        services, form = turn.services, turn.form
        name, id_number = turn.slots["person_name"], turn.slots["id_number"]
        id_hash = services.identity.id_hash(id_number)
        locked = services.binding_guard.locked_for(turn.user_key, id_hash)
        if locked:
            return self._locked(locked)
        match = services.adapters.identity.verify(name, id_number)
        if not match.matched:
            # Per user only: counted per ID number, a stranger's wrong names would lock the owner out.
            left = services.binding_guard.mismatch(turn.user_key)
            if left == 0:
                return self._locked(services.binding_guard.settings.lock_s)
            # Only the name is asked again (as the reply says); the ID number stays: one given anew
            # replaces it (Slot.recognise), so a wrong ID number is corrected the same way.
            form.data["name_said"] = form.slots.pop("person_name", None)   # for "莉字错了 是美丽的丽"
            form.asking = "person_name"
            return Result.say(f"姓名和身份证号核对不一致（还可尝试 {left} 次）。请重新输入身份证上的姓名。",
                              keep_form=True)
        return self._send_code(turn, id_hash)

    def _send_code(self, turn: Turn, id_hash: str) -> Result:
        services, form = turn.services, turn.form
        guard = services.binding_guard
        # Checked whatever the form holds: cancelling and starting again (or another account)
        # must not be a way to send one more SMS.
        wait = guard.resend_wait(turn.user_key, id_hash)
        if wait:
            if form.step == "code":
                return Result.say(f"验证码刚发过，请 {wait} 秒后再要求重发。", keep_form=True)
            phone = guard.sent_to(id_hash)
            if phone is None:   # this account just had a code for another ID number
                return Result.say(f"验证码刚发过，请 {wait} 秒后再重新开始实名认证。")
            form.step = "code"
            form.data.update(phone_masked=phone, id_hash=id_hash)
            return Result.say(f"身份信息核对无误。验证码刚刚已发送到您登记的手机 {phone}，请回复短信中的6位验证码"
                              f"（{wait} 秒后可回复“重新发送”）。", keep_form=True)
        if guard.daily_cap_reached(id_hash, guard.phone_of_today(id_hash)):
            return Result.say("今天发送验证码的次数已达上限，为保护您的手机不被打扰，请明天再试。"
                              "如有急事可拨打12345热线。")
        sent = services.adapters.identity.send_code(turn.slots["id_number"])
        guard.code_sent(turn.user_key, id_hash, sent.phone_masked)
        guard.count_daily(id_hash, sent.phone_masked)
        form.step = "code"
        form.data.update(phone_masked=sent.phone_masked, id_hash=id_hash)
        minutes = _minutes(sent.expires_in_s)
        return Result.say(f"身份信息核对无误。验证码已发送到您登记的手机 {sent.phone_masked}，"
                          f"请在 {minutes} 分钟内回复6位验证码。没收到可回复“重新发送”。", keep_form=True)

    def _check_code(self, turn: Turn) -> Result:
        services, form = turn.services, turn.form
        text = (turn.text or "").strip()
        id_hash = form.data.get("id_hash")
        if any(w in text for w in RESEND_WORDS):
            return self._send_code(turn, id_hash)
        try:
            # the last code said: "123465 啊打反了 是123456"
            code = code_said(turn.words, text)
        except SlotInvalid:
            return Result.say("验证码是6位数字，请查看短信后回复；没收到可回复“重新发送”。", keep_form=True)
        guard = services.binding_guard
        # The check is reserved before it is made (atomic across accounts and processes): eight
        # accounts guessing at once get no more than max_failures checks between them.
        left = guard.reserve_check(turn.user_key, id_hash)
        if left < 0:
            return self._locked(guard.locked_for(turn.user_key, id_hash) or guard.settings.lock_s)
        id_number = turn.slots["id_number"]
        if not services.adapters.identity.check_code(id_number, code):
            if left == 0:
                guard.lock_now(turn.user_key, id_hash)
                return self._locked(guard.settings.lock_s)
            return Result.say(f"验证码不正确，还可以再试 {left} 次。", keep_form=True)
        services.binding_guard.succeeded(turn.user_key, id_hash)
        citizen = services.identity.bind(turn.user_key, id_number, turn.slots["person_name"], form.data["phone_masked"])
        return Result.say(f"身份核验成功，已绑定：{citizen.surname_masked}（{citizen.id_masked}）。"
                          "以后查询本人业务无需再核验；回复“解除绑定”可随时解除。", bound=True)

    def _confirm_unbind(self, turn: Turn) -> Result:
        answer = read_yes_no(turn)
        if answer is None:
            return Result.say(f"请回复“确定”解除绑定，或回复“{KEEP}”。", keep_form=True)
        if not answer:
            return Result.say("好的，已保留您的绑定。")
        turn.services.unbind(turn.user_key)
        return Result.say("已解除绑定，您的身份信息已从本服务删除。需要时可以重新绑定。")

    @staticmethod
    def _locked(seconds: int) -> Result:
        return Result.say(f"为保护您的信息安全，验证失败次数过多，身份核验已暂停，请 {_minutes(seconds)} 分钟后再试。"
                          "如有疑问可拨打12345。")
