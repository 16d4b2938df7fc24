"""The mini-program's service API (bot/web/mp_services.py serves it): what each /api/mp endpoint
does for a logged-in citizen, with the chat's own rules.

    ledger, appointments, complaint progress   the adapters, with the bound citizen's own ID number
                                               only (never one the caller sends), read as the bot for
                                               the citizen's own query (audited like the chat's reads)
    binding (start, code), rating              a turn of the chat's own handler through the
                                               dispatcher: the same checks, lock-outs, SMS limits
                                               and replies; the API reads the outcome from the stores
    filing a complaint                         the chat's complaint handler files it (ChatRules), after
                                               WeChat's msgSecCheck of the text

What only the handlers know (the ledger's filters, which days can be booked, how a complaint is
routed and filed, the slot validators) is handed in by the composition root as ChatRules, so that
bot/ never imports handlers/ and nothing here is a second copy of a rule.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from adapters.fanout import collect_affairs
from bot.conversation.contract import Services, SlotInvalid
from bot.conversation.dispatcher import BOT_READER
from bot.core import access, clock, metrics
from bot.core.messages import Incoming, Reply, to_json
from bot.core.privacy import mask_text
from bot.records import ConsentProblem
from bot.stores.identity import Citizen
from bot.stores.sessions import SessionStore
from bot.wechat_api import WeChatError
from bot.wechat_api.content_check import ContentCheck

log = logging.getLogger(__name__)

CHANNEL = "miniprogram"
BIND_INTENT, RATE_INTENT = "bind_identity", "rate_service"
RISKY_REPLY = ("您提交的内容未通过微信内容安全检测，暂时无法提交。请删去不当内容后重新描述您遇到的问题，"
               "或拨打12345热线反映。")


class NotBound(Exception):
    """A personal endpoint, and the caller has not bound their identity."""


class Refused(Exception):
    """The request is understood and refused (a rule of the chat said no); `field` names the input."""

    def __init__(self, message: str, field: str | None = None, messages: list[dict] | None = None):
        super().__init__(message)
        self.message, self.field, self.messages = message, field, messages or []


@dataclass(frozen=True)
class ChatRules:
    """What the chat's handlers decide, handed in by bot/runtime.py."""
    ledger_filter: Callable[[str, dt.date], Any]            # plain words → a LedgerFilter
    bookable_day: Callable[[Services, dt.date], bool]
    file_complaint: Callable[..., tuple]                     # (services, slots, channel=, said=, citizen=, form_id=, flagged=)
    validators: Mapping[str, Callable[[str], str]]           # person_name, id_number, contact (raise SlotInvalid)
    backend_names: Mapping[str, str]


