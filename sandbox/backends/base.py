"""What every sandbox backend shares: routing, injected faults, request counters,
idempotent replays, and the refusal of identifiers in URLs. Each backend adds
its own routes, wire format and auth.

Identifiers never travel in URLs (they end up in access logs of the backend
and of every proxy on the way): a request whose path or query string holds an
ID number or a phone number, or a query parameter named like an identifier
(sfzh, aac002, cert_no, idNumber…), is refused with 400 IDENTIFIER_IN_URL and
counted as `identifier_in_url`, before faults and authentication, so that a
regression in an adapter fails loudly.

Every backend states a rate limit for all its requests but the ping (`rate_limit`, e.g.
500/second, a moving window; `--rate-limit` or the backend's `rate_limit` option changes it, and
POST /__rate/<backend> on the control port until restore): each answer carries
X-RateLimit-Policy (the limit, "500/second"), X-RateLimit-Limit and X-RateLimit-Remaining, and a
request past it gets 429 RATE_LIMITED with Retry-After, before faults and authentication.
docs/sandbox.md lists the limits; the adapters read a 429 as RateLimited (the backend is busy).

Records move on through POST /__data/advance (sandbox/progress.py): a backend that holds
applications overrides advance(ref)."""
from __future__ import annotations

import json
import threading
from typing import Any, Callable

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from bot.core.privacy import ID_LIKE, PHONE
from sandbox.data import World
from sandbox.faults import Fault, FaultBoard, Stats
from sandbox.progress import Advanced
from sandbox.quotas import Quota, retry_after_header

DEFAULT_RATE_LIMIT = "500/second"

# Query parameters that name an identifier, whatever their value looks like
# (a mistyped ID is still someone's), compared in lower case.
IDENTIFIER_PARAMS = frozenset({
    "sfzh", "aac002", "cert_no", "certno", "idnumber", "id_number", "idno", "citizenid", "citizen_id",
    "applicant_id", "applicantid", "zjhm", "phone", "mobile", "contactphone", "contact_phone",
})


def identifier_in_url(request: Request) -> bool:
    """True when the request's path or query string carries an ID or phone number."""
    if ID_LIKE.search(request.path) or PHONE.search(request.path):
        return True
    for key, value in request.args.items(multi=True):
        if key.lower() in IDENTIFIER_PARAMS:
            return True
        if ID_LIKE.search(key) or PHONE.search(key) or ID_LIKE.search(value) or PHONE.search(value):
            return True
    return False


