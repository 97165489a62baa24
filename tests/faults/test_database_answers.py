"""What the app answers when the database cannot be reached or is busy: 503 with Retry-After in the
user's language (never a 500, never "not migrated"), and served again as soon as it is back."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from fieldcrm import create_app
from fieldcrm.db import LOCK_WAIT_MS, get_session, make_engine
from fieldcrm.migrate import upgrade
from fieldcrm.visits.models import Interaction
from tests.conftest import PG_URL, app_config
from tests.factories import make_client, make_user
from tests.served import free_port

FRENCH_OUTAGE = "La base de données est momentanément indisponible, réessayez dans un instant"
HTMX = {"HX-Request": "true"}
JSON = {"Accept": "application/json"}


def assert_outage_page(response, language_text: str):
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert language_text in body
    assert "fieldcrm migrate" not in body and "Traceback" not in body


def test_unreadable_sqlite_file_is_unavailable_not_unmigrated_and_recovers(tmp_path, caplog):
    """A fresh worker facing a database file it cannot open says "try again", then serves once the
    file is there, with no restart."""
    path = tmp_path / "not-mounted-yet" / "fieldcrm.sqlite3"
    app = create_app(app_config(f"sqlite:///{path}", BABEL_DEFAULT_LOCALE="fr"))
    http = app.test_client()
    with caplog.at_level(logging.WARNING):
        assert_outage_page(http.get("/login"), FRENCH_OUTAGE)
    assert "Cannot read the database's migration state" in caplog.text
    english = http.get("/login", headers={"Accept-Language": "en"})
    assert_outage_page(english, "The database is temporarily unavailable, try again in a moment.")

    path.parent.mkdir()
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    assert http.get("/login").status_code == 200


def test_not_migrated_is_said_until_migrated_then_served_without_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    http = create_app(app_config(url)).test_client()
    refused = http.get("/login")
    assert refused.status_code == 503 and "fieldcrm migrate" in refused.get_data(as_text=True)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    assert http.get("/login").status_code == 200


def test_postgresql_down_at_start_is_unavailable_for_page_htmx_and_json():
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing_listens_here"
    app = create_app(app_config(url, BABEL_DEFAULT_LOCALE="fr"))
    http = app.test_client()
    assert_outage_page(http.get("/login"), FRENCH_OUTAGE)
    fragment = http.get("/login", headers=HTMX)
    assert fragment.status_code == 503 and "<html" not in fragment.get_data(as_text=True)
    assert "fieldcrm:database-unavailable" in fragment.headers["HX-Trigger"]
    queued = http.post("/clients/1/log", headers=JSON, data={"uid": str(uuid.uuid4())})
    assert queued.status_code == 503 and queued.get_json()["error"] == "unreachable"


def test_database_lost_after_start_answers_503_not_500(make_app, db, login, client):
    """Once checked, the database goes away (the engine now points where nothing listens): pages,
    fragments and the outbox's JSON all hear "try again", never a stack trace."""
    app = client.application
    rep = make_user(db)
    shop = make_client(db, rep)
    login(rep)
    assert client.get("/clients").status_code == 200
    app.extensions["fieldcrm.engine"].dispose()
    app.extensions["fieldcrm.engine"] = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    page = client.get("/clients?q=boulangerie")
    assert_outage_page(page, "The database is temporarily unavailable")
    assert 'href="/clients?q=boulangerie">Try again</a>' in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "5"
    fragment = client.get(f"/clients/{shop.id}", headers=HTMX)
    assert fragment.status_code == 503 and "HX-Trigger" in fragment.headers
    queued = client.post(f"/clients/{shop.id}/log", headers=JSON,
                         data={"uid": str(uuid.uuid4()), "outcome": "reached"})
    assert queued.status_code == 503 and queued.get_json()["retry_after"] == 5


