"""Acting on a caller's query (docs/hotline.md, "Queries").

What a backend can answer without knowing who the caller is, is answered and recorded with the
answer: a guide item of the catalogue (办事指南), the progress of a 12345 work order by its GD…
number. A query about the caller's own records (公积金, 社保, 医保, bills, endorsements, their
matters) cannot be: nobody on a recorded call has checked their identity. It is recorded as
needing a call-back with the identity checked, never answered from an ID number said on the phone.
"""
from __future__ import annotations

import logging
import re

from adapters.errors import BackendError, NotFound, failure_kind

from bot.channels.hotline.transcripts import Call
from bot.channels.hotline.understanding import Analysis

log = logging.getLogger(__name__)

GUIDE = "ask_service_guide"
WORK_ORDER_NO = re.compile(r"(?<![A-Za-z0-9])GD\d{14}(?!\d)", re.I)
# Queries a backend answers only for an identified citizen.
PERSONAL_PREFIX = "query_"


def act_on_query(call: Call, analysis: Analysis, catalogue, workorders) -> dict | None:
    """The record of what was done about the call's query; None when the call is no query."""
    record = {"call_id": call.call_id, "intent": analysis.intent}
    order_no = _work_order_no(call)
    if order_no and not analysis.is_complaint:
        try:
            order = workorders.get(order_no, None)
        except NotFound:
            return {**record, "action": "answered", "answer": {"order_no": order_no, "found": False}}
        except BackendError as e:
            log.warning("hotline call %s: work-order progress not available (%s)", call.call_id, failure_kind(e))
            return {**record, "action": "call_back", "reason": f"work-order system unavailable ({failure_kind(e)})"}
        last = order.steps[-1] if order.steps else None
        return {**record, "action": "answered",
                "answer": {"order_no": order.order_no, "found": True, "status": order.status,
                           "department": order.department,
                           "last_step": {"stage": last.stage, "department": last.department,
                                         "at": last.at.isoformat()} if last else None}}
    if analysis.intent == GUIDE:
        item = _guide_item(analysis, catalogue)
        if item is None:
            return {**record, "action": "call_back", "reason": "guide item not identified"}
        return {**record, "action": "answered",
                "answer": {"item": item.name, "department": item.department, "where": item.where,
                           "materials": list(item.materials), "fee": item.fee, "time_limit": item.time_limit}}
    if analysis.intent.startswith(PERSONAL_PREFIX):
        return {**record, "action": "call_back_identity_check",
                "reason": "personal records: answered only on a call-back with the caller's identity checked"}
    return None


def _work_order_no(call: Call) -> str | None:
    for text in call.caller_texts():
        m = WORK_ORDER_NO.search(text.replace(" ", ""))
        if m:
            return m.group(0).upper()
    return None


def _guide_item(analysis: Analysis, catalogue):
    for t in analysis.turns:
        for e in t.parse.entities:
            if e.entity == "service_item":
                item = catalogue.get(e.value)
                if item is not None:
                    return item
    for t in analysis.turns:
        found = catalogue.find(t.text)
        if found is not None and hasattr(found, "materials"):
            return found
    return None
