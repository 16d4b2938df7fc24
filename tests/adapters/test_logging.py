"""Nothing the adapters (or the HTTP library under them) log holds a raw ID
or phone number, on success or failure."""
from __future__ import annotations

import logging
import re
import uuid

import pytest

from adapters.errors import BackendError
from adapters.fanout import collect_affairs
from tests.adapters.calls import every_call_with_an_identifier
from tests.adapters.seeds import ALL_IDS, ALL_PHONES, CHEN, LI, WANG


def test_logs_never_hold_ids_or_phones(adapters, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # it logs every request line, URL and query included
    a = adapters
    every_call_with_an_identifier(a)
    a.health()
    # A phone number inside the citizen's own words, too.
    a.workorders.create("noise", "生态环境局", "电话13880000002反映噪音", "武侯区", "13880000002", LI, uuid.uuid4().hex)
    collect_affairs(a, LI, deadline_s=3)
    for backend, mode in [("housing_fund", "error_503"), ("social_insurance", "garbage"),
                          ("exit_entry", "timeout"), ("medical_insurance", "auth_reject")]:
        sandbox.fault(backend, mode, delay_s=5 if mode == "timeout" else None)
    for call in (lambda: a.housing_fund.account(CHEN), lambda: a.social_insurance.account(WANG),
                 lambda: a.exit_entry.applications(WANG), lambda: a.medical_insurance.account(LI),
                 lambda: a.housing_fund.account(CHEN)):
        with pytest.raises(BackendError):
            call()

    messages = [r.getMessage() for r in caplog.records]
    assert any(r.name.startswith("adapters.") for r in caplog.records)
    url_lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3") and '"' in r.getMessage()]
    assert len(url_lines) >= 25  # urllib3's request lines were captured ("GET /path?query HTTP/1.1" 200 …)
    for line in url_lines:
        # Redaction (bot/core/logs.py) is the second line of defence; the URLs themselves hold no
        # identifier, so it never has anything to replace in them.
        assert "<ID_NUMBER>" not in line and "<PHONE>" not in line, line
    for message in messages:
        for secret in (*ALL_IDS, *ALL_PHONES):
            assert secret not in message, message
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", message), message
