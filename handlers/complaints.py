"""file_complaint: collect what / where / when / (optional) contact (one message may give them
all: bot.city.complaint_parts), classify the topic, route it to a department (config
`complaint_routing`), file a 12345 work order that carries the masked conversation, and answer
with its GD number.
A GD number (or "我的投诉进度") asks for the progress instead.

Filing needs no identity (anyone may complain); progress does, because a work
order is only shown to the citizen it belongs to.
"""
from __future__ import annotations

import hashlib
import re
import secrets

from adapters.errors import NotFound
from bot.channels.hotline.gazetteer import gazetteer
from bot.city.complaint_parts import (_LEAD_WINDOW, TIME, known_places, names_only_a_place, only_a_time, place_in,
                                      plain_place, plain_time, time_in, without_places)
from bot.city.complaint_topics import TOPIC_NAMES, classify
from bot.city.corrections import LEADING_FILLER, WRONG
from bot.city.departments import DEPARTMENTS
from bot.city.districts import CITY_WIDE, find_district
from bot.conversation.contract import Handler, Result, Slot, SlotInvalid, Turn
from bot.conversation import forms
from bot.conversation.words import COMPLAINT_VERBS
from bot.core import clock
from bot.core.messages import Card, Choice, Choices, ListReply
from bot.core.privacy import APPLICATION_NO, ID_LIKE, PHONE, find_identifiers, mask_phone, mask_text
from handlers import validators
from handlers.common import datetime_cn, read_yes_no
from handlers.personal import NOT_FOUND_APPLICATION

# The content check's answers (Services.content_screen).
RISKY = ("您反映的内容未通过微信内容安全检测，这次没有提交。请删去不当内容后重新描述您遇到的问题，"
         "或拨打12345热线反映。")
REVIEW_FLAG = "【内容安全：微信内容安全检测建议人工复核，请12345热线办公室复核后再派单】"
SKIP_CONTACT = ("不留", "不用", "不方便", "没有", "跳过", "匿名", "不想留")
PROGRESS_WORDS = ("进度", "到哪", "怎么样了", "处理了吗", "有结果", "结果", "回复了吗", "办结了吗")
COMPLAINT_WORDS = ("投诉", "工单", "反映", "举报", "12345", "诉求")
# Words that only say "I want to complain"; what is left after removing them is the description.
_TRIGGER = re.compile(rf"(我要|我想|想要|帮我|请|麻烦|想|要)?({COMPLAINT_VERBS}|求助|报告|反馈)(一下|个|一个)?"
                      r"(问题|情况|事情|事)?|(你们)?(管不管|能不能管|可不可以管|管得到不)(嘛|哦|呢)?|"
                      r"(有个|有件)(情况|事情?|问题)|(跟|给|向)你们|[哈嘛哦呢]|[，。,.!！?？\s]")
# A road's section or a house number is part of a place, no description ("光华大道三段", "18号").
_PLACE_PARTS = re.compile(r"[一二三四五六七八九十东南西北中]段|[0-9一二三四五六七八九十]+号")


def places_named(text: str) -> list[tuple[int, int]]:
    """Where the text names a place the city's gazetteer knows (东郊记忆, 驷马桥, 簇锦街道, 九眼桥): the
    one list of the city's places, shared with the hotline (bot/channels/hotline/gazetteer.py)."""
    return [(p.start, p.start + len(p.said)) for p in gazetteer().places(text)]


def place_said(text: str) -> str | None:
    """Slot.recognise of the place: a place word (路, 小区, a district …) or a place the city knows."""
    return place_in(text, places_named)


def plainly_a_place(held: str | None, text: str) -> str | None:
    return plain_place(held, text, places_named)


def district_of(text: str | None, *, longer_than: int = 0) -> str | None:
    """The district a text names, or that of the first place it names as a place (驷马桥 → 金牛区;
    a two-character name only where it stands as one: 大面积停水 names no 大面). For the description,
    `longer_than=2`: a short name inside a story is too often another word (成大坑, 红光闪)."""
    named = find_district(text)
    if named or not text:
        return named
    for p in gazetteer().places(text):
        span = (p.start, p.start + len(p.said))
        if p.district and len(p.said) > longer_than and span in known_places(text, places_named):
            return p.district
    return None