class SandboxBackend:
    name: str = ""
    # Unauthenticated liveness path (the adapters' health() calls it).
    ping_path: str = "/ping"
    # What this backend's operators allow one caller (every request but the ping).
    rate_limit: str = DEFAULT_RATE_LIMIT

    def __init__(self, world: World, faults: FaultBoard, stats: Stats, options: dict | None = None):
        self.world = world
        self.faults = faults
        self.stats = stats
        self.options = options or {}
        self.lock = threading.RLock()  # guards this backend's mutable state (re-entered by idempotent())
        self._replays: dict[str, tuple[str, Response]] = {}
        self.quotas: dict[str, Quota] = self.make_quotas()
        self.rate = Quota(str(self.options.get("rate_limit") or self.rate_limit), "moving")
        self.seed()
        self.url_map = Map(self.rules() + [Rule(self.ping_path, endpoint="ping", methods=["GET"])])

    # --- to override ------------------------------------------------------------------
    def seed(self) -> None:
        """(Re)build the records this backend changes (bookings, orders) from the
        seeded world; called at start and by restore()."""

    def rules(self) -> list[Rule]:
        raise NotImplementedError

    def make_quotas(self) -> dict[str, Quota]:
        """This backend's named rate or volume limits (its bulk listings'), if any."""
        return {}

    def advance(self, ref: str) -> Advanced | None:
        """Move the record `ref` one step along its sequence (sandbox/progress.py); None when this
        backend holds no such record; raises AtLastStep when it moves no further."""
        return None

    def authenticate(self, request: Request, endpoint: str) -> Response | None:
        """None when the caller may proceed, else the backend's own 401 answer."""
        return None

    def unauthorized(self) -> Response:
        return self.json({"error": "unauthorized"}, 401)

    def garbage(self) -> Response:
        # A body cut off mid-way, as from a proxy that dropped the upstream.
        return Response('{"code": 0, "data": {"name": "', 200, content_type="application/json; charset=utf-8")

    def ping(self, request: Request) -> Response:
        return self.json({"status": "UP"})

    def restore(self) -> None:
        """Back to the seeded state: what tests and demos created is forgotten,
        including remembered idempotent replies, and limits are back to their
        start values with nothing counted."""
        with self.lock:
            self._replays.clear()
            self.seed()
        for quota in [*self.quotas.values(), self.rate]:
            quota.restore()

    def identifier_refused(self) -> Response:
        """The 400 for an identifier in the URL (override to answer in the backend's format)."""
        return self.json({"error": "IDENTIFIER_IN_URL",
                          "message": "identifiers go in the request body or a header, never in the URL"}, 400)

    # --- helpers for subclasses --------------------------------------------------------
    @staticmethod
    def json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data, ensure_ascii=False, default=str), status,
                        content_type="application/json; charset=utf-8")

    @staticmethod
    def body_json(request: Request) -> dict:
        try:
            data = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def idempotent(self, request: Request, create: Callable[[], Response]) -> Response:
        """Run a state-changing `create` once per Idempotency-Key.

        The same key with the same body answers the first result again (and
        creates nothing); the same key with another body is refused (422), as
        payment-style APIs do. Without a key every call creates.
        Runs under self.lock, so two concurrent requests with one key create one record.
        """
        key = request.headers.get("Idempotency-Key", "")
        fingerprint = request.get_data(as_text=True)
        with self.lock:
            if key and key in self._replays:
                seen_fingerprint, response = self._replays[key]
                if seen_fingerprint != fingerprint:
                    return self.json({"error": "IDEMPOTENCY_KEY_REUSED",
                                      "message": "this Idempotency-Key was used with another request"}, 422)
                self.stats.add(self.name, "idempotent_replays")
                return Response(response.get_data(), response.status_code, headers={"Idempotent-Replay": "true"},
                                content_type=response.content_type)
            response = create()
            if key and response.status_code < 500:
                self._replays[key] = (fingerprint, response)
            return response

    # --- the WSGI entry point ----------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        self.stats.add(self.name, "requests")
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        if identifier_in_url(request):
            self.stats.add(self.name, "identifier_in_url")
            return self.identifier_refused()
        verdict = None
        if request.path != self.ping_path:
            verdict = self.rate.take()
            if not verdict.allowed:
                self.stats.add(self.name, "rate_limited")
                return self._rate_headers(self.rate_limited(), verdict)
        return self._rate_headers(self._serve(request), verdict)

    def rate_limited(self) -> Response:
        """The 429 past the rate limit (override to answer in the backend's format)."""
        return self.json({"error": "RATE_LIMITED", "message": f"at most {self.rate.spec} requests"}, 429)

    def _rate_headers(self, response: Response, verdict) -> Response:
        # An endpoint with a limit of its own (a bulk listing's) has set these already: its own
        # limit is the one that tells the caller more, so it stays.
        if verdict is not None and "X-RateLimit-Limit" not in response.headers:
            response.headers["X-RateLimit-Policy"] = self.rate.spec
            response.headers["X-RateLimit-Limit"] = str(verdict.limit)
            response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
            if not verdict.allowed:
                response.headers["Retry-After"] = retry_after_header(verdict.retry_after_s)
        return response

    def _serve(self, request: Request) -> Response:
        fault = self.faults.take(self.name)
        if fault is not None:
            self.stats.add(self.name, "faulted")
            answer = self._apply_fault(fault)
            if answer is not None:
                return answer
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException as e:
            return self.json({"error": e.name}, e.code or 404)
        self.stats.add(self.name, f"endpoint:{endpoint}")
        if endpoint != "ping":
            refused = self.authenticate(request, endpoint)
            if refused is not None:
                return refused
        return getattr(self, endpoint)(request, **args)

    def _apply_fault(self, fault: Fault) -> Response | None:
        """The faulted answer, or None to go on normally (after a "slow" delay)."""
        if fault.mode == "slow":
            fault.released.wait(fault.delay_s)
            return None
        if fault.mode == "timeout":
            # Hold the request longer than any client waits; a reset releases it.
            fault.released.wait(fault.delay_s)
            return Response("upstream timed out", 504, content_type="text/plain")
        if fault.mode == "error_500":
            return Response("Internal Server Error", 500, content_type="text/plain")
        if fault.mode == "error_503":
            return Response("Service Unavailable", 503, content_type="text/plain")
        if fault.mode == "garbage":
            return self.garbage()
        if fault.mode == "auth_reject":
            return self.unauthorized()
        return None
