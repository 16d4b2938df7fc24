"""What the adapters put on the wire: no ID or phone number in any URL (they
end up in backend and proxy access logs), a (connect, read) timeout on every
call, and retries only for calls that are safe to repeat."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest
import requests

from adapters import base
from bot.core.privacy import ID_LIKE, PHONE
from sandbox.ports import BACKENDS
from tests.adapters.calls import every_call_with_an_identifier
from tests.adapters.seeds import ALL_IDS, ALL_PHONES, LI, UNKNOWN, WANG

# POSTs that only read, and so are retried like GETs (marked idempotent=True).
READ_ONLY_POSTS = {
    "/api/v1/identity/verify", "/gjj/open/v2/account/query", "/gjj/open/v2/business/query",
    "/si/ws/person/query", "/si/ws/business/query", "/api/yb/v1/insured/account", "/api/yb/v1/insured/claims",
    "/utility/api/bills/query", "/oauth2/token",
    "/si/ws/bulk/payroll/period", "/si/ws/bulk/pension/payments", "/mz/api/auth/login",
}
# POSTs that must never be repeated after the server may have seen them.
NEVER_RETRIED = {"/api/v1/sms/send", "/api/v1/sms/check"}


@pytest.fixture
def wire(monkeypatch):
    """Every request the adapters hand to the HTTP layer: (method, url, policy, timeout, headers)."""
    sent = []
    original = base._RetryPolicyAdapter.send

    def send(self, request, *args, policy="other", **kwargs):
        sent.append((request.method, request.url, policy, kwargs.get("timeout"), dict(request.headers)))
        return original(self, request, *args, policy=policy, **kwargs)

    monkeypatch.setattr(base._RetryPolicyAdapter, "send", send)
    return sent


def test_no_url_holds_an_id_or_phone_number(adapters, sandbox, wire):
    before = {name: sandbox.stats(name)["identifier_in_url"] for name in BACKENDS}
    every_call_with_an_identifier(adapters)
    assert len(wire) >= 25
    for method, url, *_ in wire:
        text = unquote(url)
        assert not ID_LIKE.search(text) and not PHONE.search(text), f"{method} {urlsplit(url).path}"
        assert not any(secret in text for secret in (*ALL_IDS, *ALL_PHONES, UNKNOWN))
        assert not re.search(r"(?i)[?&](sfzh|aac002|cert_no|idNumber|citizenId|applicant_id|idNo|zjhm)=", text)
    # and the sandbox, which refuses identifiers in URLs, saw none
    assert {name: sandbox.stats(name)["identifier_in_url"] for name in BACKENDS} == before


def test_every_call_has_a_connect_and_read_timeout(adapters, wire):
    every_call_with_an_identifier(adapters)
    adapters.health()
    for method, url, _, timeout, _ in wire:
        assert isinstance(timeout, tuple) and len(timeout) == 2, f"{method} {urlsplit(url).path}"
        assert all(isinstance(t, (int, float)) and 0 < t <= 10 for t in timeout)


def test_retries_only_for_calls_safe_to_repeat(adapters, wire):
    every_call_with_an_identifier(adapters)
    adapters.health()
    seen = set()
    for method, url, policy, _, headers in wire:
        path = urlsplit(url).path
        seen.add(path)
        if path.endswith("/ping"):
            expected = "once"
        elif method == "GET" or "Idempotency-Key" in headers or (method == "POST" and path in READ_ONLY_POSTS):
            expected = "idempotent"
        else:
            expected = "other"
        assert policy == expected, f"{method} {path}: {policy}"
    assert NEVER_RETRIED <= seen
    assert {urlsplit(u).path for m, u, p, *_ in wire if p == "other"} == NEVER_RETRIED


def test_the_housing_fund_signature_covers_the_id_number(adapters, sandbox, wire):
    # The ID travels in the signed body: the same signed request with another ID is refused.
    adapters.housing_fund.account(WANG)
    method, url, _, _, headers = next(w for w in wire if w[1].endswith("/account/query"))
    headers.pop("Content-Length", None)
    tampered = requests.post(url, data=f'{{"zjhm": "{LI}"}}'.encode(), headers=headers, timeout=5)
    assert tampered.status_code == 401 and tampered.json()["code"] == "4010"  # signature, not nonce (4012)
