"""The one error taxonomy the adapters raise. Every network, HTTP or parsing
failure is translated at the boundary (adapters/base.py) into one of these,
always with `raise ... from e`, so callers catch these and nothing else.

    BackendError                    base; .backend names the backend
    ├── BackendUnavailable          refused / reset / 5xx (after retries)
    │   ├── CircuitOpen             the breaker is open: no call was made
    │   └── RateLimited             429: too many requests now (.retry_after_s)
    ├── BackendTimeout              no answer within the (connect, read) timeout
    ├── BackendAuthError            our credentials were refused (after one refresh)
    ├── BadResponse                 malformed body or unexpected shape
    └── BusinessError               the backend answered properly, with a "no"
        ├── NotFound                no such record (or not this citizen's)
        └── Conflict                e.g. the slot is full, already booked
    ListingIncomplete               a bulk listing stopped part-way: .cause is one of the
                                    above, .pages/.records say how far it got, .resume where
                                    to start again (adapters/bulk.py)

Business errors are answers, not failures: they never trip the circuit breaker,
and neither does a 429 (the backend answered: it is healthy, only busy).
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


class RateLimited(BackendUnavailable):
    """429. `retry_after_s` is the backend's Retry-After in seconds (None if it gave none);
    `code` the backend's own code (e.g. QUOTA_EXCEEDED), if it sent one."""

    def __init__(self, backend: str, message: str = "", retry_after_s: float | None = None,
                 code: str | None = None):
        super().__init__(backend, message)
        self.retry_after_s = retry_after_s
        self.code = code


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


class ListingIncomplete(BackendError):
    """A bulk listing that stopped before its last page. Records already handed out
    stand; nothing after `resume` was read. Pass `resume` back to the listing's
    method to go on from the page that failed."""

    def __init__(self, backend: str, listing: str, cause: BackendError, *, pages: int, records: int,
                 resume=None, where: str = ""):
        at = f" ({where})" if where else ""
        super().__init__(backend, f"{listing} stopped after {pages} page{'s' if pages != 1 else ''}, "
                                  f"{records} record{'s' if records != 1 else ''}, at the next page{at}: "
                                  f"{failure_kind(cause)}: {cause.message}")
        self.listing, self.cause = listing, cause
        self.pages, self.records, self.resume, self.where = pages, records, resume, where


def failure_kind(error: BaseException) -> str:
    """A short word for why a backend did not answer (ledger notes, /readyz)."""
    if isinstance(error, ListingIncomplete):
        return failure_kind(error.cause)
    if isinstance(error, CircuitOpen):
        return "circuit_open"
    if isinstance(error, RateLimited):
        return "rate_limited"
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