def mask_json(value: Any) -> Any:
    """The last safety net, as in the chat: no ID or phone number leaves unmasked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_json(v) for v in value]
    return value


class MiniProgramApi:
    def __init__(self, *, handle: Callable[[Incoming], list[Reply]], services: Services, sessions: SessionStore,
                 rules: ChatRules, content_check: ContentCheck | None, check_content: bool):
        self.handle = handle
        self.services = services
        self.sessions = sessions
        self.rules = rules
        self.content_check = content_check if check_content else None

    # -- who ------------------------------------------------------------------------------------
    @staticmethod
    def user_key(openid: str) -> str:
        return f"{CHANNEL}:{openid}"

    def citizen(self, openid: str) -> Citizen | None:
        return self.services.identity.get(self.user_key(openid))

    def bound(self, openid: str) -> Citizen:
        citizen = self.citizen(openid)
        if citizen is None:
            raise NotBound()
        return citizen

    def check(self, validator: str, value: str, field: str) -> str:
        """The chat's slot validator; Refused (naming `field`) with the chat's own words."""
        try:
            return self.rules.validators[validator](value)
        except SlotInvalid as bad:
            raise Refused(str(bad), field) from None

    # -- identity binding (the chat's handler, one turn each) -------------------------------------
    def binding(self, openid: str) -> dict:
        citizen = self.citizen(openid)
        if citizen is None:
            form = self.sessions.load(self.user_key(openid)).form
            waiting = form is not None and form.intent == BIND_INTENT and form.step == "code"
            return {"bound": False, "code_sent_to": form.data.get("phone_masked") if waiting else None}
        return {"bound": True, "surname": citizen.surname_masked, "id_number": citizen.id_masked,
                "phone": citizen.phone_masked}

    def start_binding(self, openid: str, name: str, id_number: str) -> dict:
        name = self.check("person_name", name, "name")
        id_number = self.check("id_number", id_number, "id_number")
        if self.citizen(openid) is not None:
            raise Refused("已完成实名绑定；如需更换，请先解除绑定。", None)
        # The binding form reads the name and the number by their shapes, as from a chat message.
        said = self._turn(openid, intent=BIND_INTENT, text=f"我叫{name}，身份证号{id_number}")
        state = self.binding(openid)
        if state.get("code_sent_to"):
            return {**state, "messages": said}
        raise Refused(_words(said) or "身份核验没有完成。", "id_number", said)

    def finish_binding(self, openid: str, code: str) -> dict:
        form = self.sessions.load(self.user_key(openid)).form
        if form is None or form.intent != BIND_INTENT or form.step != "code":
            raise Refused("没有等待中的验证码：请先提交姓名和身份证号。", "code")
        said = self._turn(openid, text=code)
        state = self.binding(openid)
        if state["bound"]:
            return {**state, "messages": said}
        raise Refused(_words(said) or "验证码不正确。", "code", said)

    def unbind(self, openid: str) -> bool:
        """What the chat's "解除绑定" does once confirmed: the binding is deleted."""
        return self.services.unbind(self.user_key(openid))

    # -- ratings --------------------------------------------------------------------------------
    def rate(self, openid: str, level: str) -> dict:
        session = self.sessions.load(self.user_key(openid))
        if not session.last_served:
            raise Refused("还没有办理需要评价的业务：办理后可以评价。", "level")
        said = self._turn(openid, intent=RATE_INTENT, entities={"level": level}, text=level)
        return {"rated": True, "messages": said}

    # -- the ledger -----------------------------------------------------------------------------
    def ledger(self, openid: str, **filters: Any) -> dict:
        return self.ledger_of(self.bound(openid), BOT_READER, **filters)

    def ledger_of(self, citizen: Citizen, reader: access.Reader, *, domain: str | None, status: str | None,
                  since: dt.date | None, until: dt.date | None, district: str | None, period: str | None) -> dict:
        """The citizen's ledger with the chat's filters, read (and audited) as `reader`: the bot for
        the citizen's own query, a partner under the citizen's consent (bot/channels/partner_api.py)."""
        wanted = self.rules.ledger_filter(period or "", clock.today())
        changes: dict[str, Any] = {}
        if domain:
            changes["domains"] = frozenset({domain})
        if status:
            changes["done"] = status == "done"
        if since:
            changes["since"] = since
        if until:
            changes["until"] = until
        if district:
            changes["districts"] = frozenset({district})
        wanted = dataclasses.replace(wanted, **changes)
        with access.reading_as(reader):
            result = collect_affairs(self.services.adapters, citizen.id_number,
                                     self.services.service_settings.ledger.deadline_s)
        affairs = sorted(wanted.apply(result.affairs), key=lambda a: (a.done, -a.updated_at.timestamp()))
        missing = [{"backend": b, "name": self.rules.backend_names.get(b, b), "why": k}
                   for b, k in sorted(result.missing.items()) if k != "business"]
        return mask_json({
            "affairs": [{"domain": a.domain, "item": a.item, "status": a.status, "stage": a.stage, "place": a.place,
                         "district": a.district, "updated_at": a.updated_at.isoformat(), "next_step": a.next_step,
                         "ref_no": a.ref_no, "done": a.done} for a in affairs],
            "total": len(result.affairs), "complete": not missing, "missing": missing})

    # -- consents to partners (我的授权; bot/records/consents.py) ---------------------------------
    def consents(self, openid: str) -> list[dict]:
        citizen_key, _ = self.services.identity.citizen_keys(self.bound(openid))
        return [c.public() for c in self.services.consents.of_citizen(citizen_key)]

    def consent_request(self, openid: str, code: str) -> dict | None:
        """What a partner's code asks for (who, what, why, how long), before the citizen answers."""
        self.bound(openid)
        self._code_allowed(openid)
        found = self.services.consents.pending(code)
        if found is None:
            self.services.wrong_consent_code(self.user_key(openid))
        return found.public() if found is not None else None

    def _code_allowed(self, openid: str) -> None:
        """Wrong codes are counted (a code is 8 characters: guessing must stay slow)."""
        wait = self.services.consent_code_locked(self.user_key(openid))
        if wait:
            raise Refused(f"授权码输错的次数较多，请 {max(1, wait // 60)} 分钟后再试。", "code")

    def decide_consent(self, openid: str, code: str, grant: bool) -> dict:
        citizen_key, identity_key = self.services.identity.citizen_keys(self.bound(openid))
        self._code_allowed(openid)
        try:
            decided = self.services.consents.decide(code, grant, citizen_key=citizen_key, identity_key=identity_key,
                                                    via=CHANNEL)
        except ConsentProblem as e:
            self.services.wrong_consent_code(self.user_key(openid))
            raise Refused(str(e), "code") from None
        return decided.public()

    def revoke_consent(self, openid: str, consent_id: str) -> dict:
        """LookupError: not one of the citizen's consents in force."""
        citizen_key, _ = self.services.identity.citizen_keys(self.bound(openid))
        return self.services.consents.revoke(consent_id, citizen_key, CHANNEL).public()

    # -- appointments ---------------------------------------------------------------------------
    def halls(self, item: str | None, district: str | None) -> list[dict]:
        halls = self.services.adapters.appointments.halls(district)
        return [{"hall_id": h.hall_id, "name": h.name, "district": h.district, "address": h.address,
                 "hours": h.hours, "phone": h.phone, "items": list(h.items)}
                for h in halls if item is None or item in h.items]

    def free_slots(self, item: str, hall_id: str, day: dt.date) -> list[dict]:
        if not self.rules.bookable_day(self.services, day):
            raise Refused("只能预约明天起14天内的工作日。", "date")
        slots = self.services.adapters.appointments.free_slots(item, hall_id, day)
        return [{"start": s.start, "end": s.end, "remaining": s.remaining} for s in slots]

    def bookings(self, openid: str) -> list[dict]:
        citizen = self.bound(openid)
        with access.reading_as(BOT_READER):
            bookings = self.services.adapters.appointments.bookings(citizen.id_number)
        return [_booking(b) for b in sorted(bookings, key=lambda b: (b.date, b.start))]

    def book(self, openid: str, *, item: str, hall_id: str, day: dt.date, start: str, key: str | None) -> dict:
        citizen = self.bound(openid)
        if not self.rules.bookable_day(self.services, day):
            raise Refused("只能预约明天起14天内的工作日。", "date")
        appointments = self.services.adapters.appointments
        with access.reading_as(BOT_READER):
            held = [b for b in appointments.bookings(citizen.id_number) if b.status == "已预约" and b.item == item]
        if held:   # the chat's rule: one active booking per item (it offers to reschedule)
            raise Refused(f"您已预约“{item}”（{held[0].booking_no}），同一事项只能保留一个预约：请先取消原预约。", "item")
        key = key or secrets.token_hex(16)
        with access.reading_as(BOT_READER):
            booking = appointments.book(citizen.id_number, item, hall_id, day, start,
                                        idempotency_key="mp-" + hashlib.sha256(f"{openid}|{key}".encode()).hexdigest()[:32])
        return _booking(booking)

    def cancel(self, openid: str, booking_no: str) -> dict:
        citizen = self.bound(openid)
        with access.reading_as(BOT_READER):      # the citizen's own action, audited as such
            return _booking(self.services.adapters.appointments.cancel(booking_no.strip().upper(), citizen.id_number))

    # -- complaints -----------------------------------------------------------------------------
    def file_complaint(self, openid: str, *, content: str, location: str, when: str, contact: str | None,
                       key: str | None) -> dict:
        slots = {"content": content, "location": location, "when": when,
                 "contact": self.check("contact", contact, "contact") if contact else ""}
        flagged = self._screen(openid, "\n".join((content, location, when)))
        form_id = hashlib.sha256(f"{openid}|{key}".encode()).hexdigest()[:16] if key else secrets.token_hex(8)
        with access.reading_as(BOT_READER):
            order, topic = self.rules.file_complaint(self.services, slots, channel=CHANNEL, said=[], form_id=form_id,
                                                     citizen=self.citizen(openid), flagged=flagged)
        return {"order_no": order.order_no, "department": order.department, "topic": topic, "status": order.status,
                "flagged_for_review": flagged}

    def _screen(self, openid: str, text: str) -> bool:
        """risky → Refused; review → True (filed, flagged for the 12345 office)."""
        suggest = self.screen(CHANNEL, openid, text)
        if suggest == "risky":
            raise Refused(RISKY_REPLY, "content")
        return suggest == "review"

    def screen(self, channel: str, user_id: str, text: str) -> str:
        """msgSecCheck's `suggest` for a mini-program citizen's text ("pass" for other channels, and
        with the check switched off). WeChat not answering is "review": the complaint is filed
        flagged, never lost to an outage. The chat's complaint form calls it too (Services.content_screen)."""
        if self.content_check is None or channel != CHANNEL:
            return "pass"
        try:
            verdict = self.content_check.check_text(user_id, text)
        except WeChatError as e:
            log.warning("msgSecCheck unavailable, complaint flagged for review: %s", e)
            metrics.CONTENT_CHECKS.labels("unavailable").inc()
            return "review"
        metrics.CONTENT_CHECKS.labels(verdict.suggest).inc()
        return verdict.suggest

    def complaint(self, openid: str, order_no: str) -> dict:
        citizen = self.bound(openid)
        with access.reading_as(BOT_READER):
            order = self.services.adapters.workorders.get(order_no, citizen.id_number)
        return mask_json({
            "order_no": order.order_no, "topic": order.topic, "department": order.department,
            "summary": order.summary, "district": order.district, "status": order.status, "done": order.done,
            "created_at": order.created_at.isoformat(), "updated_at": order.updated_at.isoformat(),
            "steps": [{"at": s.at.isoformat(), "stage": s.stage, "department": s.department, "note": s.note}
                      for s in order.steps]})

    # -- one chat turn ----------------------------------------------------------------------------
    def _turn(self, openid: str, *, text: str, intent: str | None = None,
              entities: dict[str, str] | None = None) -> list[dict]:
        replies = self.handle(Incoming(channel=CHANNEL, user_id=openid, text=text, intent=intent,
                                       entities=dict(entities or {})))
        return [to_json(r) for r in replies]


def _words(messages: list[dict]) -> str:
    return " ".join(m.get("text") or m.get("prompt") or "" for m in messages).strip()


def _booking(b) -> dict:
    return {"booking_no": b.booking_no, "item": b.item, "hall_id": b.hall_id, "hall_name": b.hall_name,
            "district": b.district, "address": b.address, "date": b.date.isoformat(), "start": b.start,
            "end": b.end, "status": b.status}
