#!/usr/bin/env python3
"""Do the forms take what the citizen gives them? Scores the held-out scripted conversations
(tests/conversation/heldout_forms.yaml; its header describes the format) through the real stack.

    .venv/bin/python scripts/forms_eval.py [--data FILE] [--out reports/forms_eval.json] [--show-failures]
    make forms-eval

Real parts only: the Rasa server with the current model (started unless --nlu-url answers), the
sandbox backends (started on --sandbox-port-base), Redis (a throw-away key prefix per
conversation, deleted afterwards, so that one conversation's SMS throttles do not reach the next).

What is compared after every turn: the form open in the session (its intent) and ALL the values
it holds, read from where each handler keeps them (bot.stores.sessions.Form.slots, or Form.data
for the appointment's steps); for a turn that finishes a form, the values the handler was run
with (plus the code that bound the citizen, the phone of the 12345 work order and the rating level;
a bad rating finished by its phone is compared with the level it was given earlier when the file
lists one there, since files written by different people differ on that).

Figures:
  slot filling correct   turns whose form and every value are as expected / all turns
  conversations correct  conversations with every turn correct / all conversations
  person-name F1         over turns: a held name equal to the expected one is a true positive; a
                         held name that differs is a false positive (and a false negative when one
                         was expected); an expected name not held is a false negative
  id-number F1           the same for the ID number
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.clock import CLOCK  # noqa: E402
from bot.core.messages import Incoming, to_plain_text  # noqa: E402
from bot.core.redis_hub import RedisHub  # noqa: E402
from handlers.identity import code_said  # noqa: E402
from sandbox.ports import backend_urls  # noqa: E402
from scripts.bench_conversation import runtime_for, start_parts  # noqa: E402

DATA = ROOT / "tests" / "conversation" / "heldout_forms.yaml"
CITIZENS = ROOT / "sandbox" / "data" / "citizens.yaml"
# Where book_appointment keeps what it was given (its steps hold them in Form.data).
APPOINTMENT_DATA = {"item": "service_item", "district": "district", "date": "date", "part": "part"}
SLOT_FORMS = {"bind_identity": ("person_name", "id_number"),
              "file_complaint": ("content", "location", "when", "contact")}


def held(form) -> dict[str, str]:
    """The values an open form holds, under the held-out file's slot names."""
    if form is None:
        return {}
    if form.intent == "book_appointment":
        return {name: str(form.data[key]) for key, name in APPOINTMENT_DATA.items() if form.data.get(key)}
    return {k: str(form.slots[k]) for k in SLOT_FORMS.get(form.intent, ()) if form.slots.get(k)}


def same(expected: str, actual: str | None) -> bool:
    if actual is None:
        return False
    expected = str(expected)
    return expected[1:] in actual if expected.startswith("~") else expected == actual


def slots_match(expected: dict, actual: dict) -> bool:
    expected = {k: v for k, v in (expected or {}).items()}
    return set(expected) == set(actual) and all(same(v, actual.get(k)) for k, v in expected.items())


@dataclass
class Probe:
    """What the handlers did during one turn: forms finished (intent, values), work-order phones,
    ratings recorded, bindings made."""
    finished: list = field(default_factory=list)
    phones: list = field(default_factory=list)
    levels: list = field(default_factory=list)

    def clear(self) -> None:
        self.finished.clear(), self.phones.clear(), self.levels.clear()


