"""FieldCRM: a self-hosted, mobile-first CRM for travelling sales reps."""

from __future__ import annotations

import importlib
import logging
import os

from flask import Flask

from fieldcrm import cli, db, extras, jobs, paths
from fieldcrm import config as config_module
from fieldcrm.accounts import auth
from fieldcrm.dedupe import queries as dedupe_queries
from fieldcrm.extensions import babel, csrf, htmx, login_manager
from fieldcrm.maps import services as map_services
from fieldcrm.outbox import replay
from fieldcrm.privacy import opposition as privacy_opposition
from fieldcrm.sales import queries as sales_queries
from fieldcrm.segments import queries as segment_queries
from fieldcrm.web import (
    boundary,
    compression,
    errors,
    i18n,
    migration_guard,
    rate_limits,
    rowlinks,
    security,
    templating,
    unavailable,
)

# One blueprint per capability (each module exposes `bp`).
BLUEPRINTS = (
    "fieldcrm.accounts.routes",
    "fieldcrm.clients.routes",
    "fieldcrm.clients.correction_routes",
    "fieldcrm.customfields.routes",
    "fieldcrm.web.pwa",
    "fieldcrm.visits.routes",
    "fieldcrm.followups.routes",
    "fieldcrm.agenda.routes",
    "fieldcrm.maps.routes",
    "fieldcrm.tours.routes",
    "fieldcrm.tours.mileage_routes",
    "fieldcrm.imports.routes",
    "fieldcrm.dedupe.routes",
    "fieldcrm.sales.routes",
    "fieldcrm.segments.routes",
    "fieldcrm.exports.routes",
    "fieldcrm.analyses.routes",
    "fieldcrm.privacy.routes",
    "fieldcrm.privacy.request_routes",
    "fieldcrm.privacy.notice_routes",
    "fieldcrm.privacy.retention_routes",
    "fieldcrm.privacy.trail_routes",
    "fieldcrm.privacy.register_routes",
    "fieldcrm.privacy.minimisation_routes",
    "fieldcrm.handover.routes",
    "fieldcrm.offline.routes",
)
# Every capability's background tasks (declared with fieldcrm.jobs; enqueued by name).
TASK_MODULES = ("fieldcrm.maps.tasks", "fieldcrm.imports.tasks", "fieldcrm.privacy.tasks",
                "fieldcrm.privacy.opposition_tasks")
# Capabilities built on the client file plug into its hooks (clients/registry.py): sorts and filters of
# the list, the look-alike warning, what happens after a card is saved. clients/ imports none of them.
# What a phone may queue without network and send later: done once per action id (outbox/replay.py).
REPLAYABLE = ("followups.new", "followups.done", "followups.snooze", "followups.made_done", "followups.made_snooze",
              "followups.appointment_new",
              "tours.stop_state", "corrections.correct")
CLIENT_PLUG_INS = (sales_queries, segment_queries, dedupe_queries, map_services, privacy_opposition)


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: settings, extensions, blueprints, guards."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=paths.shipped("templates"),
        static_folder=paths.shipped("static"),
        instance_path=os.path.abspath(os.environ["FIELDCRM_INSTANCE_PATH"]) if os.environ.get(
            "FIELDCRM_INSTANCE_PATH") else None,  # uploads, the SQLite database and job queue by default
    )
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="fieldcrm_session",
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_TRANSLATION_DIRECTORIES=os.path.join(os.path.dirname(__file__), "translations"),
        BABEL_DEFAULT_TIMEZONE=app.config["DEFAULT_TIMEZONE"],
    )
    relaxed = app.config.get("DEBUG") or app.config.get("FIELDCRM_DEMO") or app.config.get("TESTING")
    if relaxed and "SESSION_COOKIE_SECURE" not in os.environ and "SESSION_COOKIE_SECURE" not in (
        test_config or {}
    ):
        app.config["SESSION_COOKIE_SECURE"] = False  # demo and tests run over plain http
    config_module.check_production_safety(app.config)
    if app.config.get("REDIS_URL"):  # the job queue and the request counters; say so now, not at a first job
        extras.require("redis", "REDIS_URL", "redis")
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO)

    # Before any rule exists: every `<int:…>` of every blueprint uses the database-range converter.
    app.url_map.converters["int"] = boundary.DatabaseIntegerConverter
    compression.init_app(app)  # first registered, last run: it sees every other hook's headers
    db.init_app(app)
    jobs.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)

    auth.init_app(app)
    security.init_app(app)

    errors.init_app(app)
    unavailable.init_app(app)
    migration_guard.init_app(app)
    i18n.init_app(app)
    boundary.init_app(app)
    templating.init_app(app)
    rowlinks.init_app(app)

    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)
    rate_limits.init_app(app)  # after the blueprints: it wraps the views they marked
    replay.init_app(app, REPLAYABLE)
    for module in TASK_MODULES:
        importlib.import_module(module)
    for plug_in in CLIENT_PLUG_INS:
        plug_in.init_app(app)

    cli.init_app(app)
    return app
