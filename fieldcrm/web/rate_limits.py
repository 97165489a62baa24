"""Requests per client IP on the routes worth hammering (login, passwords, uploads, calendar feeds).

A capability marks a view with `@rate_limited("RATE_LIMIT_LOGIN")`; `init_app`, run once the
blueprints are registered, puts the marked views under this app's own Flask-Limiter. The limits
are read from the app's settings at each request; counters live in Redis when REDIS_URL is set
(shared by every worker and server), else in each worker's memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

MARK = "fieldcrm_rate_limit"


def rate_limited(setting: str, methods: Iterable[str] | None = None) -> Callable:
    """Mark a view: at most `app.config[setting]` (e.g. "20 per minute") requests per IP, counted
    for `methods` only (every method by default)."""

    def mark(view):
        setattr(view, MARK, (setting, list(methods) if methods else None))
        return view

    return mark


def init_app(app) -> Limiter:
    """Give the app its own limiter and put every marked view under it."""
    if app.config.get("PROXY_COUNT"):
        # Behind a reverse proxy every request comes from the proxy: count the client it names.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"])
    limiter = Limiter(
        get_remote_address,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        headers_enabled=True,
        enabled=app.config.get("RATELIMIT_ENABLED", True),
    )
    limiter.init_app(app)
    app.extensions["fieldcrm.limiter"] = limiter  # the views' limits only hold a weak reference to it
    for endpoint, view in list(app.view_functions.items()):
        mark = getattr(view, MARK, None)
        if mark:
            setting, methods = mark
            limit = limiter.limit(lambda setting=setting: current_app.config[setting], methods=methods)
            app.view_functions[endpoint] = limit(view)
    return limiter
