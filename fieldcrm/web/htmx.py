"""The only module that reads HX-* headers."""

from __future__ import annotations

from flask import make_response, render_template, request

from fieldcrm.extensions import htmx


def is_htmx() -> bool:
    return bool(htmx)


def is_partial() -> bool:
    """A fragment is wanted only for a plain htmx request: not boosted, not a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str, status: int = 200, **context):
    """One URL, two answers: the full page, or just its fragment for htmx."""
    template = fragment if is_partial() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_for_htmx(url: str):
    """Tell htmx to navigate the whole page (never swap a login page into a fragment)."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url
    return response


def trigger(response, event: str):
    response.headers["HX-Trigger"] = event
    return response


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"