def _hold_write_lock(database_url: str, client_id: int, seconds: float, held: threading.Event):
    """Another connection keeps a write transaction open on what the quick log must write."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(text("SELECT id FROM client WHERE id = :id FOR UPDATE"), {"id": client_id})
            held.set()
            time.sleep(seconds)
            conn.rollback()
    finally:
        engine.dispose()


def _log_while_locked(http, database_url, client_id, uid, hold_seconds):
    held = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(database_url, client_id, hold_seconds, held))
    holder.start()
    assert held.wait(10)
    started = time.monotonic()
    response = http.post(f"/clients/{client_id}/log", headers=HTMX, data={"uid": uid, "outcome": "reached"})
    elapsed = time.monotonic() - started
    holder.join()
    return response, elapsed


@pytest.mark.fault
def test_write_behind_a_long_lock_answers_busy_then_saves_once(database_url, db, login, client):
    """A write transaction held open longer than the wait budget: 503 "busy" with Retry-After and
    nothing saved; once released, the same POST (same uid) saves it, and a third one finds it."""
    rep = make_user(db)
    shop = make_client(db, rep)
    login(rep)
    uid = str(uuid.uuid4())
    busy, elapsed = _log_while_locked(client, database_url, shop.id, uid, LOCK_WAIT_MS / 1000 + 2.5)
    print(f"\nbusy {db.bind.dialect.name}: answered {busy.status_code} after {elapsed:.2f} s")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
    assert "The server is busy" in busy.get_data(as_text=True)
    assert elapsed < LOCK_WAIT_MS / 1000 + 2.5  # bounded: answered before the lock was released
    db.expire_all()
    assert db.exec(select(func.count(Interaction.id))).one() == 0
    again = client.post(f"/clients/{shop.id}/log", headers=HTMX, data={"uid": uid, "outcome": "reached"})
    assert again.status_code == 201
    third = client.post(f"/clients/{shop.id}/log", headers=HTMX, data={"uid": uid, "outcome": "reached"})
    assert third.status_code == 200
    assert db.exec(select(func.count(Interaction.id))).one() == 1


@pytest.mark.fault
def test_write_behind_a_short_lock_waits_its_turn(database_url, db, login, client):
    rep = make_user(db)
    shop = make_client(db, rep)
    login(rep)
    response, _elapsed = _log_while_locked(client, database_url, shop.id, str(uuid.uuid4()), 1.0)
    assert response.status_code == 201
    db.expire_all()
    assert db.exec(select(func.count(Interaction.id))).one() == 1


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite pragmas")
def test_every_sqlite_connection_waits_for_locks(app):
    engine = app.extensions["fieldcrm.engine"]
    connections = [engine.connect() for _ in range(3)]  # three pool connections, three connects
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == LOCK_WAIT_MS
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        for conn in connections:
            conn.close()


def test_a_database_bug_stays_a_500_without_internals(make_app, db):
    """Only passing faults are "try again": a query that is wrong is still an error page (500),
    with nothing of the SQL or the driver's message shown."""
    app = make_app()

    @app.get("/wrong-query")
    def wrong_query():
        get_session().execute(text("SELECT secret_column FROM no_such_table"))

    http = app.test_client()
    response = http.get("/wrong-query")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert "Something went wrong" in body
    assert "no_such_table" not in body and "Traceback" not in body


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's lock_timeout")
def test_postgresql_connections_wait_for_locks_and_keep_the_url_options():
    engine = make_engine(PG_URL + ("&" if "?" in PG_URL else "?") + "options=-c%20statement_timeout%3D60000")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == f"{LOCK_WAIT_MS // 1000}s"
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "1min"
    finally:
        engine.dispose()


def _prepared_after(engine, runs: int) -> list[str]:
    """The statements the server holds prepared on one connection after it ran one query `runs` times."""
    with engine.connect() as conn:
        for n in range(runs):
            conn.execute(text("SELECT :n + 1"), {"n": n})
        return list(conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars())


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's prepared statements")
def test_postgresql_statements_are_prepared_only_when_the_setting_asks(monkeypatch):
    # By default none, so that a pooler in transaction mode (PgBouncer) can sit in front.
    monkeypatch.delenv("FIELDCRM_DB_PREPARE_THRESHOLD", raising=False)
    app = create_app(app_config(PG_URL))
    try:
        assert _prepared_after(app.extensions["fieldcrm.engine"], 10) == []
    finally:
        app.extensions["fieldcrm.engine"].dispose()
    monkeypatch.setenv("FIELDCRM_DB_PREPARE_THRESHOLD", "2")
    app = create_app(app_config(PG_URL))
    try:
        assert _prepared_after(app.extensions["fieldcrm.engine"], 10) == ["SELECT $1 + 1"]
    finally:
        app.extensions["fieldcrm.engine"].dispose()


def test_a_connection_dropped_before_the_end_of_the_request_keeps_the_answer(make_app, db, monkeypatch):
    """The database restarts between the answer and the session's rollback: the rollback fails on
    the dead connection, which is discarded; the user still gets the answer made (here a page)."""
    app = make_app()

    @app.get("/read-then-lose")
    def read_then_lose():
        session = get_session()
        session.execute(text("SELECT 1"))

        def dropped():
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))

        monkeypatch.setattr(session, "close", dropped)
        return "read"

    response = app.test_client().get("/read-then-lose")
    assert response.status_code == 200 and response.get_data(as_text=True) == "read"
