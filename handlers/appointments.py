"""book_appointment: item -> hall -> date -> slot -> confirm; also cancelling and listing bookings.

Each step asks for the first thing still missing; the first message may already
give several ("明天上午10点去武侯区办居住证": a named time that is free is taken without asking). Booking is never done twice for one
confirmation: the idempotency key is derived from the form and the exact
booking (item, hall, date, slot), so a retried or repeated confirmation replays
the first booking, while a changed choice is a new request. The appointment
system itself refuses a full slot or a second booking of the same slot (Conflict).

One active booking per item: when the citizen already holds one for the item,
they are offered to reschedule it (the new booking is made first, then the old
one cancelled) or to keep it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from adapters.errors import BackendError, BusinessError, Conflict, NotFound
from bot.city.corrections import last_said
from bot.city.complaint_topics import scores as topic_scores
from bot.city.departments import DEPARTMENTS
from bot.city.districts import find_district
from bot.city.service_catalogue import Catalogue
from bot.city.slips import in_chinese, mended, named_with_a_slip
from bot.conversation.contract import Handler, Result, Turn
from bot.conversation.words import COMPLAINT_VERBS, KEEP, asks_about_cancelling
from bot.core import clock
from bot.core.messages import Card, Choice, Choices, ListReply, Text
from handlers.common import date_with_weekday, read_yes_no
from handlers.dates import parse_day, parse_time, part_of_day
from handlers.halls import distance_km

CANCEL_BOOKING_WORDS = ("取消预约", "退掉预约", "不去了", "预约取消", "撤销预约")
LIST_BOOKING_WORDS = ("我的预约", "查看预约", "查预约", "预约记录", "约了什么")
RESCHEDULE = "改约"
DAYS_OFFERED = 5        # working days offered as choices
BOOKABLE_DAYS = 14      # how far ahead the halls take bookings (from tomorrow)


_TELLS_A_PROBLEM = re.compile(COMPLAINT_VERBS)
# A question, not a booking said in fragments ("周五上午锦江区出入境开门吗").
_QUESTION = re.compile(r"[吗？?]|什么|哪|怎么|多久|几点|多少|咋|啥|能不能|可不可以|是不是|要不要|有没有|开门|上班")

# A number, an ISO date, a time or a hall id: the reply of an offered choice, read by the step.
_CHOICE_REPLY = re.compile(r"[\dA-Za-z\s:：.\-_]+|确认|取消|" + "|".join(map(re.escape, ("改约到其他时间", "保留"))))


# An item named by its thing and its act in another order ("补办社保卡", "社保卡掉了 想约个补办", "取公积金").
_ACTS = ("补办", "换领", "提取", "报销", "登记", "落户")


def _thing_of(item: str) -> str | None:
    """The thing an item acts on (社保卡 of 社保卡补办), None for an item that names no act."""
    act = next((a for a in _ACTS if item.endswith(a) and len(item) > len(a)), None)
    return item[:-len(act)] if act else None


def _named_item(bookable, text: str) -> str | None:
    """The longest bookable item the text names as it is written (社保卡补办 over 社保卡), else one
    whose thing it names with its act anywhere around (补办社保卡, 取公积金), else the one it names with a
    one-character slip (港奥通行证), its thing too ("换身分证"). An item named in English or pinyin is read
    in Chinese first (bot.city.slips.in_chinese): a whole name of it ("办passport", "renew ID card"), or its
    thing with an English act word beside it ("ID card expired" -> 身份证过期, "withdraw gongjijin" -> 公积金提取),
    judged by the Chinese act words; the thing alone ("ID card", "shebaoka") names no item, as in Chinese."""
    text = in_chinese(text)
    found = _named_as_written(bookable, text)
    if found:
        return found
    # ... else the one item named with a slip of the input method in it (港奥通行证, 护招), or its thing
    # said apart from the act with one (换身分证): bot.city.slips
    slipped = named_with_a_slip(bookable, text)
    if slipped:
        return slipped
    things = [t for t in map(_thing_of, bookable) if t]
    put_right = mended([*bookable, *things], text)
    return _named_as_written(bookable, put_right) if put_right != text else None


def _named_as_written(bookable, text: str) -> str | None:
    named = max((i for i in bookable if i in text), key=len, default=None)
    if named:
        return named
    def said_apart(item: str) -> bool:
        thing = _thing_of(item)
        if thing is None or not re.search(re.escape(thing) + r"(?!号)", text):
            return False   # (身份证号码 is the number, not the card)
        rest = re.sub(re.escape(thing) + r"号?码?", " ", text)
        return bool(re.search(_ACT_WORDS[item[len(thing):]], rest))
    return max((i for i in bookable if said_apart(i)), key=len, default=None)


# An item's act said apart from its thing: the act, or the one character of it that says it alone (补 / 办,
# 换 / 领, 提 / 取, 报, 登, 落 / 户), never a character of another word (医保 销户, 换个号码, 记得).
_ACT_WORDS = {"补办": r"补办|补|办", "换领": r"换领|领|换(?!个?号)", "提取": r"提取|提|取", "报销": r"报销|报",
              "登记": r"登记|登|[等灯邓]记", "落户": r"落户|落|户"}


def _when(booking, with_end: bool = False) -> str:
    end = f"-{booking.end}" if with_end else ""
    return f"{date_with_weekday(booking.date)} {booking.start}{end}"


# The day held moved by some days: "往后推一天", "推迟两天", "提前一天", "早一天".
_SHIFT = re.compile(r"(往后推?|推后|推迟|延后|晚)([一两二三123])天|(往前提?|提前|早)([一两二三123])天")
_SHIFT_DAYS = {"一": 1, "1": 1, "两": 2, "二": 2, "2": 2, "三": 3, "3": 3}
# A time slot left to us: "随便", "都可以", "最早的", "越早越好".
_ANY_SLOT = re.compile(r"随便|(?:哪个|几点)?都(?:可以|行|得行|要得)|越早越好|最早的(?:就行|就可以|吧|嘛)?$|最早(?:的)?那个")
# A yes that holds the choice back ("好的 我看一下", "可以 等我问下我老婆再说"), or turns every time down.
_ASKS_SLOT = re.compile(r"[吗？?]|有没有|能不能|可不可以|还有")
_HOLDS_BACK = re.compile(r"看一下|看下|看看|问下|问一下|再说|等我|等一下|等哈|想想|考虑|不行|不得行|都不")


class BookAppointment(Handler):
    intent = "book_appointment"
    label = "预约办事大厅"
    department = DEPARTMENTS["zwfw"]
    needs_identity = True
    commands = {"取消预约": {"action": "cancel"}, "我的预约": {"action": "list"}, "查看预约": {"action": "list"}}

    # -- start ----------------------------------------------------------------------------------
    def begin(self, turn: Turn) -> Result | None:
        text, action = turn.text or "", turn.entities.get("action")
        if action == "cancel" or any(w in text for w in CANCEL_BOOKING_WORDS):
            return self._start_cancel(turn)
        if action == "list" or any(w in text for w in LIST_BOOKING_WORDS):
            return self._list(turn)
        form = turn.form
        form.data["form_id"] = secrets.token_hex(8)
        item = self._item_from(turn, turn.entities.get("service_item")) or self._item_from(turn, text)
        if item:
            form.data["item"] = item
        district = turn.entities.get("district") or find_district(text)
        if district:
            form.data["district"] = find_district(district) or district
        day = parse_day(text, clock.today())
        if day:
            form.data["date"] = day.isoformat()
        if part_of_day(text):
            form.data["part"] = part_of_day(text)
        if parse_time(text):   # "明天上午10点": booked at 10:00 when that slot is free, else offered the day's
            form.data["want_start"] = parse_time(text)
        self._take_given(turn)   # a correction in the request itself: "金牛区，哦不是金牛 是天府新区", "3月4号 不对 是3月5号"
        return None

    def claims(self, text: str, session, intent: str | None, unsure: bool) -> bool:
        """A day, a half-day and a district said bare ("锦江区出入境 港澳通行证 周五上午", "明天上午 锦江区
        出生登记") are a booking, however the NLU reads the item in it; a day and a district too when
        the NLU is unsure. Not a question."""
        if session.form is not None or _QUESTION.search(text) or _TELLS_A_PROBLEM.search(text) or topic_scores(text):
            return False   # (a complaint says when and where too: "投诉 高新区… 今天早上 …")
        day, part, district = parse_day(text, clock.today()), part_of_day(text), find_district(text)
        # (a day alone, "后天下午三点", is an answer to nothing asked: the menu, not a booking; and a
        # booking is for a day to come: "今天早上" tells when something happened)
        return bool(day and day > clock.today() and district and (part or unsure))

    def values_in(self, turn: Turn) -> dict[str, str]:
        """The booking's values in a message (its own readers: the item, the district, the day, the
        half-day), for the dispatcher to tell an answer from a new request."""
        text = turn.words
        # The item only from what the form already asked the halls (never a backend call here: this
        # runs for a message that may be something else entirely, the backend may be down).
        found = {"item": _named_item(turn.form.data.get("bookable") or (), text), "district": find_district(text),
                 "date": parse_day(text, clock.today()), "part": part_of_day(text)}
        return {k: str(v) for k, v in found.items() if v}

    def answers_on_the_way(self, text: str) -> str | None:
        """"如果约了到时候去不成，能取消不？": how a booking is cancelled (the dispatcher asks only for a
        question about cancelling; the booking goes on)."""
        if asks_about_cancelling(text):
            return "可以取消：约好以后如果去不成，回复“取消预约”即可。"
        return None

    def handle(self, turn: Turn) -> Result:
        step = turn.form.step
        if step in ("item", "hall", "date", "slot", "confirm") and self._take_given(turn):
            return self._next(turn)   # what the message gave (or corrected) first; then what is missing
        if step == "cancel_pick":
            return self._cancel_pick(turn)
        if step == "cancel_confirm":
            return self._cancel_confirm(turn)
        if step == "reschedule":
            answer = read_yes_no(turn)   # "不改了" is a no
            if answer is None and "改" in (turn.text or ""):
                answer = True
            if answer is None:
                return Result.say(f"请回复“{RESCHEDULE}”换一个时间，或回复“{KEEP}”保留原预约。", keep_form=True)
            if not answer:
                return Result.say("好的，原预约保留，这次没有新增预约。回复“我的预约”可查看。")
            turn.form.data["replaces"] = turn.form.data["held"]
        elif step == "item":
            item = self._item_from(turn, turn.text)
            if not item:
                # a thing whose item is bookable ("身份证", "办ID card", "gongjijin"): the items that fit, never
                # "not bookable online"
                text = in_chinese(turn.text)
                fit = [i for i in self._bookable_items(turn) if (_thing_of(i) or i) in text]
                if fit:
                    return self._ask_item(turn, f"可以网上预约的有：{'、'.join(fit)}。请选择要办的事项：")
                return self._ask_item(turn, "这个事项暂不支持网上预约，请从下面选择：")
            turn.form.data["item"] = item
        elif step == "hall":
            hall = self._pick_hall(turn)
            if hall is None:
                return self._ask_hall(turn, "没有找到这个大厅，请回复编号选择：")
            turn.form.data["hall_id"] = hall
            # A hall of another district (none in the one said offers the item): the booking is there.
            turn.form.data["district"] = find_district(turn.form.data["hall_name"]) or turn.form.data.get("district")
        elif step == "date":
            day = parse_day(turn.text, clock.today())
            if day is None:
                return self._ask_date(turn, "没看懂日期，可以说“明天”“下周一”或“12月3日”，也可以回复编号：")
            turn.form.data["date"] = day.isoformat()
            turn.form.data.pop("start", None)
        elif step == "slot":
            start = self._pick_slot(turn)
            options = turn.form.data.get("slot_options") or []
            if start is None and options and not _HOLDS_BACK.search(turn.words) and not _ASKS_SLOT.search(turn.words) \
                    and (_ANY_SLOT.search(turn.words) or read_yes_no(turn)):
                # "就这样 确认预约", "随便哪个都行": the earliest free time of the half-day asked,
                # booked at once (the citizen has said yes to everything else; the reply says when)
                turn.form.data["start"] = options[0]
                return self._book(turn)
            if start is None:
                return self._ask_slot(turn, "请从下面的时段中选择（回复编号）：")
            turn.form.data["start"] = start
        elif step == "confirm":
            answer = read_yes_no(turn)
            if answer is None:
                return Result.say("请回复“确认”完成预约，或回复“取消”放弃。", keep_form=True)
            if not answer:
                return Result.say("好的，这次预约没有提交。需要时再找我。")
            return self._book(turn)
        return self._next(turn)

    # -- taking what the citizen gives, at any step ---------------------------------------------
    def _take_given(self, turn: Turn) -> bool:
        """Item, district, day and part of day the message names, the last mention winning and a
        turned-down one never ("不是锦江区是青羊区", "日期改成周五", "周四不行周五吧", "上午去不了 改下午嘛":
        bot.city.corrections): several at once, in any order,
        each replacing what was held (and what depended on it). True when anything changed."""
        # The words as written: NLU's normalised text has lost the spaces between clauses.
        text = turn.words.strip()
        if not text or _CHOICE_REPLY.fullmatch(text) or _CHOICE_REPLY.fullmatch((turn.text or "").strip()):
            return False   # a number or an offered choice's reply: the step reads it
        data, given = turn.form.data, {}
        given["item"] = last_said(text, lambda t: self._item_from(turn, t))
        district = last_said(text, find_district)
        given["district"] = district
        day = last_said(text, lambda t: parse_day(t, clock.today()))
        shift = _SHIFT.search(text)
        if day is None and shift and data.get("date"):
            # "日子往后推一天", "提前两天": the day held, moved
            days = _SHIFT_DAYS.get(shift.group(2) or shift.group(4), 1) * (1 if shift.group(1) else -1)
            day = dt.date.fromisoformat(data["date"]) + dt.timedelta(days=days)
        given["date"] = day.isoformat() if day else None
        given["part"] = last_said(text, part_of_day)
        given["want_start"] = last_said(text, parse_time)
        if given["part"] is None and given["want_start"] and "07:00" <= given["want_start"] <= "18:00":
            # "下礼拜二 9点半": a morning (an hour before 7 is an afternoon one said short: "3点那个")
            given["part"] = "am" if given["want_start"] < "12:00" else "pm"
        changed = {k: v for k, v in given.items() if v and v != data.get(k)}
        if not changed:
            return False
        data.update(changed)
        drop = {"item": ("hall_id", "hall_name", "hall_options", "start", "held"),
                "district": ("hall_id", "hall_name", "hall_options", "start"),
                "date": ("start",), "part": ("start",), "want_start": ("start",)}
        for key in changed:
            for dependent in drop[key]:
                data.pop(dependent, None)
        return True

    # -- asking for what is missing ------------------------------------------------------------
    def _next(self, turn: Turn) -> Result:
        data = turn.form.data
        if not data.get("item"):
            return self._ask_item(turn, "您要预约办理什么事项？请回复编号：")
        if "held" not in data:   # asked once per form, before any hall or day is chosen
            held = [b for b in self._active_bookings(turn) if b.item == data["item"]]
            data["held"] = {"no": held[0].booking_no, "what": f"{held[0].hall_name}，{_when(held[0])}"} if held else None
            if held:
                return self._offer_reschedule(turn)
        if data.get("date") and not self._bookable_day(turn, dt.date.fromisoformat(data["date"])):
            # a day the halls do not take is said at once, before the hall (下下周五 beyond the window)
            lead = f"{date_with_weekday(dt.date.fromisoformat(data['date']))}不能预约（只能约明天起{BOOKABLE_DAYS}天内的工作日），请另选："
            data.pop("date")
            return self._ask_date(turn, lead)
        if not data.get("hall_id"):
            return self._ask_hall(turn, None)
        if not data.get("date") or not self._bookable_day(turn, dt.date.fromisoformat(data["date"])):
            lead = None
            if data.get("date"):
                lead = f"{date_with_weekday(dt.date.fromisoformat(data['date']))}不能预约（只能约明天起{BOOKABLE_DAYS}天内的工作日），请另选："
                data.pop("date")
            return self._ask_date(turn, lead)
        if not data.get("start"):
            return self._ask_slot(turn, None)
        return self._confirm(turn)

    @staticmethod
    def _offer_reschedule(turn: Turn) -> Result:
        data = turn.form.data
        turn.form.step = "reschedule"
        return Result([Choices(f"您已经预约了“{data['item']}”：{data['held']['what']}。同一事项只能保留一个预约，"
                               "要改约到其他时间吗？（新预约成功后，原预约自动取消）",
                               (Choice("改约到其他时间", RESCHEDULE), Choice("保留原预约", KEEP)))], keep_form=True)

    def _ask_item(self, turn: Turn, prompt: str) -> Result:
        items = self._bookable_items(turn)
        turn.form.step = "item"
        return Result([Choices(prompt, tuple(Choice(i, i) for i in items))], keep_form=True)

    def _ask_hall(self, turn: Turn, prompt: str | None) -> Result:
        data = turn.form.data
        halls = self._halls_for(turn, data["item"], data.get("district"))
        note = ""
        if not halls and data.get("district"):
            # The district the citizen said stays theirs (a correction of it still reads as one) until
            # they choose a hall elsewhere; the other districts' halls nearest to it come first.
            halls, placed = _nearest_first(turn.services.adapters.appointments.halls(), data["item"], data["district"])
            nearest = f"离{data['district']}最近的" if placed else ""
            note = f"{data['district']}暂无可预约“{data['item']}”的大厅，以下是{nearest}其他区大厅："
        if not halls:
            turn.form.step = "item"
            data.pop("item", None)
            return self._ask_item(turn, "这个事项暂时没有可预约的大厅，请选择其他事项：")
        if len(halls) == 1 and prompt is None and not note:
            data["hall_id"] = halls[0].hall_id
            data["hall_name"] = halls[0].name
            return self._next(turn)
        turn.form.step = "hall"
        data["hall_options"] = {h.hall_id: h.name for h in halls}
        text = prompt or note or f"可以预约“{data['item']}”的大厅如下，请回复编号选择："
        return Result([Choices(text, tuple(Choice(f"{h.name}（{h.address}）", h.hall_id) for h in halls))],
                      keep_form=True)

    def _ask_date(self, turn: Turn, prompt: str | None) -> Result:
        turn.form.step = "date"
        day, days = clock.today(), []
        while len(days) < DAYS_OFFERED:
            day += dt.timedelta(days=1)
            if turn.services.office_hours.is_workday(day):
                days.append(day)
        text = prompt or "您想哪天去办理？可以说“明天”“下周一”或“12月3日”，也可以回复编号："
        return Result([Choices(text, tuple(Choice(date_with_weekday(d), d.isoformat()) for d in days))],
                      keep_form=True)

    def _ask_slot(self, turn: Turn, prompt: str | None) -> Result:
        data = turn.form.data
        day = dt.date.fromisoformat(data["date"])
        slots = turn.services.adapters.appointments.free_slots(data["item"], data["hall_id"], day)
        if data.get("part") == "am":
            slots = [s for s in slots if s.start < "12:00"] or slots
        elif data.get("part") == "pm":
            slots = [s for s in slots if s.start >= "12:00"] or slots
        if not slots:
            data.pop("date", None)
            return self._ask_date(turn, f"{date_with_weekday(day)}已经约满或不办公，请换一天：")
        if prompt is None and data.get("want_start") in [s.start for s in slots]:
            data["start"] = data["want_start"]   # the time the citizen named is free: no need to ask
            return self._confirm(turn)
        turn.form.step = "slot"
        data["slot_options"] = [s.start for s in slots]
        text = prompt or f"{date_with_weekday(day)}可预约的时段（回复编号）："
        return Result([Choices(text, tuple(Choice(f"{s.label}（余{s.remaining}个）", s.start) for s in slots))],
                      keep_form=True)

    def _confirm(self, turn: Turn) -> Result:
        data = turn.form.data
        turn.form.step = "confirm"
        day = dt.date.fromisoformat(data["date"])
        fields = (("事项", data["item"]), ("大厅", data.get("hall_name") or data["hall_id"]),
                  ("时间", f"{date_with_weekday(day)} {data['start']}"))
        if data.get("replaces"):
            fields += (("原预约", f"{data['replaces']['what']}（确认后取消）"),)
        card = Card("请确认预约信息", fields)
        return Result([card, Choices("确认提交吗？", (Choice("确认预约", "确认"), Choice("取消", "取消")))],
                      keep_form=True)

    # -- the booking itself --------------------------------------------------------------------------
    def _book(self, turn: Turn) -> Result:
        data = turn.form.data
        appointments = turn.services.adapters.appointments
        try:
            booking = appointments.book(turn.citizen.id_number, data["item"], data["hall_id"], data["date"],
                                        data["start"], idempotency_key=self.idempotency_key(turn))
        except Conflict as e:
            if e.code == "DUPLICATE_BOOKING":
                return Result.say("您已经预约过这个时段了，无需重复预约。回复“我的预约”可查看。")
            data.pop("start", None)
            return self._ask_slot(turn, "这个时段刚刚被约满了，请另选一个：")
        except BusinessError as e:
            if isinstance(e, NotFound):
                raise
            data.pop("start", None)
            return self._ask_slot(turn, "这个时段暂时不能预约，请另选一个：")
        catalogue: Catalogue = turn.services.catalogue
        item = catalogue.get(booking.item)
        footer = "如需取消，请回复“取消预约”。"
        if item:
            footer = f"请携带：{'；'.join(item.materials[:3])}。" + footer
        card = Card("预约成功", (("预约号", booking.booking_no), ("事项", booking.item), ("大厅", booking.hall_name),
                                ("地址", booking.address), ("时间", _when(booking, with_end=True))), footer)
        replies = [card]
        if data.get("replaces"):
            replies.append(self._cancel_replaced(turn, data["replaces"]["no"]))
        return Result(replies, served={"department": self.department})

    @staticmethod
    def _cancel_replaced(turn: Turn, booking_no: str) -> Text:
        """After a reschedule: the old booking goes (the new one is already made)."""
        try:
            turn.services.adapters.appointments.cancel(booking_no, turn.citizen.id_number)
        except BusinessError:
            pass   # already cancelled (a repeated confirmation), done or expired: nothing to undo
        except BackendError:
            return Text(f"原预约 {booking_no} 暂时没能取消，请稍后回复“取消预约”取消它。")
        return Text(f"原预约 {booking_no} 已取消。")

    @staticmethod
    def idempotency_key(turn: Turn) -> str:
        """Same form + same booking -> same key (a retry replays); any change -> a new key."""
        d = turn.form.data
        raw = "|".join((d["form_id"], d["item"], d["hall_id"], d["date"], d["start"]))
        return "appt-" + hashlib.sha256(raw.encode()).hexdigest()[:32]

    # -- cancelling and listing ----------------------------------------------------------------------
    def _active_bookings(self, turn: Turn) -> list:
        bookings = turn.services.adapters.appointments.bookings(turn.citizen.id_number)
        return sorted((b for b in bookings if b.status == "已预约"), key=lambda b: (b.date, b.start))

    def _list(self, turn: Turn) -> Result:
        active = self._active_bookings(turn)
        if not active:
            return Result.say("您目前没有待办理的预约。回复“预约”可以预约办事大厅。")
        items = tuple(f"{b.booking_no}：{b.item}，{b.hall_name}，{_when(b, with_end=True)}" for b in active)
        return Result([ListReply("您的预约", items, "如需取消，请回复“取消预约”。")], served={"department": self.department})

    def _start_cancel(self, turn: Turn) -> Result:
        active = self._active_bookings(turn)
        if not active:
            return Result.say("您目前没有可以取消的预约。")
        turn.form.data["cancel_options"] = [b.booking_no for b in active]
        if len(active) == 1:
            b = active[0]
            return self._ask_cancel_confirm(turn, b.booking_no, f"{b.item}，{b.hall_name}，{_when(b)}")
        turn.form.step = "cancel_pick"
        return Result([Choices("要取消哪个预约？", tuple(
            Choice(f"{b.item}，{b.hall_name}，{_when(b)}", b.booking_no) for b in active))], keep_form=True)

    def _cancel_pick(self, turn: Turn) -> Result:
        text = (turn.text or "").strip().upper()
        options = turn.form.data.get("cancel_options") or []
        pick = next((no for no in options if no in text), None)
        if pick is None:
            return Result.say("请回复编号选择要取消的预约，或回复“算了”。", keep_form=True)
        return self._ask_cancel_confirm(turn, pick, pick)

    @staticmethod
    def _ask_cancel_confirm(turn: Turn, booking_no: str, described: str) -> Result:
        turn.form.step = "cancel_confirm"
        turn.form.data["cancel_no"] = booking_no
        return Result([Choices(f"确定取消这个预约吗？{described}", (Choice("确定取消", "确定"), Choice("保留预约", KEEP)))],
                      keep_form=True)

    def _cancel_confirm(self, turn: Turn) -> Result:
        answer = read_yes_no(turn)
        if answer is None:
            return Result.say(f"请回复“确定”取消预约，或回复“{KEEP}”。", keep_form=True)
        if not answer:
            return Result.say("好的，预约保留。")
        try:
            booking = turn.services.adapters.appointments.cancel(turn.form.data["cancel_no"], turn.citizen.id_number)
        except Conflict:
            return Result.say("这个预约已经办理或过期，不能取消。")
        return Result.say(f"已取消预约 {booking.booking_no}（{booking.item}，{_when(booking)}）。",
                          served={"department": self.department})

    # -- reading answers -----------------------------------------------------------------------------
    @staticmethod
    def _bookable_items(turn: Turn) -> list[str]:
        # Asked once per form: the halls' items do not change within a conversation.
        if "bookable" not in turn.form.data:
            halls = turn.services.adapters.appointments.halls()
            turn.form.data["bookable"] = list(dict.fromkeys(i for h in halls for i in h.items))
        return turn.form.data["bookable"]

    def _item_from(self, turn: Turn, text: str | None) -> str | None:
        """The hall item the text names, directly or through a catalogue synonym (港澳签注 -> 签注)."""
        if not text:
            return None
        bookable = self._bookable_items(turn)
        direct = _named_item(bookable, text)
        if direct:
            return direct
        catalogue: Catalogue = turn.services.catalogue
        item = catalogue.get(text) or catalogue.find(text) or catalogue.find(in_chinese(text))   # "ID card expired"
        if item is None or not hasattr(item, "synonyms"):
            return None
        for word in (item.name, *item.synonyms):
            if word in bookable:
                return word
        return None

    @staticmethod
    def _halls_for(turn: Turn, item: str, district: str | None) -> list:
        halls = turn.services.adapters.appointments.halls(district)
        return [h for h in halls if item in h.items]

    @staticmethod
    def _pick_hall(turn: Turn) -> str | None:
        options: dict = turn.form.data.get("hall_options") or {}
        text = (turn.text or "").strip()
        for hall_id, name in options.items():
            if hall_id == text.upper() or name in text or (len(text) >= 4 and text in name):
                turn.form.data["hall_name"] = name
                return hall_id
        district = find_district(text)
        matches = [(i, n) for i, n in options.items() if district and n.startswith(district)]
        if len(matches) == 1:
            turn.form.data["hall_name"] = matches[0][1]
            return matches[0][0]
        return None

    @staticmethod
    def _pick_slot(turn: Turn) -> str | None:
        options = turn.form.data.get("slot_options") or []
        start = parse_time(turn.text)
        return start if start in options else None

    def _bookable_day(self, turn: Turn, day: dt.date) -> bool:
        return self.bookable_day(turn.services, day)

    @staticmethod
    def bookable_day(services, day: dt.date) -> bool:
        """A working day from tomorrow to BOOKABLE_DAYS ahead (the chat's rule and the mini-program's)."""
        first = clock.today() + dt.timedelta(days=1)
        if not (first <= day <= clock.today() + dt.timedelta(days=BOOKABLE_DAYS)):
            return False
        return services.office_hours.is_workday(day)


def _nearest_first(halls: list, item: str, district: str) -> tuple[list, bool]:
    """(the halls offering the item, whether they are nearest first): nearest to the district's own
    halls (the middle of their positions, whatever they offer); in the backend's order when the
    district has no hall at all (nothing to place it by)."""
    offering = [h for h in halls if item in h.items]
    own = [(h.lat, h.lon) for h in halls if h.district == district]
    if not own:
        return offering, False
    middle = (sum(p[0] for p in own) / len(own), sum(p[1] for p in own) / len(own))
    return sorted(offering, key=lambda h: distance_km(middle, (h.lat, h.lon))), True
