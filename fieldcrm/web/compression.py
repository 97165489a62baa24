"""Brotli / gzip for what the app sends as text: pages, htmx fragments, JSON (map pins) and static
files (Leaflet, htmx, CSS). A reverse proxy in front may do it instead (see README): the app then
sees no Accept-Encoding it does not already satisfy, and Flask-Compress steps aside when the answer
already carries a Content-Encoding.

What stays as it is: bodies under 500 bytes, errors and redirects, 304s, and every type outside
COMPRESS_MIMETYPES — CSV, vCard, spreadsheets and images are downloads or already compressed, and a
Server-Sent stream (text/event-stream) must reach the browser event by event.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

compress = Compress()

SETTINGS = {
    # brotli first (every phone browser asks for it), gzip for the rest; zstd/deflate add nothing
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # static files are streamed from disk: compressed chunk by chunk, ETag and 304 kept
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
    # Pages are compressed on every request, on the worker's CPU: the cheapest levels. Measured on the
    # client list (36 KB): brotli 1 gives 6.1 KB in 0.15 ms, 4 gives 5.3 KB in 0.29 ms, 11 ~20x that;
    # gzip 1 gives 6.4 KB in 0.16 ms, 6 gives 5.4 KB in 0.35 ms.
    "COMPRESS_BR_LEVEL": 1,
    "COMPRESS_LEVEL": 1,
    "COMPRESS_MIN_SIZE": 500,
}


def init_app(app: Flask) -> None:
    """Register last-run compression. Call before any other after_request hook: Flask runs them in
    reverse order, so compression then sees the final headers (security, Vary: HX-Request, ETag).

    The pages hold a CSRF token; compressing it beside reflected input is the BREACH pattern: each
    response masks it afresh (fieldcrm/csrf_masking.py), so no two compressed answers share its bytes."""
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    compress.init_app(app)
