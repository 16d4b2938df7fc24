"""rate_service: 好差评 after a served request, five levels.

The dispatcher remembers the last served request (intent, label, department,
time) in the session; a rating counts for that request once (bot.stores.ratings.RatingBook:
Redis + Prometheus). 不满意 / 非常不满意 (config `ratings.callback_levels`) also
open a call-back task for the department, and the citizen is asked for a phone
number (optional): one given goes into a 12345 work order (the task shows it
masked); without one, the department answers in this conversation (agent API).
"""
from __future__ import annotations

import datetime as dt
import json
import re

from adapters.errors import BackendError
from bot.city.districts import CITY_WIDE
from bot.city.corrections import corrects, last_said
from bot.city.ratings import LEVELS, level_from_text
from bot.conversation.contract import Handler, Result, SlotInvalid, Turn
from bot.core import clock
from bot.core.messages import Choice, Choices, Text
from bot.core.privacy import mask_phone, mask_text
from handlers import validators
from handlers.common import datetime_cn

SKIP_WORDS = ("不留", "不用", "不方便", "没有", "跳过", "不想留")
# A rating corrected soon after it was given ("哎呀刚才点错了 应该是五星", "不好意思点错了 其实不满意").
# (and any correction's words: 不对, 不是…是…, bot.city.corrections; a slip of the finger: 手滑了, 点快了, 误触;
# a second thought: 想了想 还是…)
CHANGES = re.compile(r"点错|按错|选错|说错|搞错|弄错|错了|改成|改为|改一下|其实|应该是|重新评|点成|按成|选成|"
                     r"手滑|手抖|手快|误触|误点|误按|点快了|按快了|点岔了|按岔了|(?:刚才|那个|之前)\S{0,3}不算|"
                     r"重评|重新打|改评|想了下|想了一下|想了想|再想")   # (a level reconsidered: "想了下还是基本满意嘛")
# ...and the new level said as the answer: right after 是/改成/还是/其实…, or leading what is left once
# the words of the change are taken out ("误触了 五星"). A level inside a comment is no change:
# "还是不满意，材料交了三次了" and "不是我说 等了两个小时 非常不满意" say what was wrong.
_LEVEL = r"(?:(?:非常|很|特别|不太|基本)?不?满意(?!度)|差评|好评|[一二两三四五1-5]星(?!期))"
LEVEL_AS_ANSWER = re.compile(r"(?:是|改成|改为|改|成|还是|其实|应该)\s*(?:给个|打个|给|打)?\s*" + _LEVEL)
_HERE = re.compile(r"这里|这儿|这边|对话|留言|消息")
# The call-back declined outright ("不用回访了 我儿子去社保局问"): closed, no phone asked again.
DECLINES_CALLBACK = re.compile(r"不(?:用|需要|要)(?:再)?(?:回访|回电|联系我|打电话|给我打)")
CHANGE_WITHIN_S = 30 * 60
# A message that starts with a level: a rating, whatever follows.
# (an intensifier before a no: 非常不满意, 很不满意, 特别不满意)
LEADS_WITH_LEVEL = re.compile(r"[\s，,。！!]*(?:(?:非常|很|特别|基本)?(?:不太|不)?满意|差评|好评|还行|一般般|[一二两三四五1-5]星(?!期))")


def _may_change(rating: dict | None) -> bool:
    return bool(rating) and clock.CLOCK.time() - rating.get("at", 0) <= CHANGE_WITHIN_S


def _says_a_change(text: str) -> bool:
    """Does the message say the rating given was wrong (点错了, 手滑了, 不对 是…, 不是满意 是非常满意)?"""
    if not (CHANGES.search(text) or corrects(text)):
        return False
    rest = CHANGES.sub(" ", text)
    rest = re.sub(r"^[\s，,。！!~～哎呀啊哦嗯不好意思对了]*", "", rest)
    return bool(LEVEL_AS_ANSWER.search(text) or LEADS_WITH_LEVEL.match(rest) and re.match(_LEVEL, rest))
MAX_COMMENTS = 2   # then the contact question is not asked again


def _skips(text: str) -> bool:
    """A short "no phone" answer; a longer text with "没有" in it is a comment ("等了很久也没有人回复")."""
    short = text.strip("。！!，, ")
    return len(short) <= 6 and any(w in short for w in SKIP_WORDS)


