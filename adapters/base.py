"""The base of every backend adapter: settings, the HTTP session, the one
network path (_request), error translation, the shared circuit breaker, auth
and logging. A backend module adds its settings, its auth, its wire format and
its public methods (see docs/adapters.md, "How to add a backend").
"""
from __future__ import annotations

import functools
import http.cookiejar
import inspect
import logging
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any, Callable, ClassVar, Mapping, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from adapters.breaker import SharedBreaker
from adapters.errors import (
    BackendAuthError,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadResponse,
    BusinessError,
    CircuitOpen,
    Conflict,
    NotFound,
    RateLimited,
    failure_kind,
)
from adapters.records import Affair
from bot.core import access, metrics
from bot.core.config import Section
from bot.core.errors import ConfigError
from bot.core.logs import REQUEST_ID, install_redaction
from bot.core.privacy import normalise_id_number, redact_text
from bot.core.redis_hub import RedisHub

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The turn's request id (bot/core/logs.py) travels with every call, as the web app takes it in.
REQUEST_ID_HEADER = "X-Request-Id"
RETRY_STATUSES = (502, 503, 504)

# A health ping (/readyz) waits at most this long (connect, read), or the
# backend's own timeouts if shorter, and makes exactly one attempt.
HEALTH_TIMEOUT_S = (0.5, 1.0)

# Settings every backend has (backend modules add their own in SETTING_KEYS).
COMMON_SETTINGS = (
    "base_url", "connect_timeout_s", "read_timeout_s", "retries", "backoff_s", "pool_size",
    "breaker_fail_max", "breaker_reset_s",
)

# No adapter puts an ID or phone number in a URL (they travel in bodies or
# headers; the sandbox refuses them in URLs). urllib3 still logs full URLs at
# DEBUG, so as a second line every log record is redacted where it is made
# (bot/core/logs.py).
install_redaction()


class _RetryPolicyAdapter(HTTPAdapter):
    """An HTTPAdapter (one connection pool) with three retry policies, chosen per request:

    - "idempotent": GET/HEAD, and POSTs the adapter marks idempotent (read-only
      queries, and creates that carry an Idempotency-Key) are retried on
      connection failures and on 502/503/504, with backoff;
    - "other": other requests only on connection failures (the server never saw them);
    - "once": one attempt, never retried (health pings).

    Read timeouts are never retried: the backend may be working on it, and
    waiting again would double the citizen's wait. requests reads
    `self.max_retries` inside send(), so the choice is kept per thread.
    """

    def __init__(self, policies: Mapping[str, Retry], pool_size: int):
        self._policies = dict(policies)
        self._choice = threading.local()
        super().__init__(max_retries=self._policies["other"], pool_connections=1, pool_maxsize=pool_size)

    @property
    def max_retries(self) -> Retry:
        return self._policies[getattr(self._choice, "policy", "other")]

    @max_retries.setter
    def max_retries(self, value) -> None:  # HTTPAdapter.__init__ assigns it; our policies stand
        pass

    def send(self, request, *args, policy: str = "other", **kwargs):
        if policy not in self._policies:
            raise ValueError(f"unknown retry policy {policy!r}")
        self._choice.policy = policy
        try:
            return super().send(request, *args, **kwargs)
        finally:
            self._choice.policy = "other"


def _retry(retries: int, backoff_s: float, *, idempotent: bool) -> Retry:
    return Retry(
        total=retries,
        connect=retries,
        read=False,                     # re-raise read timeouts at once (see above)
        status=retries if idempotent else 0,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE"}) if idempotent else SAFE_METHODS,
        status_forcelist=RETRY_STATUSES if idempotent else (),
        backoff_factor=backoff_s,
        backoff_jitter=backoff_s / 2,
        respect_retry_after_header=False,  # a backend's Retry-After could exceed the citizen's patience
        raise_on_status=False,             # hand back the last 5xx; _request classifies it
        raise_on_redirect=False,
    )


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (its HTTP-date form is not used by our backends: None)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _no_retry() -> Retry:
    return Retry(total=0, connect=0, read=False, status=0, other=0, redirect=0,
                 raise_on_status=False, raise_on_redirect=False)


