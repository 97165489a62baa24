"""Refuse to serve a database that is not migrated, naming the command to run."""

from __future__ import annotations

import logging

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from fieldcrm import migrate
from fieldcrm.db import get_engine

log = logging.getLogger(__name__)


def init_app(app) -> None:
    state = {"ok": False}

    @app.before_request
    def require_migrated_database():
        if state["ok"] or request.endpoint == "static":
            return None
        try:
            behind = migrate.pending(get_engine())
        except SQLAlchemyError:
            log.exception("Cannot read the database's migration state")
            behind = True
        if not behind:
            state["ok"] = True
            return None
        current_app.logger.error("Database not migrated: run `fieldcrm migrate`")
        body = render_template(
            "errors/error.html",
            status=503,
            title=_("Database not ready"),
            message=_("The database is not up to date. An administrator must run: %(cmd)s",
                      cmd="fieldcrm migrate"),
        )
        return body, 503
