"""Whether a failed call may have reached WeChat decides whether a send is repeated: a connection
that was never made can be retried safely; one reset after the request was written may already have
shown the citizen the message (WeChatUnavailable.maybe_delivered, read by customer_service and the
notification watcher). Against real sockets on loopback."""
from __future__ import annotations

import socket
import struct
import threading

import pytest

from bot.wechat_api import WeChatApi, WeChatUnavailable

SEND = "cgi-bin/message/custom/send"


class ResetAfterReading:
    """Accepts connections, reads each whole request, then resets the connection (RST, no answer)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:
                body += conn.recv(65536)
            self.requests.append(head + b"\r\n\r\n" + body)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self):
        self.sock.close()


@pytest.fixture
def resetting():
    server = ResetAfterReading()
    yield server
    server.close()


def _api(redis_hub, port: int) -> WeChatApi:
    return WeChatApi(f"http://127.0.0.1:{port}", "wxDelivery", "secret", redis_hub, timeout=(1.0, 2.0))


def test_a_reset_after_the_request_was_written_may_have_been_delivered(redis_hub, resetting):
    api = _api(redis_hub, resetting.port)
    with pytest.raises(WeChatUnavailable) as err:
        api.call("POST", SEND, body={"touser": "oX", "msgtype": "text", "text": {"content": "您好"}},
                 with_token=False)
    assert err.value.maybe_delivered is True
    assert len(resetting.requests) == 1 and "您好".encode() in resetting.requests[0]


def test_a_connection_never_made_was_not_delivered(redis_hub):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()                      # nothing listens there now: connection refused
    with pytest.raises(WeChatUnavailable) as err:
        _api(redis_hub, port).call("POST", SEND, body={"touser": "oX"}, with_token=False)
    assert err.value.maybe_delivered is False


def test_every_send_goes_on_a_connection_of_its_own(redis_hub):
    """A pooled keep-alive connection dropped while idle would fail a send with a reset that reads
    as "maybe delivered" (never sent again): a body goes on a new connection every time."""
    import http.server
    import json as _json

    peers = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"        # keep-alive unless the client says close

        def _answer(self):
            peers.append(self.client_address[1])
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            body = _json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = _api(redis_hub, server.server_address[1])
        api.call("GET", "cgi-bin/get_current_selfmenu_info", with_token=False)   # leaves a pooled connection
        api.call("POST", SEND, body={"touser": "oX"}, with_token=False)
        api.call("POST", SEND, body={"touser": "oY"}, with_token=False)
        assert len(peers) == 3 and len(set(peers)) == 3      # neither send reused a connection
    finally:
        server.shutdown()
        server.server_close()
