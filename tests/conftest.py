"""Fixtures: a fresh real database per test (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import text

from fieldcrm import create_app
from fieldcrm.db import make_engine
from fieldcrm.migrate import upgrade
from fieldcrm.models import metadata

# Shared fixtures: fake geocoders (+ fresh throttles), the clock/portfolio of the daily-loop tests and
# the access tests' world (one record of every kind, walked by the tests that visit every route).
pytest_plugins = ["tests.geo_fixtures", "tests.daily_fixtures", "tests.access.world"]

PG_URL = os.environ.get("TEST_DATABASE_URL")
TEST_PASSWORD = "correct horse battery staple"


def _migrated_sqlite_template(directory) -> str:
    path = directory / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrations run once per session (the real Alembic scripts, not create_all)."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(engine)
        engine.dispose()
        return PG_URL
    return _migrated_sqlite_template(tmp_path_factory.mktemp("db"))


def fresh_database_url(database_template, directory) -> str:
    """An empty migrated database: PostgreSQL's tables truncated, or a copy of the SQLite template."""
    if PG_URL:
        engine = make_engine(PG_URL)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    path = directory / "fieldcrm.sqlite3"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_url(database_template, tmp_path):
    return fresh_database_url(database_template, tmp_path)


def app_config(database_url: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # still scrypt, cheaper for tests
        "WTF_CSRF_ENABLED": False,
        "LOGIN_MAX_ATTEMPTS": 5,
        "LOGIN_LOCK_SECONDS": 60,
        "MAX_ACTIVE_USERS": 50,
        "RATELIMIT_ENABLED": False,  # only the tests of the rate limits turn them on
        # Tests read English unless they ask for French (the product default is French).
        "BABEL_DEFAULT_LOCALE": "en",
    }
    config.update(overrides)
    return config


@pytest.fixture
def make_app(database_url, tmp_path):
    apps = []

    def factory(**overrides):
        overrides.setdefault("GEOCODER_CHAIN", "offline")
        app = create_app(app_config(database_url, **overrides))
        app.instance_path = str(tmp_path / "instance")
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["fieldcrm.engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session on the test database. No app context stays pushed (HTTP requests made by the
    test must get their own); factories push one around each call (see tests.factories)."""
    from sqlmodel import Session

    with Session(app.extensions["fieldcrm.engine"], expire_on_commit=False) as session:
        session.info["app"] = app
        yield session


@pytest.fixture
def in_app(app):
    """Run a block inside an app context: `with in_app(): services.x(...)`."""
    return app.test_request_context


@pytest.fixture
def login(client):
    """Log the test client in as `user` (through the real login form)."""

    def do_login(user, password: str = TEST_PASSWORD, http=None):
        http = http or client
        response = http.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 303, response.data[:500]
        return response

    return do_login
