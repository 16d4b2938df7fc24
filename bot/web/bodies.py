"""Reading a request body whole, up to a limit, whether it came with Content-Length or chunked."""
from __future__ import annotations

from flask import request


def read_limited(limit: int) -> bytes:
    """At most limit+1 bytes, so that a longer body is seen to be too long.

    With Content-Length, Werkzeug's stream stops there. Without one (chunked,
    `wsgi.input_terminated` set by gunicorn and the dev server) Werkzeug would
    silently truncate at MAX_CONTENT_LENGTH, so read the server's stream directly.
    """
    env = request.environ
    if request.content_length is None and env.get("wsgi.input_terminated"):
        stream = env["wsgi.input"]
    elif request.content_length is None:
        return b""      # no length and not terminated: WSGI gives no safe way to read it
    else:
        stream = request.stream
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
