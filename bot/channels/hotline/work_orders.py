"""Filing a hotline complaint as a 12345 work order, exactly once per call.

Two guards against a second order for the same call:
- the idempotency key is derived from call_id alone, so a retried or repeated
  create is answered with the first order by the work-order system;
- the order number is remembered in Redis under the call_id, so re-ingesting a
  file (even after the backend has forgotten its idempotency keys) looks the
  order up instead of creating one.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

import redis

from adapters.errors import BackendTimeout, BackendUnavailable, BadResponse, BusinessError, NotFound
from bot.city.complaint_topics import TOPIC_NAMES
from bot.city.districts import CITY_WIDE
from bot.core.privacy import mask_text
from bot.core.redis_hub import RedisHub

from bot.channels.hotline.transcripts import Call
from bot.channels.hotline.understanding import Analysis

log = logging.getLogger(__name__)

MEMORY_TTL_S = 400 * 86400      # over a year: files are re-ingested long after the fact
MAX_CONTENT_CHARS = 3000        # an operator reads it; a two-hour call need not be all there
SPEAKER_NAMES = {"agent": "话务员", "caller": "市民"}


def idempotency_key(call: Call) -> str:
    """From the call_id and the call's content: the same call always gets the same key, and a
    different call under a reused id (refused earlier by the registry, unless Redis was down)
    never gets the first call's order from the backend."""
    return "hl-" + hashlib.sha256(f"{call.call_id}\n{call.fingerprint()}".encode("utf-8")).hexdigest()[:32]


RETRIES = 2                     # more attempts after the adapter's own, for an unavailable backend
RETRY_PAUSE_S = 0.5


@dataclass(frozen=True)
class Filed:
    order_no: str
    status: str
    new: bool           # created by this ingestion (False: filed by an earlier one)
    note: str | None = None     # what the backend refused and we filed without (reported, not hidden)

    def as_dict(self) -> dict:
        return {"order_no": self.order_no, "status": self.status}


def work_order_content(call: Call, analysis: Analysis) -> str:
    """What the 12345 operator reads: where it came from, the complaint, then the call — masked.
    Deterministic for a given call, so a repeated create is recognised as the same request."""
    head = [f"【来源】12345热线来电 {call.call_id}（{call.started_at.isoformat()}，通话{round(call.duration_s)}秒）",
            f"【市民反映】{analysis.complaint_text}",
            f"【问题类型】{TOPIC_NAMES.get(analysis.topic or 'other', '其他')}",
            "【通话记录】"]
    text = "\n".join(head)
    for turn in call.turns:
        line = f"\n{SPEAKER_NAMES[turn.speaker]}：{turn.text.strip()}"
        if len(text) + len(line) > MAX_CONTENT_CHARS:
            text += "\n……（通话记录较长，其余从略）"
            break
        text += line
    return mask_text(text)


class HotlineWorkOrders:
    def __init__(self, workorders, hub: RedisHub):
        self.workorders = workorders
        self.hub = hub

    def _memory_key(self, call_id: str) -> str:
        return self.hub.key("hotline", "order", hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:32])

    def file(self, call: Call, analysis: Analysis) -> Filed:
        """The call's work order: the one filed before, or a new one. Raises the
        adapters' BackendError when the work-order system does not answer."""
        known = self._remembered(call.call_id)
        if known:
            try:
                order = self.workorders.get(known, None)
                return Filed(order.order_no, order.status, new=False)
            except NotFound:
                log.warning("hotline call %s: remembered work order not found; filing again", call.call_id)
        fields = dict(
            topic=analysis.topic or "other", department=analysis.department,
            content=work_order_content(call, analysis), district=analysis.district or CITY_WIDE,
            contact_phone=analysis.contact_phone,
            # Never linked to an ID said on the phone: nobody verified the caller is that citizen.
            id_number=None,
            idempotency_key=idempotency_key(call))
        note = None
        try:
            order = self._create(fields)
        except BusinessError as e:
            if isinstance(e, NotFound) or not fields["contact_phone"]:
                raise
            # The only optional field is the call-back number: a backend refusing it (its own idea of a
            # phone's shape) must not cost the complaint its work order. File without it, say so; the
            # number stays (masked) in the call record the department reads.
            log.warning("hotline call %s: work order refused with the contact phone (%s); filing without it",
                        call.call_id, e)
            note = f"contact phone refused by the work-order system ({e.code or 'refused'}); filed without it"
            order = self._create({**fields, "contact_phone": None,
                                  "idempotency_key": fields["idempotency_key"] + "-np"})
        self._remember(call.call_id, order.order_no)
        return Filed(order.order_no, order.status, new=True, note=note)

    def _create(self, fields: dict):
        """create(), tried again after a pause when the backend is unavailable (the idempotency key
        makes a repeat safe); a refusal (BusinessError) is an answer and is not repeated as is."""
        for attempt in range(RETRIES + 1):
            try:
                return self.workorders.create(**fields)
            except (BackendUnavailable, BackendTimeout, BadResponse):
                if attempt == RETRIES:
                    raise
                time.sleep(RETRY_PAUSE_S * (attempt + 1))

    # Redis trouble must not stop filing: the idempotency key still guards the backend.
    def _remembered(self, call_id: str) -> str | None:
        try:
            return self.hub.text.get(self._memory_key(call_id))
        except redis.RedisError:
            log.warning("hotline: work-order memory unreadable (Redis)")
            return None

    def _remember(self, call_id: str, order_no: str) -> None:
        try:
            self.hub.text.set(self._memory_key(call_id), order_no, ex=MEMORY_TTL_S)
        except redis.RedisError:
            log.warning("hotline: work-order memory not written (Redis)")
