"""The URL of a client's quick visit log, for any page that offers one (the map, a tour)."""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.routing import BuildError

# The quick visit log, when it exists; else the client card. First endpoint found wins.
QUICK_LOG_ENDPOINTS = ("visits.quick_log", "visits.log", "visits.new", "visits.create")


def quick_log_url(client_id: int, next: str | None = None, followup_id: int | None = None) -> str:
    """The quick log of a client; with `followup_id`, the log answers (and closes) that follow-up."""
    extra = {k: v for k, v in (("next", next), ("followup_id", followup_id)) if v}
    for endpoint in QUICK_LOG_ENDPOINTS:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, client_id=client_id, **extra)
            except BuildError:
                continue
    return url_for("clients.detail", client_id=client_id)
