"""Friendly error pages in the user's language; never a stack trace."""

from __future__ import annotations

import logging
from functools import partial

from flask import current_app, make_response, render_template, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldcrm.access import NotVisible
from fieldcrm.web.boundary import NulByteRefused
from fieldcrm.web.htmx import is_htmx

log = logging.getLogger(__name__)


def _page(status: int, title: str, message: str):
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    response = make_response(render_template(template, status=status, title=title, message=message), status)
    response.vary.add("HX-Request")
    if status in (413, 414, 431):
        # The unread rest of an oversized body is not drained into the server: the connection ends.
        response.headers["Connection"] = "close"
    return response


def unexpected_error_page():
    """The 500 page: the request's transaction is rolled back, so nothing was saved half-way."""
    return _page(
        500,
        _("Something went wrong"),
        _("An unexpected error occurred. Nothing was saved half-way; please try again."),
    )


# Errors answered with a page that says the same whatever the request: (what triggers it, status, title,
# message), translated when the page is drawn.
_FIXED_PAGES = (
    # outside the actor's reach: the same 404 as a record that does not exist
    ((404, NotVisible), 404, _l("Not found"), _l("This page does not exist or is not in your client file.")),
    ((414,), 414, _l("Address too long"),
     _l("This address is too long to be handled. Shorten the search or remove some filters, then try again.")),
    ((431,), 431, _l("Request too large"),
     _l("Your browser sent too much information with this request (often too many cookies). "
        "Clear this site's cookies, then try again.")),
    ((NulByteRefused,), 400, _l("Invalid character"),
     _l("What you sent contains an invalid character (a null character, often pasted from another program). "
        "Remove it, then try again. Nothing was saved.")),
    ((429,), 429, _l("Too many requests"), _l("Too many attempts from your connection. Wait a minute, then try again.")),
)


def _fixed_page(status: int, title, message, _err):
    return _page(status, str(title), str(message))


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_err):
        # A refused request that came without a session (a queued log sent after the cookies were cleared)
        # must not start one: its new token would replace the one of a login page loading at the same time,
        # and that login would then be refused in turn.
        fresh = not session
        response = _page(
            400,
            _("Form expired"),
            _("This form has expired or was sent from elsewhere. Reload the page and try again."),
        )
        if fresh:
            session.clear()
            session.modified = False
        return response

    for triggers, status, title, message in _FIXED_PAGES:
        for trigger in triggers:
            app.register_error_handler(trigger, partial(_fixed_page, status, title, message))

    @app.errorhandler(413)
    def too_large(_err):
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return _page(413, _("File too large"),
                     _("What you sent is larger than %(mb)s MB, the most this server accepts. Nothing was "
                       "saved: send a smaller file.", mb=limit_mb))

    @app.errorhandler(HTTPException)
    def http_error(err):
        return _page(err.code or 500, _("Error"), _("The request could not be handled."))

    @app.errorhandler(Exception)
    def unexpected(err):
        if isinstance(err, HTTPException):
            return http_error(err)
        log.exception("Unhandled error")
        return unexpected_error_page()
