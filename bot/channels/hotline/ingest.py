"""Ingesting checked transcripts: understand each call, file complaints, count.

`HotlineIngestor.outcomes(items)` takes what bot.channels.hotline.transcripts read (calls
and bad lines) and yields one outcome per item, in input order, while a small
thread pool works on the next calls (each call waits on the NLU server and the
work-order system, so threads buy throughput). A call that cannot be processed
becomes a failed outcome with its reason; nothing a call does stops the run.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Mapping

from adapters.errors import BackendError, failure_kind
from bot.core.redis_hub import RedisHub
from bot.nlu.client import NluUnavailable, Parse

from bot.core.privacy import compact, keyed_hash

from bot.channels.hotline.call_model import CallModel
from bot.channels.hotline.picture import Heard, place_key
from bot.channels.hotline.queries import act_on_query
from bot.channels.hotline.registry import CallRegistry, Claim
from bot.channels.hotline.transcripts import BadLine, Call
from bot.channels.hotline.understanding import Analysis, analyse, parse_caller_turns
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
    reused_call_id: bool = False        # refused: the call_id was already used by a different call
    note: str | None = None             # filed, but not quite as asked (the backend refused a field)
    heard: Heard | None = None          # what the city's picture keeps of it (no raw personal data)
    query: dict | None = None           # what was done about a query (queries.py)
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
                 purposes: frozenset[str], workorders, hub: RedisHub, workers: int = 4, pepper: bytes = b"",
                 catalogue=None, keep_heard: Callable[[list[dict]], object] | None = None,
                 parse_many: Callable[[list[str]], list[Parse]] | None = None,
                 call_model: CallModel | None = None):
        self.parse = parse
        self.parse_many = parse_many    # the same, a call's turns at once (NluClient.parse_many)
        self.call_model = call_model    # purpose and topic of the whole call (None: the rules alone)
        self.routing = routing
        self.min_confidence = min_confidence
        self.purposes = purposes
        self.orders = HotlineWorkOrders(workorders, hub)
        self.registry = CallRegistry(hub)
        self.workorders = workorders
        self.catalogue = catalogue      # the 办事指南, to answer guide queries (None: not answered)
        self.workers = max(1, workers)
        self.pepper = pepper        # keys the callers' pseudonyms (security.hash_pepper)
        self.keep_heard = keep_heard    # the durable records' HeardCalls.keep_many: the office's reports
        self._unkept: list[dict] = []   # heard, not yet kept: written KEEP_BATCH at a time, and by flush_kept()
        self._unkept_lock = threading.Lock()
        # Held across taking a batch and writing it: flush_kept() returns only once every call handed
        # over before it is written (a worker's batch may be on its way when a checkpoint flushes).
        self._keeping = threading.Lock()

    def understand(self, call: Call) -> Analysis:
        """What the call was about, without filing anything (also what `make hotline-eval` measures).
        Raises NluUnavailable when the NLU does not answer."""
        turns = parse_caller_turns(call, self.parse, self.parse_many)
        return analyse(call, turns, self.routing, self.min_confidence, self.purposes, self.call_model)

    def process(self, call: Call) -> CallOutcome:
        """One call, start to end. Never raises: a failure is the outcome's reason."""
        if self.registry.claim(call) is Claim.CONFLICT:
            log.warning("hotline call %s (line %d): call_id already used by a different call; refused",
                        call.call_id, call.line)
            return CallOutcome(call.line, call.call_id, reused_call_id=True,
                               failure="call_id already used by a different call: refused, not attached to "
                                       "its work order (give this call an id of its own)")
        try:
            turns = parse_caller_turns(call, self.parse, self.parse_many)
        except NluUnavailable as e:
            log.warning("hotline call %s (line %d): NLU unavailable: %s", call.call_id, call.line, e)
            return CallOutcome(call.line, call.call_id, failure=f"NLU unavailable: {e}", nlu_failed=True)
        try:
            analysis = analyse(call, turns, self.routing, self.min_confidence, self.purposes, self.call_model)
            filed = self.orders.file(call, analysis) if analysis.is_complaint else None
            query = None if analysis.is_complaint or self.catalogue is None else \
                act_on_query(call, analysis, self.catalogue, self.workorders)
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
        heard = Heard(call.call_id, call.started_at.date(), analysis.district, analysis.intent, analysis.topic,
                      place_key(analysis.place.name if analysis.place else None, " ".join(call.caller_texts())),
                      self.caller_key(call), result["work_order"], analysis.department)
        self._keep(heard)
        return CallOutcome(call.line, call.call_id, result=result, new_work_order=bool(filed and filed.new),
                           invalid_id_numbers=analysis.invalid_id_numbers, note=filed.note if filed else None,
                           heard=heard, query=query)

    # Calls kept for the office's reports in one statement: one commit a call cost the intake as much
    # CPU as the rest of its bookkeeping (docs/benchmarks.md §7).
    KEEP_BATCH = 100

    def _keep(self, heard: Heard) -> None:
        if self.keep_heard is None:
            return
        with self._unkept_lock:
            self._unkept.append(heard.as_dict())
            full = len(self._unkept) >= self.KEEP_BATCH
        if full:
            self.flush_kept()

    def flush_kept(self) -> None:
        """Into the office's reports, every call processed so far. Whoever marks calls as done (a
        checkpoint, an acknowledgement) calls this first; outcomes() does at its end. A failure there
        costs the reports those calls, never their work orders (already filed): it is logged for the
        operator to re-ingest (keeping is idempotent by call_id)."""
        if self.keep_heard is None:
            return
        with self._keeping:
            with self._unkept_lock:
                batch, self._unkept = self._unkept, []
            if not batch:
                return
            try:
                self.keep_heard(batch)
                return
            except Exception:
                log.warning("hotline: %d calls not kept in one statement; keeping them one by one", len(batch),
                            exc_info=True)
            for heard in batch:     # one bad row (a call_id too long for the column) costs only itself
                try:
                    self.keep_heard([heard])
                except Exception:
                    log.exception("hotline call %s: not kept for the office's reports (re-ingest the file to "
                                  "add it)", heard["call_id"])

    def caller_key(self, call: Call) -> str | None:
        """The caller's pseudonym: a keyed hash of the number in its 11-digit form, so 186-2830-5147
        and 18628305147 are one caller; None without a number."""
        if not call.caller:
            return None
        return keyed_hash(self.pepper, "hotline-caller:" + compact(call.caller))

    def outcomes(self, items: Iterable[Call | BadLine]) -> Iterator[Outcome]:
        """One outcome per item, in the order of `items` (bad lines pass straight through)."""
        try:
            yield from self._outcomes(items)
        finally:
            self.flush_kept()

    def _outcomes(self, items: Iterable[Call | BadLine]) -> Iterator[Outcome]:
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
        self.reused_call_ids = 0
        self.notes: list[dict] = []
        self.queries_answered = 0
        self.call_backs_needed = 0
        self.by_intent: Counter[str] = Counter()
        self.by_topic: Counter[str] = Counter()
        self.by_department: Counter[str] = Counter()
        self.work_orders_created = 0
        self.work_orders_existing = 0
        self.invalid_id_numbers = 0

    @classmethod
    def restore(cls, saved: dict) -> "Summary":
        """A summary carried on from as_dict() (a resumed run goes on counting)."""
        s = cls()
        for name in ("calls_read", "ingested", "nlu_failures", "reused_call_ids", "queries_answered",
                     "call_backs_needed", "work_orders_created", "work_orders_existing", "invalid_id_numbers"):
            setattr(s, name, int(saved.get(name, 0)))
        s.bad_lines, s.failed_calls = list(saved.get("bad_lines", [])), list(saved.get("failed_calls", []))
        s.notes = list(saved.get("notes", []))
        s.by_intent.update(saved.get("by_intent", {}))
        s.by_topic.update(saved.get("by_topic", {}))
        s.by_department.update(saved.get("by_department", {}))
        return s

    def add(self, outcome: Outcome) -> None:
        self.calls_read += 1
        if isinstance(outcome, BadLine):
            self.bad_lines.append(outcome.as_dict())
            return
        if outcome.result is None:
            self.failed_calls.append(outcome.error())
            self.nlu_failures += outcome.nlu_failed
            self.reused_call_ids += outcome.reused_call_id
            return
        r = outcome.result
        self.ingested += 1
        if outcome.query:
            answered = outcome.query["action"] == "answered"
            self.queries_answered += answered
            self.call_backs_needed += not answered
        if outcome.note:
            self.notes.append({"line": outcome.line, "call_id": outcome.call_id, "note": outcome.note})
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
            "reused_call_ids": self.reused_call_ids, "notes": self.notes,
            "queries_answered": self.queries_answered, "call_backs_needed": self.call_backs_needed,
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
