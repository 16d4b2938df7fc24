"""Runs each sandbox backend as a real threaded HTTP server in this process,
and can take one down (listening socket closed, open connections cut) and
bring it back, so that "down" really means connection refused."""
from __future__ import annotations

import logging
import socket
import threading

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from bot.core.privacy import redact_text

log = logging.getLogger("sandbox.http")


class _RedactingHandler(WSGIRequestHandler):
    """Access log through our logger, with ID and phone numbers replaced by
    placeholders (the backends refuse them in URLs, but a refused request's
    line is still logged)."""

    def log(self, type: str, message: str, *args) -> None:
        level = logging.WARNING if type == "error" else logging.DEBUG
        if log.isEnabledFor(level):
            log.log(level, "%s %s", self.server.name, redact_text(message % args))


class _TrackedServer(ThreadedWSGIServer):
    """ThreadedWSGIServer that remembers its open connections so that going
    down can cut them (a keep-alive connection would otherwise still answer)."""

    def __init__(self, name: str, host: str, port: int, app):
        self.name = name
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(host, port, app, handler=_RedactingHandler)

    def process_request(self, request, client_address):
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class BackendServer:
    """One backend's listener, which can be stopped and started again on its port."""

    def __init__(self, name: str, host: str, port: int, app):
        self.name, self.host, self.port, self.app = name, host, port, app
        self._server: _TrackedServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            try:
                server = _TrackedServer(self.name, self.host, self.port, self.app)
            except SystemExit as e:  # werkzeug exits when it cannot bind
                raise OSError(f"{self.name}: cannot listen on {self.host}:{self.port}") from e
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name=f"sandbox-{self.name}", daemon=True)
            self._thread.start()
        log.info("%s listening on http://%s:%d", self.name, self.host, self.port)

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()          # stop accepting
        server.server_close()      # close the listening socket: connection refused from now on
        server.cut_connections()   # and no keep-alive connection answers either
        if thread:
            thread.join(timeout=2)
        log.info("%s stopped listening", self.name)
