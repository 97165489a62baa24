"""Start-up safety, the database engine, migrations, security headers, PWA shell, error pages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from fieldcrm import create_app
from fieldcrm.clients.search import DATABASE_ONLY
from fieldcrm.config import DEFAULT_SECRET, UnsafeConfiguration
from fieldcrm.db import MIN_SQLITE, make_engine
from tests.conftest import PG_URL, app_config
from tests.factories import make_user


def test_production_refuses_the_default_secret(database_url):
    config = app_config(database_url, TESTING=False, SECRET_KEY=DEFAULT_SECRET)
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app(config)
    with pytest.raises(UnsafeConfiguration):
        create_app(dict(config, SECRET_KEY=""))


def test_production_sets_secure_cookies(database_url):
    app = create_app(app_config(database_url, TESTING=False, SECRET_KEY="a" * 48))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_demo_mode_accepts_the_default_secret(database_url):
    app = create_app(app_config(database_url, TESTING=False, FIELDCRM_DEMO=True, SECRET_KEY=DEFAULT_SECRET))
    assert app.config["SECRET_KEY"] == DEFAULT_SECRET


@pytest.mark.skipif(bool(PG_URL), reason="SQLite engine only")
def test_sqlite_is_recent_and_in_wal_mode_with_foreign_keys(app):
    engine = app.extensions["fieldcrm.engine"]
    with engine.connect() as conn:
        version = tuple(int(p) for p in conn.execute(text("select sqlite_version()")).scalar().split("."))
        assert version >= MIN_SQLITE
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_old_sqlite_is_refused(monkeypatch):
    import pysqlite3.dbapi2 as sqlite

    from fieldcrm import db

    monkeypatch.setattr(sqlite, "sqlite_version", "3.40.1")
    with pytest.raises(db.SQLiteTooOld, match="3.51.3"):
        db.make_engine("sqlite:///:memory:")


def test_unmigrated_database_is_refused_with_the_command(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert b"fieldcrm migrate" in response.data


def test_migrations_match_the_models(app):
    """Alembic sees no difference between the migrated database and the SQLModel tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from fieldcrm.models import metadata

    with app.extensions["fieldcrm.engine"].connect() as conn:
        # The search index's own objects (FTS5 tables, trigram index) are not models.
        context = MigrationContext.configure(conn, opts={
            "compare_type": False, "include_name": lambda name, *_: name not in DATABASE_ONLY})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_postgres_url_uses_psycopg3():
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.dialect.driver == "psycopg"


def test_security_headers_and_no_store(app, db, login, client):
    login(make_user(db))
    response = client.get("/clients")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body  # nothing inline for the CSP to allow
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body


def test_static_assets_are_served_locally_and_cacheable(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")


def test_manifest_and_service_worker(client):
    manifest = json.loads(client.get("/manifest.webmanifest").data)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert manifest["short_name"] and manifest["theme_color"]
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.headers["Service-Worker-Allowed"] == "/"
    assert b"/offline" in sw.data
    offline = client.get("/offline")
    assert offline.status_code == 200 and "Pas de réseau".encode() in offline.data


def test_errors_never_show_a_stack_trace(make_app, db, login):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    http = app.test_client()
    response = http.get("/boom")
    assert response.status_code == 500
    assert b"Traceback" not in response.data and b"secret internals" not in response.data
    assert http.get("/nope").status_code == 404


def test_french_by_default_english_by_browser_or_setting(make_app, db):
    from fieldcrm.config import from_environment

    assert from_environment("/tmp")["BABEL_DEFAULT_LOCALE"] == "fr"  # the product's default
    app = make_app(BABEL_DEFAULT_LOCALE="fr")  # (tests otherwise read English)
    client = app.test_client()
    assert b"Se connecter" in client.get("/login").data
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert b"Log in" in english.data
    user = make_user(db, locale="en")
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    assert b"Clients" in client.get("/clients", headers={"Accept-Language": "fr-FR"}).data
    assert b"New client" in client.get("/clients", headers={"Accept-Language": "fr-FR"}).data


@pytest.mark.skipif(bool(PG_URL), reason="runs on its own SQLite file")
def test_migrations_go_down_and_up_again(tmp_path):
    from fieldcrm.migrate import downgrade, pending, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'cycle.sqlite3'}")
    upgrade(engine)
    downgrade(engine, "base")
    assert pending(engine)
    upgrade(engine)
    assert not pending(engine)