def instrument(rt, probe: Probe) -> None:
    for handler in rt.dispatcher.handlers.values():
        original = handler.handle

        def handle(turn, _original=original, _intent=handler.intent):
            before = held(turn.form)
            result = _original(turn)
            if not result.keep_form:
                values = dict(before)
                if _intent == "bind_identity" and result.bound:
                    # the code as the handler read it (digits of any width, Chinese numerals: 幺二三四五六)
                    values["verification_code"] = code_said(turn.words, turn.text)
                if _intent == "rate_service" and turn.form.data.get("level"):
                    values["held_level"] = turn.form.data["level"]   # recorded in an earlier turn
                if _intent == "bind_identity" and not result.bound:
                    return result   # a failed check, an unbinding: nothing was finished
                probe.finished.append((_intent, values))
            return result
        handler.handle = handle
    orders = rt.services.adapters.workorders
    create = orders.create

    def create_order(*a, _create=create, **kw):
        if kw.get("contact_phone"):
            probe.phones.append(kw["contact_phone"])
        return _create(*a, **kw)
    orders.create = create_order
    ratings = rt.services.ratings
    record = ratings.record

    def record_rating(intent, department, level, _record=record, **kw):
        probe.levels.append(level)
        return _record(intent, department, level, **kw)
    ratings.record = record_rating
    change = ratings.change

    def change_rating(rating_id, intent, department, old, new, _change=change):
        probe.levels.append(new)   # a rating corrected (刚才点错了 应该是五星): its new level is the one given
        return _change(rating_id, intent, department, old, new)
    ratings.change = change_rating


def finished_values(probe: Probe, form: str) -> dict | None:
    found = [values for intent, values in probe.finished if intent == form]
    if not found:
        return None
    values = dict(found[-1])
    if form in ("rate_service", "request_human") and probe.phones:
        values["contact"] = probe.phones[-1]
    held_level = values.pop("held_level", None)
    if form == "rate_service" and probe.levels:
        values["level"] = probe.levels[-1]
    elif form == "rate_service" and held_level:
        values["held_level"] = held_level
    return values


def completed_match(expected: dict, actual: dict) -> bool:
    """A bad rating is recorded when it is given and finished when the phone is: a file may list its
    level with the phone's turn or not; the level the form held is compared when the file lists one."""
    actual = dict(actual)
    held_level = actual.pop("held_level", None)
    if held_level and "level" in expected and "level" not in actual:
        actual["level"] = held_level
    return slots_match(expected, actual)


