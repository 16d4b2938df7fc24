"""scripts/ingest.py (`make ingest`) end to end, as a subprocess against the test stack."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.clock import clock_from
from tests.fixtures.hotline import RAW_SECRETS, sample_calls, to_jsonl, unique_tag

ROOT = Path(__file__).resolve().parents[2]
RESULT_KEYS = ["call_id", "intent", "secondary_intents", "topic", "department", "district", "entities", "work_order"]
SUMMARY_KEYS = {"file", "started_at", "elapsed_s", "calls_read", "ingested", "bad_lines", "failed_calls",
                "nlu_failures", "by_intent", "by_topic", "by_department", "work_orders_created",
                "work_orders_existing", "invalid_id_numbers", "reused_call_ids", "notes", "queries_answered", "call_backs_needed"}
EVAL_CALLS = ROOT / "tests" / "channels" / "hotline" / "eval" / "calls.jsonl"


@pytest.fixture
def cli_env(redis_hub, rasa_server, sandbox_clean):
    """The environment `make ingest` would see, pointed at the test services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APP__")}
    env.update({
        "REDIS_URL": redis_hub.url, "NLU_URL": rasa_server.url,
        "APP__redis__key_prefix": json.dumps(redis_hub.prefix),   # a YAML string: the prefix holds colons
        "APP__backends__workorders__base_url": sandbox_clean.urls["workorders"],
    })
    env.pop("APP_PROFILE", None)
    return env


