"""Ingesting checked transcripts: understand each call, file complaints, count.

`HotlineIngestor.outcomes(items)` takes what bot.channels.hotline.transcripts read (calls
and bad lines) and yields one outcome per item, in input order, while a small
thread pool works on the next calls (each call waits on the NLU server and the
work-order system, so threads buy throughput). A call that cannot be processed
becomes a failed outcome with its reason; nothing a call does stops the run.
"""
from __future__ import annotations

import logging
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Mapping

from adapters.errors import BackendError, failure_kind
from bot.core.redis_hub import RedisHub
from bot.nlu.client import NluUnavailable, Parse

from bot.channels.hotline.transcripts import BadLine, Call
from bot.channels.hotline.understanding import analyse, parse_caller_turns
from bot.channels.hotline.work_orders import HotlineWorkOrders

log = logging.getLogger(__name__)

# The keys of one result (calls.jsonl), in this order: the interface of docs/contracts.md.
RESULT_KEYS = ("call_id", "intent", "secondary_intents", "topic", "department", "district", "entities",
               "work_order")


@dataclass(frozen=True)
class CallOutcome:
    line: int
    call_id: str
    result: dict | None = None          # RESULT_KEYS, when the call was ingested
    failure: str | None = None          # why not, when it was not
    nlu_failed: bool = False
    new_work_order: bool = False
    invalid_id_numbers: int = 0

    def error(self) -> dict:
        return {"line": self.line, "call_id": self.call_id, "reason": self.failure}


Outcome = CallOutcome | BadLine


class HotlineIngestor:
    """`parse`: the NLU's (bot.nlu); `routing`: complaint topic → department; `min_confidence`:
    the chat's clarification threshold; `purposes`: the intents that say why a citizen calls;
    `workorders`: the 12345 work-order backend."""

    def __init__(self, *, parse: Callable[[str], Parse], routing: Mapping[str, str], min_confidence: float,
                 purposes: frozenset[str], workorders, hub: RedisHub, workers: int = 4):
        self.parse = parse
        self.routing = routing
        self.min_confidence = min_confidence
        self.purposes = purposes
        self.orders = HotlineWorkOrders(workorders, hub)
        self.workers = max(1, workers)

    def process(self, call: Call) -> CallOutcome:
        """One call, start to end. Never raises: a failure is the outcome's reason."""
        try:
            turns = parse_caller_turns(call, self.parse)
        except NluUnavailable as e:
            log.warning("hotline call %s (line %d): NLU unavailable: %s", call.call_id, call.line, e)
            return CallOutcome(call.line, call.call_id, failure=f"NLU unavailable: {e}", nlu_failed=True)
        try:
            analysis = analyse(call, turns, self.routing, self.min_confidence, self.purposes)
            filed = self.orders.file(call, analysis) if analysis.is_complaint else None
        except BackendError as e:
            log.warning("hotline call %s (line %d): work order not filed: %s", call.call_id, call.line, e)
            return CallOutcome(call.line, call.call_id,
                               failure=f"work order not filed ({failure_kind(e)}): {e}")
        except Exception as e:  # a bug must cost one call, not the run
            log.exception("hotline call %s (line %d): unexpected error", call.call_id, call.line)
            return CallOutcome(call.line, call.call_id, failure=f"internal error ({type(e).__name__})")
        result = {
            "call_id": call.call_id, "intent": analysis.intent, "secondary_intents": analysis.secondary_intents,
            "topic": analysis.topic, "department": analysis.department, "district": analysis.district,
            "entities": analysis.entities, "work_order": filed.as_dict() if filed else None,
        }
        return CallOutcome(call.line, call.call_id, result=result, new_work_order=bool(filed and filed.new),
                           invalid_id_numbers=analysis.invalid_id_numbers)

    def outcomes(self, items: Iterable[Call | BadLine]) -> Iterator[Outcome]:
        """One outcome per item, in the order of `items` (bad lines pass straight through)."""
        if self.workers == 1:
            for item in items:
                yield self.process(item) if isinstance(item, Call) else item
            return
        window = self.workers * 4          # bounded look-ahead: a huge file is never all in memory
        pending: deque[Future | BadLine] = deque()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="hotline") as pool:
            for item in items:
                pending.append(pool.submit(self.process, item) if isinstance(item, Call) else item)
                while len(pending) >= window:
                    yield _done(pending.popleft())
            while pending:
                yield _done(pending.popleft())


def _done(item: Future | BadLine) -> Outcome:
    return item.result() if isinstance(item, Future) else item


class Summary:
    """The counts of a run, built one outcome at a time."""

    def __init__(self):
        self.calls_read = 0
        self.ingested = 0
        self.bad_lines: list[dict] = []
        self.failed_calls: list[dict] = []
        self.nlu_failures = 0
        self.by_intent: Counter[str] = Counter()
        self.by_topic: Counter[str] = Counter()
        self.by_department: Counter[str] = Counter()
        self.work_orders_created = 0
        self.work_orders_existing = 0
        self.invalid_id_numbers = 0

    def add(self, outcome: Outcome) -> None:
        self.calls_read += 1
        if isinstance(outcome, BadLine):
            self.bad_lines.append(outcome.as_dict())
            return
        if outcome.result is None:
            self.failed_calls.append(outcome.error())
            self.nlu_failures += outcome.nlu_failed
            return
        r = outcome.result
        self.ingested += 1
        self.by_intent[r["intent"]] += 1
        if r["topic"]:
            self.by_topic[r["topic"]] += 1
            self.by_department[r["department"]] += 1
        if r["work_order"]:
            if outcome.new_work_order:
                self.work_orders_created += 1
            else:
                self.work_orders_existing += 1
        self.invalid_id_numbers += outcome.invalid_id_numbers

    def as_dict(self) -> dict:
        return {
            "calls_read": self.calls_read, "ingested": self.ingested,
            "bad_lines": self.bad_lines, "failed_calls": self.failed_calls, "nlu_failures": self.nlu_failures,
            "by_intent": dict(self.by_intent.most_common()), "by_topic": dict(self.by_topic.most_common()),
            "by_department": dict(self.by_department.most_common()),
            "work_orders_created": self.work_orders_created, "work_orders_existing": self.work_orders_existing,
            "invalid_id_numbers": self.invalid_id_numbers,
        }


def errors_of(outcomes: Iterable[Outcome]) -> list[dict]:
    """Bad lines and failed calls, as the HTTP API reports them: {"line", "reason"} (+ "call_id")."""
    out = []
    for o in outcomes:
        if isinstance(o, BadLine):
            out.append(o.as_dict())
        elif o.result is None:
            out.append(o.error())
    return out
