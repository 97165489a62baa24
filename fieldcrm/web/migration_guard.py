"""Refuse to serve a database that is not migrated, naming the command to run; a database that
cannot be reached is not "not migrated": it gets the 503 "try again in a moment"."""

from __future__ import annotations

import logging

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from fieldcrm import migrate
from fieldcrm.db import get_engine
from fieldcrm.dbfaults import UNREACHABLE, classify
from fieldcrm.web.unavailable import first_line, unavailable_response

log = logging.getLogger(__name__)


def init_app(app) -> None:
    # Only "up to date" is remembered; "behind" and "unreachable" are checked again next request,
    # so running the migrations or restarting the database needs no restart of the app.
    state = {"ok": False}

    @app.before_request
    def require_migrated_database():
        if state["ok"] or request.endpoint == "static":
            return None
        try:
            behind = migrate.pending(get_engine())
        except SQLAlchemyError as error:
            # Whatever stopped us reading the migration state, it was not read: never claim "behind".
            log.warning("Cannot read the database's migration state: %s", first_line(error))
            return unavailable_response(classify(error) or UNREACHABLE)
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
