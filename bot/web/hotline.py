"""POST /api/hotline/transcripts: ingest hotline calls sent over HTTP.

Same format as the file of `make ingest` (JSON Lines, Content-Type
application/x-ndjson or text/plain), or a JSON array of call objects. Requires
`X-Api-Key: <security.hotline_api_key>` (HOTLINE_API_KEY: the hotline system's own key). Answers
    200 {"results": [...], "errors": [{"line": n, "reason": ...}], "summary": {...}}
    400 empty or undecodable body, 401 no valid key, 413 body over app.max_body_bytes,
    503 when something unexpected broke (never a 500 with a traceback).
`line` is the line of the body, or the position in the array (from 1).
"""
from __future__ import annotations

import hmac
import json
import logging

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.channels.hotline.ingest import Summary, errors_of
from bot.channels.hotline.transcripts import read_array, read_jsonl
from bot.web import runtime

log = logging.getLogger(__name__)

WORKERS = 4


class BodyError(ValueError):
    """Why the body as a whole cannot be read (answered with 400)."""


def decode_body(raw: bytes) -> list:
    """The calls and bad lines of a request body; BodyError when there is nothing to read."""
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise BodyError("body is not UTF-8 text") from None
    stripped = text.strip()
    if not stripped:
        raise BodyError("empty body: send JSON Lines (one call a line) or a JSON array of calls")
    if stripped.startswith("["):
        try:
            calls = json.loads(stripped)
        except (ValueError, RecursionError):
            raise BodyError("body starts like a JSON array but is not valid JSON") from None
        if not calls:
            raise BodyError("the JSON array holds no calls")
        return list(read_array(calls))
    if stripped.startswith("{"):
        try:   # one call, possibly pretty-printed over several lines
            one = json.loads(stripped)
        except (ValueError, RecursionError):
            one = None  # several lines of JSON Lines
        if isinstance(one, dict):
            return list(read_array([one]))
    # Split on "\n" only: a JSON string may hold U+2028, which splitlines() would cut.
    return list(read_jsonl(line.rstrip("\r") for line in text.split("\n")))


def _key_ok(expected: str) -> bool:
    given = request.headers.get("X-Api-Key", "")
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


bp = Blueprint("hotline_api", __name__)


@bp.post("/api/hotline/transcripts")
def ingest_transcripts():
    rt = runtime()
    if not _key_ok(rt.settings.security.hotline_api_key):
        return jsonify(error="unauthorized: X-Api-Key with the hotline API key (HOTLINE_API_KEY) required"), 401
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return jsonify(error="request body too large"), 413
    try:
        items = decode_body(raw)
    except BodyError as e:
        return jsonify(error=str(e)), 400
    try:
        outcomes = list(rt.hotline(workers=WORKERS).outcomes(items))
    except Exception:  # the ingestor reports per call; this is for what it did not foresee
        log.exception("hotline ingestion over HTTP failed")
        return jsonify(error="temporarily unavailable"), 503
    summary = Summary()
    for o in outcomes:
        summary.add(o)
    results = [o.result for o in outcomes if getattr(o, "result", None) is not None]
    return jsonify(results=results, errors=errors_of(outcomes), summary=summary.as_dict())
