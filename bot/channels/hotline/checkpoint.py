"""Where an interrupted `make ingest` stopped, so that `--resume` goes on from there.

The file is read in order and outcomes come back in order, so one position says it all: the
byte offset just after the last line whose outcome was written, its line number, the size
calls.jsonl had then, and the summary so far. A digest of the file up to that offset makes
sure the file is still the one that was started (appending to it is fine). Calls written to
calls.jsonl after the last checkpoint are cut off on resume and processed again: their work
orders are found again (work_orders.py), never filed twice.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

NAME = "progress.json"


@dataclass
class Checkpoint:
    file: str
    offset: int             # bytes of the input done
    line: int               # lines of the input done
    prefix_sha256: str      # digest of the input's first `offset` bytes
    calls_bytes: int        # size of calls.jsonl at that point
    summary: dict
    finished: bool = False
    heard_bytes: int = 0    # size of heard.jsonl (the picture's input) at that point
    queries_bytes: int = 0  # size of queries.jsonl at that point

    def save(self, out: Path) -> None:
        tmp = out / (NAME + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, out / NAME)     # atomic: a kill leaves the old or the new, never half

    @classmethod
    def load(cls, out: Path) -> "Checkpoint | None":
        path = out / NAME
        if not path.is_file():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def prefix_hash(path: Path, offset: int):
    """The running SHA-256 of the file's first `offset` bytes (hashlib object: it goes on updating)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        left = offset
        while left > 0:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    return h