def ingest(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "scripts/ingest.py", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_ingest_writes_calls_and_summary(cli_env, tmp_path):
    source = tmp_path / "calls.jsonl"
    calls = sample_calls(unique_tag())
    source.write_text(to_jsonl(calls[:2] + ['{"call_id": 1}'] + calls[2:]), encoding="utf-8")
    out = tmp_path / "out"

    done = ingest(cli_env, "--file", source, "--out", out)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in (out / "calls.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["call_id"] for r in results] == [c["call_id"] for c in calls]
    assert all(list(r) == RESULT_KEYS for r in results)
    assert [r["intent"] for r in results] == ["file_complaint", "query_housing_fund", "query_endorsement_status",
                                              "file_complaint", "ask_service_guide"]
    assert [r["department"] for r in results] == ["生态环境局", None, None, "住房和城乡建设局", None]

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) == SUMMARY_KEYS
    assert (summary["calls_read"], summary["ingested"], summary["work_orders_created"]) == (6, 5, 2)
    assert summary["bad_lines"] == [{"line": 3, "reason": "call_id must be a non-empty string"}]

    printed = done.stdout
    assert "calls read" in printed and "line 3: call_id must be a non-empty string" in printed
    assert "noise → 生态环境局" in printed and "work orders created" in printed
    for secret in RAW_SECRETS:
        assert secret not in printed + done.stderr + (out / "calls.jsonl").read_text(encoding="utf-8")

    # The picture: counts, the work orders as CSV, the charts; no raw caller number anywhere.
    picture = json.loads((out / "picture.json").read_text(encoding="utf-8"))
    assert sum(picture["by_day"].values()) == 5 and picture["by_topic"] == {"noise": 1, "property": 1}
    csv_text = (out / "work_orders.csv").read_text(encoding="utf-8-sig")
    assert csv_text.count("\nGD") == 2 and "噪音扰民" in csv_text
    for png in ("topics_by_district.png", "calls_per_day.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"

    again = ingest(cli_env, "--file", source, "--out", tmp_path / "again")
    assert again.returncode == 0, again.stderr
    second = json.loads((tmp_path / "again" / "summary.json").read_text(encoding="utf-8"))
    assert (second["work_orders_created"], second["work_orders_existing"]) == (0, 2)


def test_default_out_is_a_new_folder_under_reports_dated_by_the_stacks_clock(cli_env, tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text(to_jsonl(sample_calls(unique_tag())[1:2]), encoding="utf-8")
    reports_existed = (ROOT / "reports").exists()
    # The anchored APP_CLOCK `make run` prints, given to `make ingest` beside it.
    spec = clock_from("2027-02-08T10:00:00+08:00").spec()
    done = ingest({**cli_env, "APP_CLOCK": spec}, "--file", source, "--no-progress")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("Wrote "))
    folder = Path(line.split()[1]).parent
    try:
        assert folder.parent == ROOT / "reports" and folder.name.startswith("ingest-20270208-10")
        assert (folder / "calls.jsonl").is_file() and (folder / "summary.json").is_file()
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert summary["started_at"].startswith("2027-02-08T10:0") and summary["started_at"].endswith("+08:00")
    finally:
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
        if not reports_existed and not any(folder.parent.iterdir()):
            folder.parent.rmdir()


def test_a_service_that_does_not_answer_is_named(cli_env, tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text(to_jsonl(sample_calls()[:1]), encoding="utf-8")
    done = ingest({**cli_env, "NLU_URL": "http://127.0.0.1:9"}, "--file", source, "--out", tmp_path / "out")
    assert done.returncode == 3
    assert "NLU server at http://127.0.0.1:9" in done.stderr and "make run" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_file(cli_env, tmp_path):
    done = ingest(cli_env, "--file", tmp_path / "nope.jsonl")
    assert done.returncode == 2 and "no such file" in done.stderr


def _tagged_eval_calls(tag: str) -> list[dict]:
    calls = [json.loads(line) for line in EVAL_CALLS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for c in calls:
        c["call_id"] += f"-{tag}"
    return calls


def test_interrupted_then_resumed_files_nothing_twice(cli_env, tmp_path, sandbox_clean):
    # Four copies of the set under ids of their own: with the NLU cache warm from earlier tests a
    # single copy can be done before the first checkpoint (1 s), leaving nothing to interrupt.
    calls = [c for _ in range(4) for c in _tagged_eval_calls(unique_tag())]
    source = tmp_path / "calls.jsonl"
    source.write_text(to_jsonl(calls[:40] + ["{broken"] + calls[40:]), encoding="utf-8")
    out = tmp_path / "out"
    before = sandbox_clean.stats("workorders").get("created", 0)

    # Started with SIGINT ignored, as a job started with & inherits it (a fresh clone's suite run in
    # the background failed here): the command's Ctrl-C must still stop it cleanly.
    proc = subprocess.Popen([sys.executable, "scripts/ingest.py", "--file", str(source), "--out", str(out),
                             "--no-progress", "--workers", "2"], cwd=ROOT, env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = time.monotonic() + 120
    while not (out / "progress.json").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    first = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert 0 < first["interrupted_at_line"] < len(calls) + 1
    assert "RESUME=1" in stderr

    done = ingest(cli_env, "--file", source, "--out", out, "--resume", "--no-progress")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in (out / "calls.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["call_id"] for r in results] == [c["call_id"] for c in calls]       # each once, in order
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["calls_read"] == len(calls) + 1 and summary["ingested"] == len(calls)
    assert [b["line"] for b in summary["bad_lines"]] == [41]
    orders = [r["work_order"]["order_no"] for r in results if r["work_order"]]
    assert len(orders) == len(set(orders)) > 0
    assert sandbox_clean.stats("workorders").get("created", 0) - before == len(orders)

    again = ingest(cli_env, "--file", source, "--out", out, "--resume")
    assert again.returncode == 2 and "finished" in again.stderr


def test_resume_refuses_another_file(cli_env, tmp_path):
    source = tmp_path / "calls.jsonl"
    source.write_text(to_jsonl(sample_calls(unique_tag())), encoding="utf-8")
    out = tmp_path / "out"
    from bot.channels.hotline.checkpoint import Checkpoint
    out.mkdir()
    (out / "calls.jsonl").write_text("", encoding="utf-8")
    Checkpoint(str(source), 10, 1, "0" * 64, 0, {}).save(out)
    r = ingest(cli_env, "--file", source, "--out", out, "--resume")
    assert r.returncode == 2 and "not the file that run read" in r.stderr


def test_a_reused_call_id_in_a_later_file_is_refused_and_reported(cli_env, tmp_path, sandbox_clean):
    first = sample_calls(unique_tag())[0]
    (tmp_path / "a.jsonl").write_text(to_jsonl([first]), encoding="utf-8")
    assert ingest(cli_env, "--file", tmp_path / "a.jsonl", "--out", tmp_path / "a").returncode == 0
    other = dict(first, turns=[{"speaker": "caller", "text": "我要投诉，小区门口的垃圾好几天没人清运了，臭得很。"}])
    (tmp_path / "b.jsonl").write_text(to_jsonl([other]), encoding="utf-8")
    before = sandbox_clean.stats("workorders").get("created", 0)
    r = ingest(cli_env, "--file", tmp_path / "b.jsonl", "--out", tmp_path / "b")
    assert r.returncode == 1
    summary = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert summary["reused_call_ids"] == 1 and summary["ingested"] == 0
    assert summary["failed_calls"][0]["reason"].startswith("call_id already used by a different call")
    assert (tmp_path / "b" / "calls.jsonl").read_text(encoding="utf-8") == ""
    assert sandbox_clean.stats("workorders").get("created", 0) == before


def test_two_processes_share_one_file_each_line_done_once(cli_env, tmp_path, sandbox_clean):
    calls = _tagged_eval_calls(unique_tag())[:60]
    source = tmp_path / "calls.jsonl"
    source.write_text(to_jsonl(calls[:30] + ["", "{broken"] + calls[30:]), encoding="utf-8")
    before = sandbox_clean.stats("workorders").get("created", 0)
    procs = [subprocess.Popen([sys.executable, "scripts/ingest.py", "--file", str(source), "--out",
                               str(tmp_path / f"out{i}"), "--shared", "--no-progress", "--workers", "2"],
                              cwd=ROOT, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    done = []
    bad = []
    for i in range(2):
        out = tmp_path / f"out{i}"
        done += [json.loads(line)["call_id"] for line in (out / "calls.jsonl").read_text(encoding="utf-8").splitlines()]
        bad += json.loads((out / "summary.json").read_text(encoding="utf-8"))["bad_lines"]
    assert sorted(done) == sorted(c["call_id"] for c in calls)          # every call, once
    assert [b["line"] for b in bad] == [32]                               # the file's own line number
    results = []
    for i in range(2):
        results += [json.loads(x) for x in (tmp_path / f"out{i}" / "calls.jsonl").read_text(encoding="utf-8").splitlines()]
    orders = [r["work_order"]["order_no"] for r in results if r["work_order"]]
    assert len(orders) == len(set(orders)) == sandbox_clean.stats("workorders").get("created", 0) - before


def test_repeat_callers_and_hot_spots_are_in_the_picture_pseudonymised(cli_env, tmp_path):
    tag = unique_tag()
    said = ["我要投诉，玉林小区楼下的烧烤店油烟太大了，熏得窗子都打不开。",
            "我要反映一下，玉林北路的小区里头，有家烧烤店的油烟天天往楼上飘。",
            "我们玉林小区门口那个烧烤摊，油烟大得很，麻烦管一下。"]
    calls = []
    for i, text in enumerate(said):
        c = {"call_id": f"HOT{i}-{tag}", "started_at": f"2026-11-0{2 + 2 * i}T20:00:00+08:00", "duration_s": 60,
             "district": "武侯区", "caller": "186-2830-5147" if i < 2 else "18628305147",
             "turns": [{"speaker": "agent", "text": "您好，12345热线。"}, {"speaker": "caller", "text": text}]}
        calls.append(c)
    source = tmp_path / "calls.jsonl"
    source.write_text(to_jsonl(calls), encoding="utf-8")
    done = ingest(cli_env, "--file", source, "--out", tmp_path / "out", "--no-progress")
    assert done.returncode == 0, done.stderr
    picture = json.loads((tmp_path / "out" / "picture.json").read_text(encoding="utf-8"))
    [spot] = picture["hot_spots"]
    assert (spot["district"], spot["place"], spot["topic"], spot["calls"]) == ("武侯区", "玉林", "sanitation", 3)
    [caller] = picture["repeat_callers"]
    assert caller["calls"] == 3 and len(caller["caller"]) == 32
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "out").iterdir()
                         if p.suffix in (".json", ".jsonl", ".csv")) + done.stdout + done.stderr
    assert "18628305147" not in everything and "2830" not in everything