# Words that only point at a place ("投诉武侯区玉林路那个…"): no description of their own.
_PHONE_WORDS = re.compile(r"(?:我的|我)?(?:电话|手机号?|联系方式)(?:号码|是)?")
_POINTING = re.compile(r"那个|这个|那边|这边|那里|这里|附近|旁边|一带|有个|有家|的|在")


def names_a_place_or_tells(text: str) -> bool:
    """Slot.accepts of the place: any answer, but not a question that names no place ("停水是不是要找
    自来水公司哦？你们管不管嘛": asked again)."""
    return place_said(text) is not None or not _QUESTION.search(text)


def says_what(text: str) -> bool:
    """Does an answer to "what happened?" say more than where and when ("武侯区玉林北路" does not;
    "好吵" does)? Slot.accepts of the description. An answer that is only a place ("就在四川大学望江
    校区东门外头") or only a time ("上周五晚上发现的") says none: it fills its own slot, and what
    happened is asked again."""
    if plainly_a_place(None, text) or only_a_time(text):
        return False
    rest = _PHONE_WORDS.sub("", ID_LIKE.sub("", PHONE.sub("", text)))
    rest = _POINTING.sub("", _PLACE_PARTS.sub("", without_places(TIME.sub("", _TRIGGER.sub("", rest)), places_named)))
    return bool(re.sub(r"[\W_\d]", "", rest))


# A message led by words that say what was said is wrong, or what is meant ("不对 主要是…", "不是X 是Y",
# "说错了 是…", "我要说的是…").
_RESTATES = re.compile(rf"^{LEADING_FILLER}(?:刚才|刚刚|我刚才|我刚刚)?\s*"
                       rf"(?:(?:{WRONG}|不是)[\s，,。.!！]*)*(?:{WRONG}|不是|(?:主要|其实|真正)是|我(?:要|想)?(?:说|讲|反映|投诉|举报)的是|"
                       r"我(?:的意思|是想说|是说))")
# … what it leads with, before what happened ("主要是", "是", "我要说的是")
_RESTATED_LEAD = re.compile(r"^[\s，,。.!！]*(?:(?:主要|其实|真正|就)?是|我(?:要|想)?(?:说|讲|反映|投诉|举报)的是|我(?:的意思是|是想说|是说))?"
                            r"[\s，,。.!！]*")
# "不是烧烤摊的问题 是他们往雨水井倒污水": what is meant is what follows the 是
_NOT_THIS_BUT = re.compile(r"^不是[^是]{1,20}?[\s，,。]*(?:而|主要|其实|就)?是")
# Another slot named right after the correction ("不对 地址是…", "说错了 电话是…"): not what happened.
_NAMES_ANOTHER = re.compile(r"^[\s，,。]*(?:是|我的|我)?(?:地址|地点|位置|地方|时间|日期|电话|手机|号码|联系)")
# A phone declined ("不用留电话了", "不想留号码", "电话就不留了"): words of the phone, not of what happened.
_DECLINES_THE_PHONE = re.compile(r"不(?:用|想|方便|必|要)?留(?:电话|号码|手机|联系|了|$)|(?:电话|号码|手机)(?:就|还是)?不(?:用|想)?留")
_CONTACT_WORD = re.compile(r"电话|手机|号码|联系方式")
# A lead that only says no (不对, 不是, 错了 …): what follows restates only when led by what is meant (是,
# 主要是, 我是说 …); an explicit "I said it wrong" (说错了, 搞错了 …) leads a restatement by itself.
_ONLY_NO = re.compile(rf"{LEADING_FILLER}(?:刚才|刚刚|我刚才|我刚刚)?\s*(?:(?:不对|不是|错了|哦不)[\s，,。.!！]*)+")
# Words said to the office (你们, 能不能, 快点, 派人 …): from such a word to its clause's end is what is
# asked of it, never what happened ("晚上那个酒吧太吵 你们派人来看看": the bar is what happened) …
_TO_THE_SERVICE = re.compile(r"(?:你们|能不能|可不可以|能否|快点|赶紧|尽快|派人|希望)[^\s，,。.!！;；]*")
# … and the words of a request left before it ("想快点解决": 想; "处理一下"): a clause of these alone
# asks, it says nothing of what happened (处理 / 解决 with more words are what happened: "垃圾一直没人处理").
_ASKING_WORDS = re.compile(r"就是|我们|我|想|要|请|帮忙|帮|处理|解决|管|看看|看|一下|下|来|过来|好|吧|啊|呀|嘛|呢|了|的")
# A question in a correction (好几家, 几个 are no question: "不对 主要是好几家烧烤摊占道").
_ASKS = re.compile(r"[吗？?]|什么|哪|怎么|咋|啥|多少|几点|几号|几时|几天了")
_HAPPENING = re.compile(r"施工|装修|排放|排污|偷排|倒|扔|焚烧|烧垃圾|占道|乱停|停水|停电|拖欠|不发|乱收|收费|打人|骂人")
_SAYS_WHICH = re.compile(r"(?:主要|其实|真正)是|我(?:要|想)?(?:说|讲|反映|投诉|举报)的是|我(?:的意思是|是想说|是说)")


