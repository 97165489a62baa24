"""Friendly error pages in the user's language; never a stack trace."""

from __future__ import annotations

import logging

from flask import current_app, make_response, render_template, session
from flask_babel import gettext as _
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

    @app.errorhandler(404)
    @app.errorhandler(NotVisible)  # outside the actor's reach: the same 404 as a record that does not exist
    def not_found(_err):
        return _page(404, _("Not found"), _("This page does not exist or is not in your client file."))

    @app.errorhandler(413)
    def too_large(_err):
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return _page(413, _("File too large"),
                     _("What you sent is larger than %(mb)s MB, the most this server accepts. Nothing was "
                       "saved: send a smaller file.", mb=limit_mb))

    @app.errorhandler(414)
    def url_too_long(_err):
        return _page(414, _("Address too long"),
                     _("This address is too long to be handled. Shorten the search or remove some filters, "
                       "then try again."))

    @app.errorhandler(431)
    def headers_too_large(_err):
        return _page(431, _("Request too large"),
                     _("Your browser sent too much information with this request (often too many cookies). "
                       "Clear this site's cookies, then try again."))

    @app.errorhandler(NulByteRefused)
    def nul_byte(_err):
        return _page(400, _("Invalid character"),
                     _("What you sent contains an invalid character (a null character, often pasted from "
                       "another program). Remove it, then try again. Nothing was saved."))

    @app.errorhandler(429)
    def too_many_requests(_err):
        return _page(429, _("Too many requests"),
                     _("Too many attempts from your connection. Wait a minute, then try again."))

    @app.errorhandler(HTTPException)
    def http_error(err):
        return _page(err.code or 500, _("Error"), _("The request could not be handled."))

    @app.errorhandler(Exception)
    def unexpected(err):
        if isinstance(err, HTTPException):
            return http_error(err)
        log.exception("Unhandled error")
        return unexpected_error_page()
