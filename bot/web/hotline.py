"""POST /api/hotline/transcripts: ingest hotline calls sent over HTTP.

Same format as the file of `make ingest` (JSON Lines, Content-Type
application/x-ndjson or text/plain), or a JSON array of call objects. Requires
`X-Api-Key: <security.hotline_api_key>` (HOTLINE_API_KEY: the hotline system's own key). Answers
    200 {"results": [...], "errors": [{"line": n, "reason": ...}], "queries": [...], "summary": {...}}
    400 empty body (or neither a length nor chunked), 401 no valid key, 413 body over
    app.max_body_bytes (chunked bodies too: read whole or refused whole, never cut),
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
from bot.core import metrics
from bot.channels.hotline.transcripts import read_array, read_jsonl
from bot.web import runtime
from bot.web.bodies import read_limited

log = logging.getLogger(__name__)

WORKERS = 4


class BodyError(ValueError):
    """Why the body as a whole cannot be read (answered with 400)."""


def decode_body(raw: bytes) -> list:
    """The calls and bad lines of a request body; BodyError only when there is nothing to read.

    A body that is one JSON array (or one JSON object) as a whole is that; anything else is JSON
    Lines, read line by line exactly as `make ingest` reads a file: a line that is not UTF-8, or
    a first line that merely starts with `[`, is one bad line, never the whole body refused."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")     # a UTF-8 byte-order mark
    stripped = raw.strip()
    if not stripped:
        raise BodyError("empty body: send JSON Lines (one call a line) or a JSON array of calls")
    if stripped[:1] in (b"[", b"{"):
        whole = _whole_json(stripped)
        if isinstance(whole, list):
            if not whole:
                raise BodyError("the JSON array holds no calls")
            return list(read_array(whole))
        if isinstance(whole, dict):     # one call, possibly pretty-printed over several lines
            return list(read_array([whole]))
    # Split on "\n" only: a JSON string may hold U+2028, which splitlines() would cut.
    return list(read_jsonl(line.rstrip(b"\r") for line in raw.split(b"\n")))


def _whole_json(body: bytes) -> object:
    """The body as one JSON value, or None when it is not one (then it is read as JSON Lines)."""
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


def _key_ok(expected: str) -> bool:
    given = request.headers.get("X-Api-Key", "")
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


bp = Blueprint("hotline_api", __name__)


@bp.post("/api/hotline/transcripts")
def ingest_transcripts():
    rt = runtime()
    if not _key_ok(rt.settings.security.hotline_api_key):
        return jsonify(error="unauthorized: X-Api-Key with the hotline API key (HOTLINE_API_KEY) required"), 401
    limit = rt.settings.app.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return _too_large(limit)
    try:
        raw = read_limited(limit)
    except RequestEntityTooLarge:
        return _too_large(limit)
    if len(raw) > limit:     # a chunked body longer than the limit: refused whole, never cut
        return _too_large(limit)
    try:
        items = decode_body(raw)
    except BodyError as e:
        return jsonify(error=str(e)), 400
    try:
        outcomes = list(rt.hotline(workers=WORKERS).outcomes(items))
    except Exception:  # the ingestor reports per call; this is for what it did not foresee
        log.exception("hotline ingestion over HTTP failed")
        metrics.HOTLINE_CALLS.labels("failed").inc(len(items))
        return jsonify(error="temporarily unavailable"), 503
    summary = Summary()
    for o in outcomes:
        summary.add(o)
        metrics.HOTLINE_CALLS.labels("ingested" if getattr(o, "result", None) is not None else "refused").inc()
    results = [o.result for o in outcomes if getattr(o, "result", None) is not None]
    queries = [o.query for o in outcomes if getattr(o, "query", None)]
    return jsonify(results=results, errors=errors_of(outcomes), queries=queries, summary=summary.as_dict())


def _too_large(limit: int):
    return jsonify(error=f"request body larger than {limit} bytes: nothing was ingested; send it in parts "
                         "or as a file with `make ingest`"), 413