def _without_the_phone_declined(text: str) -> str:
    """A text without its clauses that decline the phone ("楼上漏水 电话不用留了" → "楼上漏水"): each
    clause is cut from its first word of the phone (电话, 不用留 …) when it declines it."""
    kept = []
    for clause in re.split(r"([\s，,。.!！;；]+)", text):
        declined = _DECLINES_THE_PHONE.search(clause)
        named = _CONTACT_WORD.search(clause)
        if named and not declined and any(w in clause[named.start():] for w in SKIP_CONTACT):
            declined = named   # "不方便留手机" is read above; "手机不方便" here
        if declined:
            start = min(declined.start(), named.start()) if named else declined.start()
            clause = clause[:start]
        kept.append(clause)
    return re.sub(r"^[\s，,。.!！;；]+|[\s，,。.!！;；]+$", "", "".join(kept))


def restated_what(text: str) -> str | None:
    """What happened, said again to correct it ("不对 主要是污水 他们把油污水直接倒进雨水井头 在成华区
    府青路二段", "不是烧烤摊的问题 是他们往雨水井倒污水", "说错了 是楼上那家在装修"): the new description,
    or None when the correction is of where, when or the phone ("不对，是武侯区双楠小区", "说错了 不是
    上周五 是上周四晚上", "刚刚说岔了 是IFS背后那个") or no correction at all."""
    said = (text or "").strip()
    lead = _RESTATES.match(said[:_LEAD_WINDOW])   # (the lead is in its first words: a guard on a long message)
    if lead is None or _ASKS.search(said) or find_identifiers(said):
        return None
    but = _NOT_THIS_BUT.match(said)
    rest = said[max(but.end(), lead.end()):] if but else said[lead.end():]
    meant = _RESTATED_LEAD.match(rest)
    if not but and _ONLY_NO.fullmatch(said[:lead.end()]) and "是" not in meant.group(0):
        return None   # "不对啊 我都投诉三次了…", "不是我说 他们…": a no, no words of what is meant
    rest = rest[meant.end():].strip()
    if not rest or _NAMES_ANOTHER.match(rest) or plainly_a_place(None, rest) or only_a_time(rest) \
            or names_only_a_place(rest, places_named):
        return None   # (a place corrected: "其实是在玉林北路那家烧烤店门口")
    rest = _without_the_phone_declined(rest)
    if not rest:
        return None   # "我是说不用留电话了", "我的意思是不想留号码": the phone declined, never what happened
    told = _TO_THE_SERVICE.sub(" ", rest)
    if not re.sub(r"[\W_\d]", "", _ASKING_WORDS.sub("", told)):
        return None   # "我的意思是你们能不能快点处理": what is asked of the office, not what happened
    described = re.sub(r"[\W_\d]", "", _POINTING.sub("", _PLACE_PARTS.sub(
        "", without_places(TIME.sub("", told), places_named))))
    # (what happened in so many words, a trouble, or a story long enough not to be a place's name)
    if but and _TROUBLE.search(described):
        return rest   # "不是吵 是臭": a trouble for another, however short
    if len(described) < 3 or not (_SAYS_WHICH.search(said) or _TROUBLE.search(described)
                                  or _HAPPENING.search(described) or len(described) >= 8):
        return None
    return rest


