"""Every call to a backend carries the turn's request id (X-Request-Id), so that the backend's logs
can be matched with ours; outside any turn none is made up.

A unit test of the base class's one network path: the "backend" is a small HTTP server of the
test's own that writes down the headers it receives (the sandbox does not show them)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.core.logs import REQUEST_ID


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self):
        type(self).seen.append(dict(self.headers))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def test_the_turns_request_id_goes_to_the_backend(make_adapter, recorder):
    url, seen = recorder
    adapter = make_adapter("exit_entry", base_url=url)
    token = REQUEST_ID.set("lb-7f3a9c2e11")
    try:
        adapter.ping()
    finally:
        REQUEST_ID.reset(token)
    adapter.ping()                      # outside a turn: no id is invented
    assert [h.get("X-Request-Id") for h in seen] == ["lb-7f3a9c2e11", None]
