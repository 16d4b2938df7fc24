"""Logging that never writes a raw ID number or phone number, with the turn's request id.

The redaction happens where records are born (a LogRecord factory), so every
logger — ours, requests', urllib3's, gunicorn's — and every handler, including
test capture, only ever sees the redacted message. The same factory stamps each
record with the request id of the turn at hand (`request_id`, a context variable
set by the web app per request and by the worker per job), so one id follows a
turn through the web process, the job stream, the worker and the adapters.
APP_LOG_FORMAT=json writes one JSON object a line (python-json-logger), as
production's log shippers want; the default is plain text.
"""
from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import uuid

from bot.core.privacy import redact_text

_base_factory = logging.getLogRecordFactory()

# The request id of the turn this code is working for ("-" outside any).
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def new_request_id(given: str | None = None) -> str:
    """The id a proxy gave (X-Request-Id) when it looks like one, else a new one."""
    return given if given and _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = REQUEST_ID.get()
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not lose the record
        message = str(record.msg)
    record.msg = redact_text(message)
    record.args = ()
    if record.exc_info:
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
    return record


def install_redaction() -> None:
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)


def formatter(kind: str | None = None) -> logging.Formatter:
    """`text` (the default) or `json` (APP_LOG_FORMAT): the same fields either way."""
    kind = kind or os.environ.get("APP_LOG_FORMAT", "text")
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter
        return JsonFormatter("%(asctime)s %(process)d %(levelname)s %(name)s %(request_id)s %(message)s",
                             rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                             json_ensure_ascii=False)
    return logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s]: %(message)s")


def configure_logging(level: str = "INFO") -> None:
    install_redaction()
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "_gov_handler", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter())
        handler._gov_handler = True  # type: ignore[attr-defined]
        root.addHandler(handler)


install_redaction()