class F1:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, expected: str | None, actual: str | None) -> None:
        if expected and actual == expected:
            self.tp += 1
            return
        if actual:
            self.fp += 1
        if expected:
            self.fn += 1

    def score(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 1.0


def run_conversation(args, nlu_url: str, conv: dict, today: str, citizens: dict, sandbox_control: str) -> list[dict]:
    prefix = f"formseval:{uuid.uuid4().hex[:8]}:"
    rt = runtime_for(args, nlu_url, prefix, cache_ttl_s=0)
    probe = Probe()
    instrument(rt, probe)
    CLOCK.move_to(conv.get("now") or today)
    requests.post(sandbox_control + "/__clock", json={"at": CLOCK.spec()}, timeout=5).raise_for_status()
    user = uuid.uuid4().hex[:12]
    user_key = f"eval:{user}"
    if conv.get("bound_as"):
        name = conv["bound_as"]
        rt.services.identity.bind(user_key, citizens[name], name, "138****0000")
    out = []
    try:
        for turn in conv["turns"]:
            probe.clear()
            replies = rt.dispatcher.handle(Incoming(channel="eval", user_id=user, text=turn["say"]))
            form = rt.sessions.load(user_key).form
            actual_form = form.intent if form else None
            actual = held(form)
            ok = actual_form == turn.get("form") and slots_match(turn.get("slots") or {}, actual)
            done_actual = None
            if turn.get("completed"):
                done = turn["completed"]
                done_actual = finished_values(probe, done["form"])
                ok = ok and done_actual is not None and completed_match(done["slots"], done_actual)
            out.append({"say": turn["say"], "ok": ok, "expected_form": turn.get("form"), "form": actual_form,
                        "expected": turn.get("slots") or {}, "held": actual,
                        "expected_completed": turn.get("completed"), "completed": done_actual,
                        "reply": "\n".join(to_plain_text(r) for r in replies)})
    finally:
        RedisHub(args.redis_url, prefix).delete_prefix()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--out", default=str(ROOT / "reports" / "forms_eval.json"))
    ap.add_argument("--nlu-url", default=os.environ.get("NLU_URL"))
    ap.add_argument("--nlu-port", type=int, default=int(os.environ.get("NLU_PORT", "15506")))
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--sandbox-port-base", type=int, default=int(os.environ.get("SANDBOX_PORT_BASE", "24500")))
    ap.add_argument("--only", help="conversation ids, comma-separated")
    ap.add_argument("--show-failures", action="store_true")
    args = ap.parse_args()

    data = yaml.safe_load(Path(args.data).read_text(encoding="utf-8"))
    citizens = {c["name"]: c["id_number"] for c in yaml.safe_load(CITIZENS.read_text(encoding="utf-8"))["citizens"]}
    conversations = data["conversations"]
    if args.only:
        wanted = set(args.only.split(","))
        conversations = [c for c in conversations if c["id"] in wanted]
    procs, nlu_url = start_parts(args)
    control = backend_urls(args.sandbox_port_base)["control"]
    results = {}
    try:
        for conv in conversations:
            results[conv["id"]] = {"kind": conv["kind"], "turns": run_conversation(args, nlu_url, conv, data["today"],
                                                                                  citizens, control)}
    finally:
        CLOCK.move_to(None)
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except Exception:  # noqa: BLE001 - a stuck child is killed
                p.kill()

    turns = Counter()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    names, ids = F1(), F1()
    for cid, r in results.items():
        all_ok = all(t["ok"] for t in r["turns"])
        by_kind[r["kind"]]["conversations"] += 1
        by_kind[r["kind"]]["conversations_ok"] += all_ok
        turns["conversations"] += 1
        turns["conversations_ok"] += all_ok
        for t in r["turns"]:
            turns["turns"] += 1
            turns["ok"] += t["ok"]
            by_kind[r["kind"]]["turns"] += 1
            by_kind[r["kind"]]["ok"] += t["ok"]
            expected, held_now = dict(t["expected"]), dict(t["held"])
            if t["expected_completed"]:
                expected.update(t["expected_completed"]["slots"])
                held_now.update(t["completed"] or {})
            names.add(expected.get("person_name"), held_now.get("person_name"))
            ids.add(expected.get("id_number"), held_now.get("id_number"))
            if args.show_failures and not t["ok"]:
                print(f"[{cid}] {t['say']!r}\n    expected {t['expected_form']} {t['expected']}"
                      f"{' done ' + json.dumps(t['expected_completed'], ensure_ascii=False) if t['expected_completed'] else ''}"
                      f"\n    got      {t['form']} {t['held']}"
                      f"{' done ' + json.dumps(t['completed'], ensure_ascii=False) if t['completed'] else ''}"
                      f"\n    reply    {t['reply'][:160]!r}", file=sys.stderr)
    summary = {
        "conversations": turns["conversations"], "turns": turns["turns"],
        "slot_filling_correct": round(turns["ok"] / max(1, turns["turns"]), 4),
        "conversations_correct": round(turns["conversations_ok"] / max(1, turns["conversations"]), 4),
        "person_name_f1": round(names.score(), 4), "id_number_f1": round(ids.score(), 4),
        "by_kind": {k: {"turns_correct": round(c["ok"] / c["turns"], 4),
                        "conversations_correct": round(c["conversations_ok"] / c["conversations"], 4),
                        "conversations": c["conversations"]} for k, c in sorted(by_kind.items())},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"summary": summary, "results": results}, ensure_ascii=False, indent=1),
                              encoding="utf-8")
    print(f"| figure | value |\n|---|---:|\n| conversations | {summary['conversations']} |\n"
          f"| turns | {summary['turns']} |\n| slot filling correct (turns) | {summary['slot_filling_correct']:.1%} |\n"
          f"| conversations entirely correct | {summary['conversations_correct']:.1%} |\n"
          f"| person-name F1 | {summary['person_name_f1']:.3f} |\n| ID-number F1 | {summary['id_number_f1']:.3f} |")
    print("\n| kind | conversations | turns correct | conversations correct |\n|---|---:|---:|---:|")
    for k, v in summary["by_kind"].items():
        print(f"| {k} | {v['conversations']} | {v['turns_correct']:.1%} | {v['conversations_correct']:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
