"""A database only a benchmark uses: created by the bench, marked as such, dropped by the bench.

A benchmark never runs in a database it did not create: the name must start with `fieldcrm_bench_`,
and a database of that name that already exists is taken over only if it carries the bench's marker
(a table, and on PostgreSQL a comment on the database) — i.e. a leftover of a bench run that was
killed. Anything else is refused before a single statement is sent to it.

    with own_database("postgresql://postgres@127.0.0.1:5432/fieldcrm_bench_lists") as url: ...
    with own_database(None, "sqlite") as url: ...     # a fresh SQLite file in a temporary folder

The URL comes from the script's `--database-url` or `FIELDCRM_BENCH_DATABASE_URL`; without one,
PostgreSQL gets `fieldcrm_bench_<pid>` on 127.0.0.1:5432 (user postgres).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

PREFIX = "fieldcrm_bench_"
MARKER_TABLE = "fieldcrm_bench_created"
COMMENT = "Created by a FieldCRM benchmark (bench/owndb.py); dropped when it ends."
ENV = "FIELDCRM_BENCH_DATABASE_URL"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
_SAFE_NAME = re.compile(r"^[a-z0-9_]+$")


class NotOurs(RuntimeError):
    """The database named was not created by a benchmark: the bench refuses to touch it."""


def backend_of(database_url: str | None, default: str = "sqlite") -> str:
    return make_url(database_url).get_backend_name() if database_url else default


def default_url(backend: str) -> str | None:
    """The URL a script uses when given none: the environment's, else a PostgreSQL name of its own."""
    url = os.environ.get(ENV)
    if url and make_url(url).get_backend_name() == backend:
        return url
    if backend == "postgresql":
        return f"{DEFAULT_SERVER}{PREFIX}{os.getpid()}"
    return None


def add_argument(parser) -> None:
    parser.add_argument(
        "--database-url", default=os.environ.get(ENV),
        help=f"PostgreSQL (or sqlite:///…) database the bench creates and drops; its name must start "
             f"with {PREFIX} (default: ${ENV}, else {PREFIX}<pid> on 127.0.0.1)")


def _check_name(name: str) -> None:
    if not name.startswith(PREFIX) or not _SAFE_NAME.match(name):
        raise NotOurs(f"refusing database {name!r}: a benchmark only creates and drops databases named "
                      f"{PREFIX}<letters, digits, _>")


def _has_marker(engine) -> bool:
    return MARKER_TABLE in inspect(engine).get_table_names()


def _mark(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {MARKER_TABLE} (host VARCHAR(255), pid INTEGER)")
        conn.exec_driver_sql(f"INSERT INTO {MARKER_TABLE} VALUES ('{socket.gethostname()}', {os.getpid()})")


@contextmanager
def own_database(url: str | None, backend: str = "postgresql") -> Iterator[str]:
    """Create the database `url` names (or a fresh one), yield its URL, drop it afterwards."""
    url = url or default_url(backend)
    if url is None or make_url(url).get_backend_name() == "sqlite":
        with _own_sqlite(url) as made:
            yield made
        return
    with _own_postgres(url) as made:
        yield made


@contextmanager
def _own_sqlite(url: str | None) -> Iterator[str]:
    folder = None
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        path = folder / f"{PREFIX}db.sqlite3"
    else:
        path = Path(make_url(url).database or "")
        _check_name(path.stem)
        if path.exists():
            engine = create_engine(f"sqlite:///{path}")
            try:
                ours = _has_marker(engine)
            finally:
                engine.dispose()
            if not ours:
                raise NotOurs(f"refusing {path}: it exists and was not created by a benchmark")
            path.unlink()
    made = f"sqlite:///{path}"
    engine = create_engine(made)
    _mark(engine)
    engine.dispose()
    try:
        yield made
    finally:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _server(url: str):
    target = make_url(url).set(drivername="postgresql+psycopg")
    _check_name(target.database or "")
    return target, create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _exists(admin, name: str) -> bool:
    with admin.connect() as conn:
        return conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %(n)s", {"n": name}).first() is not None


def _ours(target, admin) -> bool:
    name = target.database
    with admin.connect() as conn:
        comment = conn.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %(n)s",
            {"n": name}).scalar()
    if comment != COMMENT:
        return False
    engine = create_engine(target)
    try:
        return _has_marker(engine)
    finally:
        engine.dispose()


def _drop(target, admin) -> None:
    if not _ours(target, admin):  # checked again just before: never drop what is not ours
        raise NotOurs(f"refusing to drop {target.database!r}: it lacks the benchmark's marker")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{target.database}" WITH (FORCE)')


@contextmanager
def _own_postgres(url: str) -> Iterator[str]:
    target, admin = _server(url)
    name = target.database
    try:
        if _exists(admin, name):
            if not _ours(target, admin):
                raise NotOurs(f"refusing database {name!r}: it exists and was not created by a benchmark")
            _drop(target, admin)  # the leftover of a bench that was killed
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            conn.exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{COMMENT}'")
        engine = create_engine(target)
        _mark(engine)
        engine.dispose()
        try:
            yield target.render_as_string(hide_password=False)
        finally:
            _drop(target, admin)
    finally:
        admin.dispose()


def vacuum_analyze(engine) -> None:
    """What autovacuum leaves a live database with after a bulk load: visibility map and planner
    statistics (an index-only scan or a good join order depends on them)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("ANALYZE")
