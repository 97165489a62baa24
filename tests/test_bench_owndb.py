"""The benchmarks' own databases (bench/owndb.py): made, marked and dropped by the bench; any database
it did not create is refused before a statement is sent to it."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from bench.owndb import MARKER_TABLE, NotOurs, own_database

PG_URL = os.environ.get("TEST_DATABASE_URL")


def test_a_sqlite_bench_database_is_marked_and_removed(tmp_path):
    with own_database(f"sqlite:///{tmp_path / 'fieldcrm_bench_x.sqlite3'}", "sqlite") as url:
        engine = create_engine(url)
        assert MARKER_TABLE in inspect(engine).get_table_names()
        engine.dispose()
    assert not (tmp_path / "fieldcrm_bench_x.sqlite3").exists()


def test_a_sqlite_file_the_bench_did_not_make_is_refused_and_kept(tmp_path):
    theirs = tmp_path / "fieldcrm_bench_theirs.sqlite3"
    sqlite3.connect(theirs).execute("CREATE TABLE client (id INTEGER)").connection.close()
    with pytest.raises(NotOurs), own_database(f"sqlite:///{theirs}", "sqlite"):
        pass
    with pytest.raises(NotOurs), own_database(f"sqlite:///{tmp_path / 'fieldcrm.sqlite3'}", "sqlite"):
        pass
    assert theirs.exists()


def test_a_postgresql_database_without_the_bench_prefix_is_refused_unopened():
    with pytest.raises(NotOurs, match="refusing database 'test'"), \
            own_database("postgresql://postgres@127.0.0.1:1/test"):  # port 1: nothing is even asked
        pass


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: set TEST_DATABASE_URL")
def test_a_postgresql_bench_database_is_made_marked_dropped_and_another_refused():
    server = make_url(PG_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"fieldcrm_bench_test_{os.getpid()}"
    theirs = f"fieldcrm_bench_theirs_{os.getpid()}"
    try:
        with own_database(server.set(database=name).render_as_string(hide_password=False)) as url:
            engine = create_engine(url)
            assert MARKER_TABLE in inspect(engine).get_table_names()
            engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{theirs}"')  # right prefix, no mark
        with pytest.raises(NotOurs), own_database(server.set(database=theirs).render_as_string(hide_password=False)):
            pass
        with admin.connect() as conn:
            names = {row[0] for row in conn.exec_driver_sql("SELECT datname FROM pg_database")}
        assert name not in names and theirs in names
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{theirs}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