def personal_read(method: Callable[..., T]) -> Callable[..., T]:
    """Marks an adapter method that reads a citizen's records (its `id_number` argument): each call
    leaves one audit record (bot.core.access), whatever its outcome; a read made of other reads
    (affairs() listing applications()) is one."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def audited(self, *args, **kwargs):
        id_number = signature.bind(self, *args, **kwargs).arguments.get("id_number")
        with access.one_read() as outermost:
            if not outermost or not id_number:
                return method(self, *args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except NotFound:
                access.note_read(backend=self.name, operation=method.__name__, citizen_id=id_number,
                                 outcome="not_found")
                raise
            except BackendError as e:
                access.note_read(backend=self.name, operation=method.__name__, citizen_id=id_number,
                                 outcome=failure_kind(e))
                raise
            access.note_read(backend=self.name, operation=method.__name__, citizen_id=id_number)
            return result

    audited.personal_read = True
    return audited


class BackendAdapter:
    """Base of the adapters. Subclasses set `name` (= config key = Redis
    namespace = module name), `domain` (ledger domain, or None when the backend
    holds no citizen matters), `health_path`, `SETTING_KEYS`, implement
    `_configure()` and their public methods, all calling `_request()`."""

    name: ClassVar[str] = ""
    domain: ClassVar[str | None] = None
    health_path: ClassVar[str] = "/"
    SETTING_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, settings: Mapping[str, Any], hub: RedisHub, profile: str = "sandbox"):
        self.path = f"backends.{self.name}"
        cfg = Section(self.path, settings)
        unknown = sorted(set(cfg.keys()) - set(COMMON_SETTINGS) - set(self.SETTING_KEYS))
        if unknown:
            raise ConfigError(f"{self.path}.{unknown[0]}", "unknown setting (a typo?)")
        self.profile = profile
        self.hub = hub
        self.base_url = cfg.url("base_url")
        connect = cfg.num("connect_timeout_s", 1.0, lo=0.01, hi=30)
        read = cfg.num("read_timeout_s", 5.0, lo=0.01, hi=120)
        self.timeout = (connect, read)
        self.health_timeout = (min(connect, HEALTH_TIMEOUT_S[0]), min(read, HEALTH_TIMEOUT_S[1]))
        self._ping_lock = threading.Lock()  # one health ping at a time per adapter
        retries = cfg.int("retries", 2, lo=0, hi=5)
        backoff = cfg.num("backoff_s", 0.2, lo=0, hi=10)
        pool_size = cfg.int("pool_size", 10, lo=1, hi=200)
        self.breaker = SharedBreaker(
            hub, self.name,
            fail_max=cfg.int("breaker_fail_max", 5, lo=1, hi=1000),
            reset_timeout_s=cfg.num("breaker_reset_s", 30.0, lo=0.05, hi=3600),
            trial_timeout_s=connect + read + 1,
        )
        self.log = logging.getLogger(f"adapters.{self.name}")
        self._session = requests.Session()
        # No environment proxies or ~/.netrc credentials, and no cookie jar (a session cookie
        # is an auth's business, sent by it): what is sent is what this code says.
        self._session.trust_env = False
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        policy = _RetryPolicyAdapter({"idempotent": _retry(retries, backoff, idempotent=True),
                                      "other": _retry(retries, backoff, idempotent=False),
                                      "once": _no_retry()}, pool_size)
        self._session.mount("http://", policy)
        self._session.mount("https://", policy)
        self._auth = self._configure(cfg)

    # --- for subclasses ---------------------------------------------------------------
    def _configure(self, cfg: Section) -> requests.auth.AuthBase | None:
        """Read the backend's own settings; return its auth (or None)."""
        return None

    def _error_code(self, response: requests.Response) -> str | None:
        """The backend's own error code from a 4xx body, if it has one."""
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict):
            for key in ("errorCode", "error", "errcode", "code"):
                value = body.get(key)
                if isinstance(value, (str, int)) and not isinstance(value, bool):
                    return str(value)
                if isinstance(value, dict) and "code" in value:
                    return str(value["code"])
        return None

    def affairs(self, id_number: str) -> list[Affair]:
        """This citizen's matters in this backend, for the personal ledger."""
        raise NotImplementedError(f"{self.name} holds no citizen matters")

    # --- the one network path ---------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        op: str,
        parse: Callable[[requests.Response], T] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        idempotent: bool | None = None,
        authenticate: bool = True,
        guarded: bool = True,
        retry: bool = True,
        timeout: tuple[float, float] | None = None,
    ) -> T:
        """Send one call and return parse(response) (or the response).

        op            short name of the operation, for logs ("account", "book")
        parse         reads the body into records; its KeyError/ValueError/… become BadResponse
        params        the query string: never an ID or phone number (they go in
                      `json`/`data` or a header; the sandbox refuses them in URLs)
        idempotency_key  sent as Idempotency-Key; makes a POST retryable
        idempotent    override: True for read-only POSTs (queries with the ID in the body)
        authenticate  False for the token endpoint itself
        guarded       False for calls made inside another guarded call (token fetch),
                      so that one failure counts once in the breaker, and for pings
        retry         False: one attempt, whatever the method (health pings)
        timeout       (connect, read) instead of the backend's own (health pings)

        Raises only adapters.errors: CircuitOpen before any network use while
        the circuit is open; BusinessError (NotFound, Conflict) for refusals,
        which do not count as failures; the rest count towards opening it.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in SAFE_METHODS or idempotency_key is not None
        policy = "once" if not retry else "idempotent" if idempotent else "other"
        headers = dict(headers or {})
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        ticket = self.breaker.before_call() if guarded else None
        started = time.perf_counter()
        try:
            send = lambda: self._send(method, path, op, params, json, data, headers, policy,  # noqa: E731
                                      authenticate, timeout or self.timeout)
            response = send()
            refresh = getattr(self._auth, "refresh", None)
            if response.status_code == 401 and authenticate and refresh is not None and refresh():
                self.log.info("%s: credentials refused, renewed them, retrying once", op)
                response = send()
            self._check_status(response, op)
            result = self._parse(response, op, parse) if parse else response
        except (BusinessError, RateLimited) as e:
            if ticket is not None:
                self.breaker.after_success(ticket)  # the backend answered: it is healthy
            self._log_outcome(op, started, e)
            raise
        except BackendError as e:
            if ticket is not None:
                self.breaker.after_failure()
            self._log_outcome(op, started, e)
            raise
        if ticket is not None:
            self.breaker.after_success(ticket)
        self._log_outcome(op, started, None, response.status_code)
        return result

    def _send(self, method, path, op, params, json, data, headers, policy, authenticate, timeout) -> requests.Response:
        request_id = REQUEST_ID.get()
        if request_id != "-" and REQUEST_ID_HEADER not in headers:
            # The backend's logs can then be matched with ours, turn by turn.
            headers = {**headers, REQUEST_ID_HEADER: request_id}
        request = requests.Request(method, self.base_url + path, params=params, json=json, data=data,
                                   headers=headers, auth=self._auth if authenticate else None)
        try:
            prepared = self._session.prepare_request(request)
            return self._session.send(prepared, timeout=timeout, allow_redirects=False, policy=policy)
        except requests.Timeout as e:
            raise BackendTimeout(self.name, f"{op}: no answer within {timeout[0]}+{timeout[1]} s") from e
        except requests.ConnectionError as e:
            raise BackendUnavailable(self.name, f"{op}: connection failed") from e
        except requests.RequestException as e:
            raise BackendUnavailable(self.name, f"{op}: {type(e).__name__}") from e

    def _check_status(self, response: requests.Response, op: str) -> None:
        status = response.status_code
        if status < 300:
            return
        code = self._error_code(response) if 400 <= status < 500 else None
        if status in (401, 403):
            raise BackendAuthError(self.name, f"{op}: credentials refused ({status})")
        if status == 404:
            raise NotFound(self.name, f"{op}: not found", code)
        if status == 409:
            raise Conflict(self.name, f"{op}: conflict ({code})", code)
        if status in (408, 504):
            raise BackendTimeout(self.name, f"{op}: backend timed out ({status})")
        if status == 429:
            raise RateLimited(self.name, f"{op}: too many requests ({code or 429})",
                              _retry_after(response.headers.get("Retry-After")), code)
        if status >= 500:
            raise BackendUnavailable(self.name, f"{op}: HTTP {status}")
        if 400 <= status < 500:
            raise BusinessError(self.name, f"{op}: refused ({code or status})", code)
        raise BadResponse(self.name, f"{op}: unexpected HTTP {status}")

    def _parse(self, response: requests.Response, op: str, parse: Callable[[requests.Response], T]) -> T:
        try:
            return parse(response)
        except BackendError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, ArithmeticError, AttributeError, ET.ParseError) as e:
            # Name the problem's type only: a message could quote the body (and its ID numbers).
            raise BadResponse(self.name, f"{op}: unexpected answer ({type(e).__name__})") from e

    def _log_outcome(self, op: str, started: float, error: BaseException | None, status: int | None = None) -> None:
        seconds = time.perf_counter() - started
        ms = seconds * 1000
        outcome = ("ok" if error is None else "business" if isinstance(error, BusinessError)
                   else "rate_limited" if isinstance(error, RateLimited) else failure_kind(error))
        metrics.ADAPTER_CALLS.labels(self.name, outcome).inc()
        metrics.ADAPTER_SECONDS.labels(self.name).observe(seconds)
        if error is None:
            if self.log.isEnabledFor(logging.DEBUG):
                self.log.debug("%s ok status=%s %.1f ms", op, status, ms)
        elif isinstance(error, BusinessError):
            self.log.info("%s answered %s (%s) %.1f ms", op, type(error).__name__, redact_text(str(error.code)), ms)
        elif isinstance(error, RateLimited):
            self.log.info("%s rate-limited (retry after %s s) %.1f ms", op, error.retry_after_s, ms)
        else:
            self.log.warning("%s failed: %s: %s %.1f ms", op, failure_kind(error),
                             redact_text(error.message), ms)

    # --- shared helpers ---------------------------------------------------------------
    @staticmethod
    def _id(id_number: str) -> str:
        if not isinstance(id_number, str) or not id_number.strip():
            raise ValueError("id_number is required")
        return normalise_id_number(id_number)

    def ping(self) -> None:
        """Raises a BackendError unless the backend answers its health path.

        Cheap enough to be asked often (/readyz): one unauthenticated attempt
        (no retries, no token fetch) with `health_timeout`, outside the breaker
        (it neither counts nor takes the half-open trial, which belongs to a
        citizen's call). While the breaker is not closed it raises CircuitOpen
        without calling, and while an earlier ping of this adapter still waits
        for its answer it raises BackendTimeout without starting another.
        """
        if self.breaker.state() in ("open", "half-open"):
            raise CircuitOpen(self.name)
        if not self._ping_lock.acquire(blocking=False):
            raise BackendTimeout(self.name, "ping: the previous ping is still waiting")
        try:
            self._request("GET", self.health_path, op="ping", authenticate=False, guarded=False,
                          retry=False, timeout=self.health_timeout)
        finally:
            self._ping_lock.release()

    def health(self) -> str:
        """"ok", or why not: circuit_open / timeout / unavailable / auth / bad_response / …"""
        try:
            self.ping()
        except BackendError as e:
            return failure_kind(e)
        return "ok"

    def close(self) -> None:
        self._session.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"