def describes(text: str) -> bool:
    """Does a complaint's first message say what happened, besides "I complain" and where and
    when ("投诉武侯区玉林路" only says where: the form asks what happened)?"""
    described = _TRIGGER.sub("", _PHONE_WORDS.sub("", ID_LIKE.sub("", PHONE.sub("", text))))
    if _PROBLEM.search(described):
        return True   # "投诉停水！": a complaint word and the problem it names
    if len(described) < 3:
        return False
    rest = without_places(TIME.sub("", described), places_named)
    return len(_POINTING.sub("", rest)) >= 2


def contact(value: str) -> str:
    if any(w in value for w in SKIP_CONTACT):
        return ""
    try:
        return validators.phone(value)
    except SlotInvalid:
        raise SlotInvalid("请输入11位手机号；不想留电话请回复“不留”。") from None


def order_number(*texts: str | None) -> str | None:
    """The first GD… work-order number in the texts."""
    for text in texts:
        m = next((m for m in APPLICATION_NO.finditer((text or "").upper()) if m.group(1) == "GD"), None)
        if m:
            return m.group(0)
    return None


def is_progress_request(entities: dict, text: str) -> bool:
    number = entities.get("application_no") or ""
    if number.startswith("GD") or order_number(text):
        return True
    return any(w in (text or "") for w in PROGRESS_WORDS) and any(w in (text or "") for w in COMPLAINT_WORDS)


_QUESTION = re.compile(r"[吗？?]|什么|哪|怎么|咋|啥|多少|几")
# A problem named in a word or two: said after a complaint word, it is what happened.
_PROBLEM = re.compile(r"^(?:停水|停电|停气|断水|断电|断气|噪音|噪声|油烟|漏水|渗水|积水|臭味|异味|扰民|乱停车|违建|违章建筑|"
                      r"占道|乱倒垃圾|偷排|排污|污水)(?:了|啦)?$")
# Words of a service asked for, not a problem told ("明天上午去武侯区办居住证").
_ASKS_A_SERVICE = re.compile(r"办|约|查|问|预约|申请|领|缴费|交费")
_PRAISE = re.compile(r"谢谢|感谢|表扬|负责|好评|点赞|很好|满意|辛苦")
# Words of a trouble the routing table may not name (light shone into a home, a smell, a danger).
_TROUBLE = re.compile(r"照到|晃眼|刺眼|吵|臭|熏|脏|乱|坏|堵|漏|危险|扰民|受不了|睡不着|没人管")


