"""Logging that never writes a raw ID number or phone number.

The redaction happens where records are born (a LogRecord factory), so every
logger — ours, requests', urllib3's, gunicorn's — and every handler, including
test capture, only ever sees the redacted message.
"""
from __future__ import annotations

import logging
import sys

from bot.core.privacy import redact_text

_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
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


def configure_logging(level: str = "INFO") -> None:
    install_redaction()
    root = logging.getLogger()
    root.setLevel(level)
    if not any(getattr(h, "_gov_handler", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
        handler._gov_handler = True  # type: ignore[attr-defined]
        root.addHandler(handler)


install_redaction()
