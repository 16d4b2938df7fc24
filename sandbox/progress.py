"""How an application moves on in each department, for POST /__data/advance: what the
department's own staff would do next (approve, print, hand over, close).

Each backend names its sequence(s) of steps; `advance(ref)` on a backend moves one record one
step and answers an `Advanced`. A record already at its sequence's last step, or in a status off
the sequence's line that ends it (不予批准, 已驳回, 已取消, 已合并), is not moved: AtLastStep.
docs/sandbox.md lists every sequence and what its last step answers.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    status: str
    stage: str = ""
    next_step: str = ""


class AtLastStep(Exception):
    def __init__(self, ref: str, status: str, why: str):
        super().__init__(f"{ref} is at {status}: {why}")
        self.ref, self.status, self.why = ref, status, why


@dataclass(frozen=True)
class Advanced:
    ref: str
    backend: str
    before: str
    status: str
    last: bool          # the new status is the sequence's last step

    def as_dict(self) -> dict:
        return {"ref": self.ref, "backend": self.backend, "before": self.before, "status": self.status,
                "last_step": self.last}


class Sequence:
    """The main line of steps; `joins` maps a status that is on the way but not on the line
    (e.g. a work order's 已派单) to the line's status it counts as; `ends` are statuses that
    end the matter off the line (a refusal, a cancellation)."""

    def __init__(self, *steps: Step, joins: dict[str, str] | None = None, ends: tuple[str, ...] = ()):
        self.steps = steps
        self.joins = joins or {}
        self.ends = ends
        self._index = {s.status: i for i, s in enumerate(steps)}

    @property
    def last(self) -> Step:
        return self.steps[-1]

    def next_after(self, ref: str, status: str) -> Step:
        if status in self.ends:
            raise AtLastStep(ref, status, "this matter was ended off the usual course; it moves no further")
        at = self._index.get(self.joins.get(status, status))
        if at is None:
            raise AtLastStep(ref, status, "this status is not on the sequence; it cannot be moved")
        if at == len(self.steps) - 1:
            raise AtLastStep(ref, status, "already at the last step")
        return self.steps[at + 1]

    def statuses(self) -> list[str]:
        return [s.status for s in self.steps]


def move(backend: str, ref: str, record: dict, sequence: Sequence, *, status_key: str = "status",
         to_wire: dict[str, str] | None = None, from_wire: dict[str, str] | None = None) -> Advanced:
    """Move one seeded record (a dict of the world, changed in place) to its next step: status,
    and where the record has them, stage, next_step, done and its update time. `from_wire` /
    `to_wire` translate a backend that keeps a coded status (an appointment's BOOKED)."""
    from sandbox.data import now_local   # sandbox.data loads the world; progress stays light

    before = record[status_key]
    before_cn = (from_wire or {}).get(before, before)
    step = sequence.next_after(ref, before_cn)
    record[status_key] = (to_wire or {}).get(step.status, step.status)
    if "stage" in record and step.stage:
        record["stage"] = step.stage
    if "next_step" in record and step.next_step:
        record["next_step"] = step.next_step
    last = step is sequence.last
    if "done" in record:
        record["done"] = last
    if "updated" in record:
        record["updated"] = now_local().strftime("%Y-%m-%d %H:%M")
    return Advanced(ref, backend, before_cn, step.status, last)