# A no to the phone said first, then a comment ("不留 你们自己看着办", "不用了，反正也没人管", "不想留 等了一个月"):
# the phone declined, the rest kept as the citizen's comment.
_DECLINE_FIRST = re.compile(r"[\s，,。！!]*(?:算了)?(?:不留|不用留|不想留|不方便留|不方便|不用|不需要|不要)(?:了|电话|号码|手机号?)*"
                            r"(?:[哈嘛哦啊]*)(?:[\s，,。！!；;~～…]+(?P<rest>.*)|$)", re.S)


def _declines_first(text: str) -> str | None:
    """The comment after a no to the phone said first (empty when there is none); None when the
    message does not start with such a no."""
    m = _DECLINE_FIRST.fullmatch(text)
    return None if m is None else (m.group("rest") or "").strip()


# A no to the phone said with the level ("不满意 电话不留 就是想说太慢了", "非常不满意，不留电话了，等了两个钟头",
# "差评 号码就不留了"): the phone declined, the rest a comment. The no is a clause of its own, the citizen's
# choice about their own number, a clause of its own anywhere (see _NAMES_THE_PHONE); never a clause of a story about
# staff ("留了电话不给回", "窗口号码不给 让我们干等", "工作人员不给电话号码", "手机不给用", "他们说 不留 就不给办").
_PHONE_DECLINED = re.compile(r"(?:哎|唉|那|算了|我)*(?:"
                             r"(?:电话|号码|手机号?|联系方式)(?:号码)?(?:就|也|我|还是)?"
                             r"(?:不留|不用留|不想留|不方便留|不给(?=了|你))|"
                             r"(?:不留|不用留|不想留|不方便留|不给)(?:电话|号码|手机号?|联系方式)|"
                             r"不留|不用留|不想留)(?:了|哈|嘛|哦|啊|你们?)*")
_CLAUSE = re.compile(r"[^\s，,。！!；;~～…]+")
# A no in a middle clause ("不满意 排了两小时队 不留电话了 你们看着办") names the phone or the wish (不想留):
# a bare 不留 there is a story ("他们说 不留 就不给办"). A bare 不给 after the phone ends the message only
# ("不满意 电话不给"), never "窗口号码不给 让我们干等".
_NAMES_THE_PHONE = re.compile(r"电话|号码|手机|联系方式|不想留|不用留|不方便留")
_PHONE_REFUSED_LAST = re.compile(r"(?:哎|唉|那|算了|我)*(?:电话|号码|手机号?|联系方式)(?:号码)?(?:就|也|我|还是)?不给"
                                 r"(?:了|哈|嘛|哦|啊)*")


def _declined_with_the_level(words: str) -> str | None:
    """The comment of a message that gives a level and declines the phone in one ("不满意 电话不留 就是想说
    太慢了" -> "就是想说太慢了"; "" when it says nothing more); None when it does not decline the phone."""
    lead = LEADS_WITH_LEVEL.match(words)
    rest = words[lead.end():] if lead else words
    clauses = list(_CLAUSE.finditer(rest))
    for n, clause in enumerate(clauses):
        said = clause.group(0)
        at_an_end = n in (0, len(clauses) - 1)
        if (_PHONE_DECLINED.fullmatch(said) and (at_an_end or _NAMES_THE_PHONE.search(said))) \
                or (n == len(clauses) - 1 and _PHONE_REFUSED_LAST.fullmatch(said)):
            after = re.sub(r"^[\s，,。！!；;~～…]+", "", rest[clause.end():])   # (the separator before it kept)
            return re.sub(r"^[\s，,。！!；;~～…]+|[\s，,。！!；;~～…]+$", "", rest[:clause.start()] + after).strip()
    return None


def rating_prompt(lead: str = "请为本次服务评价：") -> Choices:
    return Choices(lead, tuple(Choice(level, "/rate_service" + json.dumps({"level": level}, ensure_ascii=False))
                               for level in LEVELS))


