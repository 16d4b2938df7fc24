"""Observability: one request id follows a turn (the web request, its worker thread, the job it
queues and the worker that runs it), JSON logs carry it, and /metrics has the HTTP, adapter,
breaker, job-stream and handoff figures."""
from __future__ import annotations

import json
import logging

from app import create_app
from bot.core.jobs import JobRunner
from bot.core.logs import REQUEST_ID, formatter
from bot.core.messages import Text
from tests.fixtures.wechat import FakeDispatcher
from tests.fixtures.wx import text_fields

TURN_LOG = logging.getLogger("tests.turn")


def _logging_dispatcher():
    def answer(incoming):
        TURN_LOG.info("turn for the test")
        return [Text("好的")]
    return FakeDispatcher(answer=answer)


def test_the_request_id_follows_the_turn_into_its_thread_and_its_job(make_app, caplog):
    wapp = make_app(dispatcher=_logging_dispatcher())
    caplog.set_level(logging.INFO)
    push = wapp.wx.push(text_fields("你好", openid="oTrace_1"))
    r = wapp.client.post(f"/wechat?{push.query}", data=push.body, content_type="text/xml",
                         headers={"X-Request-Id": "lb-7f3a9c2e11"})
    assert r.headers["X-Request-Id"] == "lb-7f3a9c2e11"
    (turn,) = [rec for rec in caplog.records if rec.name == "tests.turn"]
    assert turn.request_id == "lb-7f3a9c2e11"              # logged in the turn's own thread
    # A job queued during a request runs, in the worker, under the same id.
    seen = []
    token = REQUEST_ID.set("lb-7f3a9c2e11")
    try:
        wapp.late.jobs.enqueue("trace", {"x": 1})
    finally:
        REQUEST_ID.reset(token)
    runner = JobRunner(wapp.late.jobs, {"trace": lambda payload: seen.append(REQUEST_ID.get())}, consumer="t")
    runner.run_once(block_ms=100)
    assert seen == ["lb-7f3a9c2e11"] and REQUEST_ID.get() == "-"
    # A made-up header is not taken as an id (it would end up in every log line).
    r = wapp.client.get("/healthz", headers={"X-Request-Id": "bad id; with spaces"})
    assert r.headers["X-Request-Id"] != "bad id; with spaces" and len(r.headers["X-Request-Id"]) == 32


def test_json_log_lines_carry_the_request_id_and_stay_redacted():
    record = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "查 %s", ("510104198506122310",), None)
    record.request_id = "abc12345"
    line = json.loads(formatter("json").format(record))
    assert line["request_id"] == "abc12345" and line["level"] == "INFO"
    assert "510104198506122310" not in json.dumps(line, ensure_ascii=False)


def test_metrics_have_http_adapter_breaker_queue_and_handoff_figures(fake_runtime, chat):
    from tests.fixtures.chat import WANG
    chat.bind(WANG)                            # calls the identity backend
    app = create_app(runtime=fake_runtime)
    client = app.test_client()
    client.get("/healthz")
    client.get("/no/such/page")
    text = client.get("/metrics").data.decode()
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'http_requests_total{method="GET",route="unmatched",status="404"}' in text
    assert 'adapter_calls_total{backend="identity",outcome="ok"}' in text
    assert 'adapter_call_seconds_count{backend="identity"}' in text
    assert 'adapter_breaker_state{backend="identity"} 0.0' in text
    assert 'job_stream_jobs{state="dead"}' in text
    assert "handoff_queue_waiting 0.0" in text
