"""Files the browser saves rather than shows."""

from __future__ import annotations

from flask import Response


def html_download(html: str, filename: str) -> Response:
    """A standalone HTML document as an attachment named `filename` (ASCII: no quoting needed)."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # a portfolio's names and places
    return response
