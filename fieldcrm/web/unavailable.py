"""When the database is out of reach or busy: 503 with Retry-After, in the user's language.

Never a 500 and never the "not migrated" page for a fault that passes: the phone's outbox keeps an
entry answered 503 and sends it again, and the next request simply tries the database again.
"""

from __future__ import annotations

import json
import logging

from flask import g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from fieldcrm.db import close_session, rollback_session
from fieldcrm.dbfaults import BUSY, UNREACHABLE, classify
from fieldcrm.extensions import login_manager
from fieldcrm.web.errors import unexpected_error_page
from fieldcrm.web.htmx import is_htmx, wants_json

log = logging.getLogger(__name__)

# Seconds a client should wait before sending again: a lock passes quickly, a restart takes longer.
RETRY_AFTER = {BUSY: 2, UNREACHABLE: 5}
HX_EVENT = "fieldcrm:database-unavailable"


def _texts(kind: str) -> tuple[str, str]:
    if kind == BUSY:
        return (_("Server busy"),
                _("The server is busy and could not save this just now. Try again in a moment: "
                  "sending it again will not record it twice."))
    return (_("Database unavailable"),
            _("The database is temporarily unavailable, try again in a moment."))


def unavailable_response(kind: str):
    """The 503 answer for a passing database fault: JSON for the outbox, a fragment and an htmx
    event for htmx (the form stays on screen with its typing), else the full page."""
    # Who is asking cannot be looked up without the database: the page is rendered as for a visitor
    # (flask-login keeps the request's user on g; setting it stops a second trip to the database).
    g._login_user = login_manager.anonymous_user()
    title, message = _texts(kind)
    retry_after = RETRY_AFTER[kind]
    # Reloading a page is harmless; a form is sent again from the form itself, its typing kept.
    context = {"title": title, "message": message,
               "retry_url": request.full_path.rstrip("?") if request.method == "GET" else None}
    if wants_json():
        response = jsonify(error=kind, message=message, retry_after=retry_after)
    elif is_htmx():
        response = make_response(render_template("errors/_error.html", **context))
        response.headers["HX-Trigger"] = json.dumps(
            {HX_EVENT: {"kind": kind, "message": message, "retryAfter": retry_after}})
    else:
        response = make_response(render_template("errors/error.html", **context))
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    response.vary.add("HX-Request")
    return response


def first_line(error: Exception) -> str:
    """The driver's message, first line only (the rest repeats the SQL)."""
    return str(getattr(error, "orig", None) or error).strip().split("\n", 1)[0]


def init_app(app) -> None:
    @app.errorhandler(DBAPIError)
    def database_error(error):
        kind = classify(error)
        if kind is None:
            log.exception("Database error")
            rollback_session()  # the page may still read the user, through a usable session
            return unexpected_error_page()
        close_session()  # its connection is dead or its transaction lost: nothing more to read there
        log.warning("Database %s: answered 503 (%s)", kind, first_line(error))
        return unavailable_response(kind)