class FileComplaint(Handler):
    intent = "file_complaint"
    label = "投诉建议（12345）"
    department = DEPARTMENTS["rx12345"]
    owns_prefixes = ("GD",)
    keeps_citizen_lines = True   # the work order carries what the citizen said while complaining
    phone_steps = ("contact",)
    slots = (
        Slot("content", "请简单描述您要反映的问题：发生了什么？", free_text=True, accepts=says_what,
             restated=restated_what),
        # Where and when are read from any message by their words (a complaint told in one sentence
        # fills all three at once; a later place or time corrects them); asked, any answer is kept,
        # but one that is plainly the other ("金牛区茶店子 西华苑" where the time was asked) fills that.
        Slot("location", "问题发生在哪里？请说明区和具体地点（如：武侯区玉林路某小区）。", free_text=True,
             recognise=place_said, accepts=names_a_place_or_tells, plainly=plainly_a_place),
        Slot("when", "大概是什么时候发生的？（如：每天晚上10点以后、昨天下午）", free_text=True,
             recognise=time_in, plainly=plain_time),
        Slot("contact", "方便留一个手机号吗？便于承办部门联系和回复您。不想留请回复“不留”。",
             validate=contact, skip_words=SKIP_CONTACT, recognise=validators.phone_in,
             explain="留电话是为了方便承办部门向您核实情况、把处理结果告诉您；号码只随这张工单转给承办部门，"
                     "这里的回复都会隐去中间四位。电话不是必须留的，不留也可以提交，提交后回复工单号就能查询进度。"
                     "方便的话请回复11位手机号；不想留请回复“不留”。"),
    )

    def needs_identity_for(self, entities: dict, text: str) -> bool:
        return is_progress_request(entities, text)

    def answers_on_the_way(self, text: str) -> str | None:
        # "投诉了好久有人回复哦", "要多久才处理？" while the complaint is being told
        return ("提交后一般1个工作日内派单，承办部门会在规定时限内处理并联系或回复您；"
                "提交后回复工单号就能查询进度")

    def claims(self, text: str, session, intent: str | None, unsure: bool) -> bool:
        """A problem told without any word of complaining ("我叫罗小燕 住在成华区沙河堡 对面工地的塔吊
        天天晚上开起大灯 直接照到我屋头"), which the NLU reads as an answer: a complaint, when no form is
        open and the message tells what, where and when of a problem of the routing table."""
        if not unsure or intent not in ("inform", None) or session.form is not None or _QUESTION.search(text) \
                or _PRAISE.search(text):   # ("那个医生很负责 谢谢他": praise, not a problem)
            return False
        return (len(re.sub(r"\W", "", text)) >= 15 and find_district(text) is not None and time_in(text) is not None
                and describes(text) and not _ASKS_A_SERVICE.search(text)
                and (classify(text) != "other" or _TROUBLE.search(text) is not None))

    # -- start ----------------------------------------------------------------------------------
    def begin(self, turn: Turn) -> Result | None:
        if is_progress_request(turn.entities, turn.text):
            return self._progress(turn)
        turn.form.data["form_id"] = secrets.token_hex(8)
        if describes(turn.text or ""):  # the first message already says what happened, in their words
            turn.form.slots["content"] = turn.words.strip()
        return None

    def handle(self, turn: Turn) -> Result:
        if turn.form.step == "confirm":
            if self._corrected(turn):   # "不对，是在武侯区…" at the card: the card again, corrected
                return self._confirm(turn)
            answer = read_yes_no(turn)
            if answer is None:
                return Result.say("请回复“确认”提交，或回复“取消”放弃。", keep_form=True)
            if not answer:
                return Result.say("好的，没有提交。需要时可以随时再反映。")
            return self._file(turn)
        return self._confirm(turn)

    def _corrected(self, turn: Turn) -> bool:
        """A place, a time or a phone said at the confirmation replaces the one held; a phone taken
        back ("电话不留了") is dropped."""
        said = turn.words
        changed = False
        if validators.TAKEN_BACK.search(said):
            # "电话不留了": the card without it (and again, with none held: the answer is about the phone)
            turn.form.slots["contact"] = ""
            changed = True
        if forms.fix_held_number(turn.form, said) or forms.fix_held_words(turn.form, said):
            return True    # "啊打错了 最后两位是32", "不是东三段 是东二段"
        if forms.restates_a_held_value(self, turn.form, said):
            return True    # "不对 主要是污水 … 在成华区府青路二段": what happened, and the place in it
        for slot in self.slots:
            value = slot.recognise(said) if slot.recognise else None
            if value and value != turn.form.slots.get(slot.name):
                turn.form.slots[slot.name] = slot.validate(value) if slot.validate else value
                changed = True
        return changed

    def _route(self, turn: Turn) -> tuple[str, str, str]:
        return self.route(turn.services, turn.slots["content"], turn.slots["location"])

    @staticmethod
    def route(services, content: str, location: str) -> tuple[str, str, str]:
        """(topic, department, district) of a complaint: its topic decides who receives it."""
        topic = classify(f"{content} {location}")
        department = services.service_settings.complaint_routing[topic]
        district = district_of(location) or district_of(content, longer_than=2) or CITY_WIDE
        return topic, department, district

    def _confirm(self, turn: Turn) -> Result:
        topic, department, district = self._route(turn)
        turn.form.step = "confirm"
        slots = turn.slots
        phone = mask_phone(slots["contact"]) if slots["contact"] else "未留"
        fields = [("问题", mask_text(slots["content"])), ("地点", mask_text(slots["location"])),
                  ("时间", mask_text(slots["when"])), ("联系电话", phone),
                  ("问题类型", TOPIC_NAMES[topic]), ("将转交", department)]
        return Result([Card("请确认您的诉求", tuple(fields)),
                       Choices("确认提交到12345吗？", (Choice("确认提交", "确认"), Choice("取消", "取消")))],
                      keep_form=True)

    def _file(self, turn: Turn) -> Result:
        flagged = False
        screen = turn.services.content_screen
        if screen is not None:   # the channel's content check (the mini-program's msgSecCheck)
            s = turn.slots
            suggest = screen(turn.incoming.channel, turn.incoming.user_id, "\n".join((s["content"], s["location"], s["when"])))
            if suggest == "risky":
                return Result.say(RISKY)
            flagged = suggest == "review"
        order, topic = self.file_order(turn.services, turn.slots, channel=turn.incoming.channel,
                                       said=turn.form.data.get("said", []), citizen=turn.citizen,
                                       form_id=turn.form.data["form_id"], flagged=flagged)
        return Result.say(f"已为您提交12345工单，工单号 {order.order_no}，转交{order.department}办理"
                          f"（问题类型：{TOPIC_NAMES[topic]}）。一般1个工作日内派单，承办部门会在规定时限内处理并回复。"
                          "查询进度请回复工单号。", served={"department": order.department, "order_no": order.order_no})

    def file_order(self, services, slots: dict, *, channel: str, said: list[str], citizen, form_id: str,
                   flagged: bool = False):
        """File the work order of a complaint (the chat's confirmation, and the mini-program's
        POST /api/mp/complaints): (order, topic). Filed once per `form_id` however often retried."""
        topic, department, district = self.route(services, slots["content"], slots["location"])
        flag = REVIEW_FLAG if flagged else ""   # first line for the 12345 office: review this one
        order = services.adapters.workorders.create(
            topic=topic, department=department, content=self.order_text(slots, channel, said, flag),
            district=district, contact_phone=slots.get("contact") or "",
            id_number=citizen.id_number if citizen else None,
            idempotency_key="gd-" + hashlib.sha256(form_id.encode()).hexdigest()[:32])
        return order, topic

    @staticmethod
    def work_order_text(turn: Turn) -> str:
        return FileComplaint.order_text(turn.slots, turn.incoming.channel, turn.form.data.get("said", []))

    @staticmethod
    def order_text(slots: dict, channel: str, said: list[str], flag: str = "") -> str:
        """What the 12345 operator (and the department) reads: the facts, then what the citizen
        said while complaining — all masked. Never the bot's replies or earlier requests: they may
        hold other personal data (an account balance) that is no business of the department.
        `flag`: a note for the 12345 office first (e.g. the content check asks for a review)."""
        lines = [flag] if flag else []
        lines += [f"【市民反映】{slots['content']}", f"【地点】{slots['location']}", f"【时间】{slots['when']}",
                  f"【渠道】智能助手（{channel}）", "【对话记录】"]
        lines += [f"市民：{text}" for text in said]
        return mask_text("\n".join(lines))

    # -- progress ---------------------------------------------------------------------------------
    def _progress(self, turn: Turn) -> Result:
        workorders = turn.services.adapters.workorders
        number = order_number(turn.entities.get("application_no"), turn.text)
        day = clock.today()
        if number:
            try:
                order = workorders.get(number, turn.citizen.id_number)
            except NotFound:
                return Result.say(NOT_FOUND_APPLICATION)
            return Result([self._card(order, day)], served={"department": order.department})
        orders = workorders.orders(turn.citizen.id_number)
        if not orders:
            return Result.say("没有查到您名下的12345工单。如需反映问题，请直接告诉我发生了什么。")
        open_orders = [o for o in orders if not o.done] or orders[:1]
        if len(open_orders) == 1:
            return Result([self._card(open_orders[0], day)], served={"department": open_orders[0].department})
        items = tuple(f"{o.order_no}：{o.summary}（{o.status}，{o.department}）" for o in open_orders)
        return Result([ListReply("您的12345工单", items, "回复工单号查看详细进度。")], served={"department": self.department})

    @staticmethod
    def _card(order, day) -> Card:
        fields = [("工单号", order.order_no), ("诉求", order.summary), ("承办部门", order.department),
                  ("状态", order.status), ("受理时间", datetime_cn(order.created_at, day))]
        for step in order.steps[-3:]:
            fields.append((datetime_cn(step.at, day), f"{step.stage}（{step.department}）{step.note}"))
        footer = "已办结。对处理结果不满意可回复“不满意”。" if order.done else "正在办理中，办结后会短信告知结果。"
        return Card("12345工单进度", tuple(fields), footer)
