"""The one error taxonomy the adapters raise. Every network, HTTP or parsing
failure is translated at the boundary (adapters/base.py) into one of these,
always with `raise ... from e`, so callers catch these and nothing else.

    BackendError                    base; .backend names the backend
    ├── BackendUnavailable          refused / reset / 5xx (after retries)
    │   └── CircuitOpen             the breaker is open: no call was made
    ├── BackendTimeout              no answer within the (connect, read) timeout
    ├── BackendAuthError            our credentials were refused (after one refresh)
    ├── BadResponse                 malformed body or unexpected shape
    └── BusinessError               the backend answered properly, with a "no"
        ├── NotFound                no such record (or not this citizen's)
        └── Conflict                e.g. the slot is full, already booked

Business errors are answers, not failures: they never trip the circuit breaker.
Messages never hold ID or phone numbers (they may end up in logs).
"""
from __future__ import annotations


class BackendError(Exception):
    def __init__(self, backend: str, message: str = ""):
        super().__init__(f"{backend}: {message}" if message else backend)
        self.backend = backend
        self.message = message


class BackendUnavailable(BackendError):
    pass


class CircuitOpen(BackendUnavailable):
    def __init__(self, backend: str, retry_in_s: float | None = None):
        hint = f"; next try in {retry_in_s:.1f} s" if retry_in_s is not None else ""
        super().__init__(backend, f"circuit open{hint}")
        self.retry_in_s = retry_in_s


class BackendTimeout(BackendError):
    pass


class BackendAuthError(BackendError):
    pass


class BadResponse(BackendError):
    pass


class BusinessError(BackendError):
    """A well-formed refusal. `code` is the backend's own code (e.g. SLOT_FULL),
    `message` a short explanation fit to show or log."""

    def __init__(self, backend: str, message: str = "", code: str | None = None):
        super().__init__(backend, message)
        self.code = code


class NotFound(BusinessError):
    pass


class Conflict(BusinessError):
    pass


def failure_kind(error: BaseException) -> str:
    """A short word for why a backend did not answer (ledger notes, /readyz)."""
    if isinstance(error, CircuitOpen):
        return "circuit_open"
    if isinstance(error, BackendTimeout):
        return "timeout"
    if isinstance(error, BackendUnavailable):
        return "unavailable"
    if isinstance(error, BackendAuthError):
        return "auth"
    if isinstance(error, BadResponse):
        return "bad_response"
    if isinstance(error, BusinessError):
        return "business"
    return "error"
