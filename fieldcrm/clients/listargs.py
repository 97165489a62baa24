"""The client list's arguments, read from a query string (or a form that repeats them, e.g. "add these
to my tour"): search, status, sort, page, "not contacted for N days", and the plugged-in filters (a
saved segment…, see clients/registry.py), each loaded in the actor's reach (out of reach: NotVisible)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from fieldcrm.clients import registry
from fieldcrm.clients.queries import STALE_DAYS
from fieldcrm.db import get_session
from fieldcrm.web.boundary import id_arg, int_arg, page_arg


def list_args(args=None) -> dict:
    """The list's filters from `args` (the request's query string by default)."""
    args = request.args if args is None else args
    stale = int_arg(args, "stale")
    stale = stale if stale in STALE_DAYS else None  # only the periods the filter offers
    found = {"q": args.get("q", "")[:100], "status": args.get("status") or None,
             "sort": args.get("sort", "name"), "page": page_arg(args), "stale": stale}
    for name, list_filter in registry.filters().items():
        record_id = id_arg(args, name)
        found[name] = list_filter.load(get_session(), current_user, record_id) if record_id else None
    return found
