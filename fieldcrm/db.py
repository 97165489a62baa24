"""Engine, one session per request, SQLite pragmas and the SQLite version check."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from fieldcrm import extras

log = logging.getLogger(__name__)

MIN_SQLITE = (3, 51, 3)
# How long a write waits for another one to finish before answering "busy": SQLite's own retry with
# backoff on a locked file, PostgreSQL's lock_timeout. Long enough for any single request's write to
# get its turn, short enough that a phone hears "try again" (503) before it gives up on us.
LOCK_WAIT_MS = 5000


class SQLiteTooOld(RuntimeError):
    """The bundled SQLite is older than the version that fixed WAL-reset corruption."""


def _sqlite_module():
    import pysqlite3.dbapi2 as sqlite  # bundles a recent SQLite, unlike the system one

    version = tuple(int(p) for p in sqlite.sqlite_version.split("."))
    if version < MIN_SQLITE:
        raise SQLiteTooOld(
            f"SQLite {sqlite.sqlite_version} is too old: FieldCRM needs at least "
            f"{'.'.join(map(str, MIN_SQLITE))} (WAL-reset corruption fix). "
            "Reinstall the `pysqlite3` wheel: pip install -U pysqlite3"
        )
    return sqlite


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")  # first: switching to WAL may itself wait
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, prepare_threshold: int | None = None) -> Engine:
    """Build the engine for a database URL; SQLite goes through pysqlite3 with our pragmas.

    PostgreSQL: statements are prepared on the server only with a `prepare_threshold` (psycopg
    prepares a statement once a connection has run it that many times). Without one, each statement
    is parsed and planned where it runs, which any pooler in front of the database can pass on:
    a pooler in transaction mode hands the next transaction to another server connection, where a
    statement prepared on the first one does not exist. Preparing saved no CPU on our pages (their
    queries cost their execution, not their planning), and a plan made once for every value can be
    worse than one made for the value searched."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, module=_sqlite_module(), connect_args={"timeout": LOCK_WAIT_MS / 1000})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        extras.require("psycopg", "DATABASE_URL (PostgreSQL)", "postgres")
    if parsed.drivername == "postgresql" or parsed.drivername == "postgres":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # Keep any `options` the URL gives (they would be replaced, not merged) and add the lock wait.
    options = " ".join(filter(None, [parsed.query.get("options"), f"-c lock_timeout={LOCK_WAIT_MS}"]))
    # pool_pre_ping: after a restart of PostgreSQL, pooled connections are dead; test before use.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         connect_args={"options": options, "connect_timeout": 5,
                                       "prepare_threshold": prepare_threshold})


def sqlite_version(engine: Engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as conn:
        return conn.exec_driver_sql("select sqlite_version()").scalar()


def get_engine() -> Engine:
    return current_app.extensions["fieldcrm.engine"]


def get_session() -> Session:
    """The request's session, opened on first use and closed on teardown."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc=None) -> None:
    """End the request's session. A connection the database dropped meanwhile (restarted, shut down)
    cannot even roll back: it is thrown away, and the answer already made stands (never a 500)."""
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError:
        log.warning("database connection lost before the end of the request: discarded")
        session.invalidate()


def rollback_session() -> None:
    """Give up the request's transaction after an error, keeping its session usable."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A standalone session for CLI commands and background jobs."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


_DIALECT_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(bind, table):
    """An INSERT of the bind's dialect (a Session, Connection or Engine), so that `on_conflict_do_nothing`
    and `on_conflict_do_update` make "create if missing" one atomic statement on SQLite and PostgreSQL."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return _DIALECT_INSERT[engine.dialect.name](table)


@contextmanager
def exclusive(db: Session, name: str) -> Iterator[None]:
    """Run a check-then-write alone: one transaction at a time holds the lock called `name`, from
    here until its commit (made inside the block). If the block raises, the transaction is rolled
    back and the lock released at once.

    PostgreSQL: a transaction-level advisory lock. SQLite: the database's write lock, taken now
    (BEGIN IMMEDIATE) instead of at the first write, so that the check reads what the last writer
    committed."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(name.encode())})
    else:
        sqlite = db.connection().connection.driver_connection
        if not sqlite.in_transaction:  # else this transaction has written: it holds the lock already
            sqlite.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise


def init_app(app) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("DB_PREPARE_THRESHOLD"))
    app.extensions["fieldcrm.engine"] = engine
    app.teardown_appcontext(close_session)
