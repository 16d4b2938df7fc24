"""Fixtures for hotline ingestion: the sample calls, an ingestor on the real stack,
and the web app with the hotline blueprint (registered here if app.py does not yet)."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from bot.channels.hotline import HotlineIngestor, Summary

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "hotline_sample.jsonl"

NOISE, FUND, ENDORSEMENT, STREET_LIGHT, PASSPORT = (
    "HL20261103191207004", "HL20261016102544011", "HL20261108150318027", "HL20261024090851033",
    "HL20261030140216045")
# Raw identifiers said in the sample calls: they must never appear unmasked anywhere.
RAW_SECRETS = ("13982104576", "15184326079", "510105197911032628")


def sample_calls(tag: str | None = None) -> list[dict]:
    """The sample's calls; with a tag, every call_id gets it as a suffix. The sandbox
    lives for the whole session and remembers idempotency keys, so a test that
    counts created work orders uses call_ids of its own."""
    calls = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    if tag:
        for c in calls:
            c["call_id"] += f"-{tag}"
    return calls


def unique_tag() -> str:
    return uuid.uuid4().hex[:10]


def to_jsonl(calls: list) -> str:
    return "".join((c if isinstance(c, str) else json.dumps(c, ensure_ascii=False)) + "\n" for c in calls)


def call(call_id: str, *caller_texts: str, district: str | None = None) -> dict:
    """A transcript with an agent greeting, then the caller's turns."""
    turns = [{"speaker": "agent", "text": "您好，这里是12345市民服务热线，请讲。"}]
    turns += [{"speaker": "caller", "text": t} for t in caller_texts]
    out = {"call_id": call_id, "started_at": "2026-11-02T10:00:00+08:00", "duration_s": 60, "turns": turns}
    if district is not None:
        out["district"] = district
    return out


def run(ingestor: HotlineIngestor, items) -> tuple[list, dict]:
    outcomes = list(ingestor.outcomes(items))
    summary = Summary()
    for o in outcomes:
        summary.add(o)
    return outcomes, summary.as_dict()


def by_id(outcomes) -> dict[str, dict]:
    return {o.result["call_id"]: o.result for o in outcomes if getattr(o, "result", None)}


@pytest.fixture
def ingestor(stack_runtime):
    return stack_runtime.hotline(workers=4)


@pytest.fixture
def hotline_app(stack_app):
    return stack_app
