"""The bounded retry of a unit of work, on real database errors (a real lock, a port nobody listens
on): busy is retried, a lost connection only where the use case is idempotent, bugs never."""

from __future__ import annotations

import threading
import time

import psycopg
import pysqlite3.dbapi2 as sqlite
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Session

from fieldcrm.db import make_engine
from fieldcrm.dbfaults import BUSY, RETRY_BUDGET_SECONDS, UNREACHABLE, classify, retry_transient
from tests.conftest import PG_URL
from tests.served import free_port


@pytest.fixture
def impatient_sqlite(tmp_path):
    """A SQLite file and an engine that does not wait for locks (so every lock is an error)."""
    path = tmp_path / "locks.sqlite3"
    with sqlite.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT UNIQUE)")
    engine = create_engine(f"sqlite:///{path}", module=sqlite, connect_args={"timeout": 0})
    yield path, engine
    engine.dispose()


def hold_lock(path, seconds: float) -> threading.Thread:
    held = threading.Event()

    def hold():
        conn = sqlite.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    return thread


def write_note(attempts: list):
    def write(db: Session, body: str) -> int:
        attempts.append(time.monotonic())
        db.execute(text("INSERT INTO note (body) VALUES (:body)"), {"body": body})
        db.commit()
        return len(attempts)

    return write


@pytest.mark.fault
def test_a_short_lock_is_waited_out_by_retrying(impatient_sqlite):
    path, engine = impatient_sqlite
    attempts: list = []
    holder = hold_lock(path, 0.4)
    with Session(engine) as db:
        assert retry_transient()(write_note(attempts))(db, "saved after the lock") > 1
    holder.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM note")).scalar() == 1


@pytest.mark.fault
def test_a_long_lock_gives_up_within_the_budget(impatient_sqlite):
    path, engine = impatient_sqlite
    attempts: list = []
    holder = hold_lock(path, RETRY_BUDGET_SECONDS + 1.5)
    started = time.monotonic()
    with Session(engine) as db, pytest.raises(OperationalError) as raised:
        retry_transient()(write_note(attempts))(db, "never saved")
    assert classify(raised.value) == BUSY
    assert len(attempts) > 2 and time.monotonic() - started <= RETRY_BUDGET_SECONDS + 0.5
    holder.join()


def test_a_bug_is_not_retried(impatient_sqlite):
    _path, engine = impatient_sqlite
    attempts: list = []
    with Session(engine) as db:
        retry_transient()(write_note(attempts))(db, "twice")
        with pytest.raises(IntegrityError) as raised:
            retry_transient(idempotent=True)(write_note(attempts))(db, "twice")
    assert classify(raised.value) is None and len(attempts) == 2

    def missing_table(db):
        attempts.append(time.monotonic())
        db.execute(text("SELECT * FROM no_such_table"))

    with Session(engine) as db, pytest.raises(OperationalError) as raised:
        retry_transient(idempotent=True)(missing_table)(db)
    assert classify(raised.value) is None and len(attempts) == 3


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_lost_database_is_retried_only_by_an_idempotent_use_case(idempotent):
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone")
    attempts: list = []
    started = time.monotonic()
    with Session(engine) as db, pytest.raises(OperationalError) as raised:
        retry_transient(idempotent=idempotent)(write_note(attempts))(db, "lost")
    assert classify(raised.value) == UNREACHABLE
    assert (len(attempts) > 2) is idempotent
    assert time.monotonic() - started <= RETRY_BUDGET_SECONDS + 0.5
    engine.dispose()


def test_a_mistake_psycopg_catches_itself_is_a_bug_not_an_outage():
    # Raised by psycopg before anything is sent: no SQLSTATE, yet the server is fine.
    mistake = ProgrammingError("SELECT %s, %s", (1,), psycopg.ProgrammingError("2 placeholders, 1 value"))
    assert classify(mistake) is None


@pytest.mark.fault
@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's deadlock detection")
def test_a_deadlock_victim_runs_again_and_saves(database_url):
    """Two transactions take two rows in opposite orders: PostgreSQL aborts one (the first to wait);
    the use case runs again once the other has finished, and both writes are there."""
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO quick_phrase (id, text, position) VALUES (1, 'a', 0), (2, 'b', 0)"))
    attempts: list = []
    victim_waits = threading.Event()

    def swap_positions(db: Session) -> int:
        attempts.append(time.monotonic())
        db.execute(text("UPDATE quick_phrase SET position = position + 10 WHERE id = 2"))
        victim_waits.set()
        db.execute(text("UPDATE quick_phrase SET position = position + 10 WHERE id = 1"))
        db.commit()
        return len(attempts)

    with engine.connect() as other:
        other.execute(text("UPDATE quick_phrase SET position = position + 1 WHERE id = 1"))
        result: list = []

        def run():
            with Session(engine) as db:
                result.append(retry_transient(budget=5)(swap_positions)(db))

        runner = threading.Thread(target=run)
        runner.start()
        assert victim_waits.wait(5)
        time.sleep(0.2)  # the use case now waits for row 1; this one will wait for row 2
        other.execute(text("UPDATE quick_phrase SET position = position + 1 WHERE id = 2"))
        other.commit()
        runner.join(15)
    with engine.connect() as conn:
        positions = dict(conn.execute(text("SELECT id, position FROM quick_phrase")).all())
    engine.dispose()
    assert result == [2]  # deadlocked once, saved the second time
    assert positions == {1: 11, 2: 11}