class RateService(Handler):
    intent = "rate_service"
    label = ""   # answers a prompt; not a menu entry
    ends_forms = False   # a rating never ends what the citizen is doing
    commands = {"评价": {}, "我要评价": {}}
    takes_ratings = True
    free_text_steps = ("contact",)   # "办事太慢了…" says what was wrong: a comment, not a new complaint
    phone_steps = ("contact",)

    def ask(self, lead: str) -> Choices:
        return rating_prompt(lead)

    def handle(self, turn: Turn) -> Result:
        # the last level said, never one taken back ("非常不满意 哦按错了 是非常满意", "我点成不满意了 本来想点满意的")
        level = turn.entities.get("level") if turn.entities.get("level") in LEVELS else (
            last_said(turn.words, level_from_text) if corrects(turn.words) else None) or level_from_text(turn.text)
        if level is not None and self._corrects_the_rating(turn) and level != turn.session.last_rating.get("level"):
            return self._change(turn, level)   # (the same level again: a comment at the phone step, below)
        if turn.form.step == "contact":
            return self._contact(turn)
        served = turn.session.last_served
        if not served and level is not None and _may_change(turn.session.last_rating) \
                and level == turn.session.last_rating.get("level"):
            # the level just recorded said again, with nothing newer served: kept once, and said so
            # (another level said bare is no correction: it is not counted)
            return Result.say(f"您的评价“{level}”已经记下了，感谢您的评价！")
        if not served:
            return Result.say("感谢您的反馈！您还没有办理需要评价的业务，办理后可以给我们打分。")
        if level is None:
            return Result([rating_prompt("请选择您对本次服务的评价：")])
        services = turn.services
        department = served.get("department") or "12345 热线办公室"
        rating_id = services.ratings.record(served["intent"], department, level, channel=turn.incoming.channel)
        turn.session.last_served = None
        rating = {"id": rating_id, "intent": served["intent"], "department": department, "level": level,
                  "what": served.get("label") or served["intent"], "served_at": served.get("at"),
                  "order_no": served.get("order_no"), "at": clock.CLOCK.time()}
        turn.session.last_rating = rating
        if level not in services.service_settings.ratings.callback_levels:
            return Result.say("感谢您的评价！我们会继续改进。还有其他需要可以随时找我。")
        return self._open_callback(turn, rating)

    def _open_callback(self, turn: Turn, rating: dict, lead: str = "很抱歉没能让您满意，") -> Result:
        services, department, what, level = turn.services, rating["department"], rating["what"], rating["level"]
        task_id = services.callbacks.open(
            reason="bad_rating", user_key=turn.user_key, department=department, intent=rating["intent"],
            what=what, served_at=rating.get("served_at"), level=level, order_no=rating.get("order_no"),
            note=f"市民对“{what}”的评价：{level}")
        services.ratings.attach(rating["id"], callback_id=task_id)
        rating["task_id"] = task_id
        turn.form.step = "contact"
        turn.form.data.update(task_id=task_id, rating_id=rating["id"], department=department, what=what, level=level,
                              served_at=rating.get("served_at"), comments=0)
        if validators.phone_in(turn.words):
            return self._contact(turn)   # "不满意 电话 173 9645 2081": the number is already given
        comment = _declined_with_the_level(turn.words.strip())
        if comment is not None:
            # "不满意 电话不留 就是想说太慢了": the phone declined with the level; the rest is the comment
            in_chat = f"{lead}我们已登记回访，{department}的工作人员会在1个工作日内通过这个对话联系您，请留意消息。"
            if comment:
                services.callbacks.add_note(task_id, mask_text(comment))
                services.ratings.attach(rating["id"], comment=mask_text(comment))
                return Result.say("已记下您的意见。" + in_chat)
            return Result.say(in_chat)
        return Result([Text(f"{lead}我们已登记回访，{department}会在1个工作日内联系您了解情况。"),
                       Text(self._ask_phone(department))], keep_form=True)

    def claims(self, text: str, session, intent: str | None, unsure: bool) -> bool:
        if level_from_text(text) is None:
            return False
        if _may_change(session.last_rating) and _says_a_change(text):
            return True
        # "不满意 查出来的数跟我存折上的对不上 打我电话嘛 135…" right after a request was served, read as
        # nothing sure or as that same service ("基本满意 哦不对 不满意 水费数字跟我单子对不上")
        served = session.last_served
        return bool(served) and LEADS_WITH_LEVEL.match(text) is not None and (
            unsure or intent == served.get("intent"))

    @staticmethod
    def _corrects_the_rating(turn: Turn) -> bool:
        return _may_change(turn.session.last_rating) and _says_a_change(turn.words)

    def _change(self, turn: Turn, level: str) -> Result:
        """The rating just given, corrected: counted once at its new level; a call-back opened for a
        bad one is closed when it becomes good, and opened when a good one becomes bad."""
        services, rating = turn.services, turn.session.last_rating
        old, still_open = rating["level"], turn.form.step == "contact"
        services.ratings.change(rating["id"], rating["intent"], rating["department"], old, level)
        rating["level"] = level
        if still_open:
            turn.form.data["level"] = level   # the call-back's text and record say the level now given
        bad = services.service_settings.ratings.callback_levels
        done = f"好的，已把您的评价改为“{level}”。"
        if old in bad and level not in bad:
            if rating.get("task_id"):
                services.callbacks.close(rating.pop("task_id"), f"市民把评价改为“{level}”，无需回访")
            return Result.say(done + "感谢您的评价！")
        if level in bad and old not in bad:
            return self._open_callback(turn, rating, lead=done)
        if rating.get("task_id"):
            services.callbacks.add_note(rating["task_id"], f"市民把评价改为“{level}”")
        return Result.say(done, keep_form=still_open)

    def explains(self, turn: Turn) -> str | None:
        """"留电话干啥子？" where the call-back asks for a phone: what it is for, and that it may be left out."""
        if turn.form.step != "contact":
            return None
        department = turn.form.data.get("department") or "相关部门"
        return (f"留电话是为了方便{department}的工作人员打电话回访，了解您哪里不满意、帮您解决。电话不是必须留的："
                "不留的话，工作人员会在1个工作日内通过这个对话给您留言。方便的话请回复手机号；不想留请回复“不留”。"
                "也可以直接告诉我哪里不满意。")

    @staticmethod
    def _ask_phone(department: str) -> str:
        return (f"方便留一个手机号吗？{department}的工作人员会打电话回访；不留电话的话，工作人员会在这个对话里"
                "给您留言。请回复手机号，或回复“不留”。也可以直接告诉我哪里不满意。")

    def _contact(self, turn: Turn) -> Result:
        data, services = turn.form.data, turn.services
        text = (turn.text or "").strip()
        department = data["department"]
        in_chat = f"好的，{department}的工作人员会在1个工作日内通过这个对话联系您，请留意消息。"
        if DECLINES_CALLBACK.search(text) and not validators.phone_in(turn.words) and not _HERE.search(text):
            services.callbacks.close(data["task_id"], f"市民表示不需要回访：{mask_text(turn.words)}")
            return Result.say("好的，不再安排回访。感谢您的反馈，我们会转告相关部门改进。")
        # (read as written: the pause after the no is gone from the NLU's text)
        comment = _declines_first(turn.words.strip()) if not validators.phone_in(turn.words) else None
        if comment:   # "不留 你们自己看着办": no phone; what follows goes to whoever answers
            services.callbacks.add_note(data["task_id"], mask_text(comment))
            services.ratings.attach(data.get("rating_id"), comment=mask_text(comment))
            return Result.say("已记下您的意见。" + in_chat)
        if comment is not None or _skips(text) or validators.TAKEN_BACK.search(text):   # "15882619037 哎算了 电话不留了"
            return Result.say(in_chat)
        try:
            phone = validators.phone(turn.incoming.text if turn.incoming is not None and turn.incoming.text else text)
        except SlotInvalid:
            if any(c.isdigit() for c in text):
                return Result.say("请输入11位手机号；不想留电话请回复“不留”。", keep_form=True)
            # Not a number: what the citizen did not like goes to whoever calls back.
            services.callbacks.add_note(data["task_id"], text)
            services.ratings.attach(data.get("rating_id"), comment=text)
            data["comments"] += 1
            if data["comments"] >= MAX_COMMENTS:
                return Result.say("已记下您的意见。" + in_chat)
            return Result.say("已记下您的意见，会转给回访的工作人员。如方便，请再回复一个手机号；不留请回复“不留”。",
                              keep_form=True)
        try:
            order = services.adapters.workorders.create(
                topic="other", department=department, content=self._order_text(turn), district=CITY_WIDE,
                contact_phone=phone, id_number=turn.citizen.id_number if turn.citizen else None,
                idempotency_key="cb-" + data["task_id"])
        except BackendError:
            return Result.say("抱歉，12345系统暂时无法登记电话。" + in_chat + "也可以拨打12345热线。")
        services.callbacks.add_contact(data["task_id"], order_no=order.order_no, phone_masked=mask_phone(phone))
        return Result.say(f"已登记，{department}的工作人员会在1个工作日内拨打 {mask_phone(phone)} 回访"
                          f"（工单号 {order.order_no}）。")

    @staticmethod
    def _order_text(turn: Turn) -> str:
        d = turn.form.data
        when = ""
        if d.get("served_at"):
            when = f"（{datetime_cn(dt.datetime.fromtimestamp(d['served_at'], clock.now().tzinfo))}）"
        return (f"市民对智能助手办理的“{d['what']}”{when}评价为“{d['level']}”，请{d['department']}回电了解情况。"
                f"回访任务 {d['task_id']}。")
