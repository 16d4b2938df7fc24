"""12345 hotline transcript ingestion (docs/hotline.md).

    transcripts   read JSON Lines / a JSON array, check each call, report bad lines
    understanding the call's intents, complaint topic, department, district, masked entities
    work_orders   file a complaint as a 12345 work order, once per call_id
    ingest        run it all in input order with a small thread pool; the summary

Used by scripts/ingest.py (`make ingest`) and by POST /api/hotline/transcripts (bot/web/hotline.py).
"""
from bot.channels.hotline.ingest import RESULT_KEYS, CallOutcome, HotlineIngestor, Summary, errors_of
from bot.channels.hotline.transcripts import BadLine, Call, read_array, read_jsonl

__all__ = ["RESULT_KEYS", "BadLine", "Call", "CallOutcome", "HotlineIngestor", "Summary", "errors_of",
           "read_array", "read_jsonl"]
