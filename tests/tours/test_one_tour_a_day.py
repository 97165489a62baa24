"""One tour a rep a day, whatever arrives at once, and the extra tours of old databases folded in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, MetaData, Table, Time, text
from sqlmodel import select

from fieldcrm.db import make_engine
from fieldcrm.migrate import upgrade
from fieldcrm.tours.models import Tour
from tests.conftest import PG_URL
from tests.factories import PASSWORD, make_user
from tests.served import in_parallel, serve

DAY = date(2026, 12, 7)


@pytest.mark.fault
def test_parallel_requests_to_open_a_day_make_one_tour(db, database_url, tmp_path):
    rep = make_user(db, "rep")
    with serve(database_url, tmp_path) as served:
        http = served.session()
        assert served.log_in(http, rep.email, PASSWORD).status_code == 303
        browsers = served.browsers(8, "/tours/today", http)
        days = [DAY + timedelta(days=n) for n in range(5)]
        for day in days:  # a few rounds: a race shows more often than not in one

            def open_day(i, day=day):
                browser, token = browsers[i]
                return browser.post(served.url + "/tours/day", data={"day": day.isoformat(), "csrf_token": token},
                                    allow_redirects=False, timeout=30)

            answers = in_parallel(open_day, 8)
            assert [a.status_code for a in answers] == [303] * 8
            tours = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == day)).all()
            assert len(tours) == 1, day
            assert {a.headers["Location"] for a in answers} == {f"/tours/{tours[0].id}"}


def insert_row(conn, table_name: str, **values) -> None:
    """Insert a row into the table as it stands at this revision, filling each required column the
    test does not care about with a plain value of its type."""
    table = Table(table_name, MetaData(), autoload_with=conn)
    plain = {Integer: 0, Boolean: False, Float: 0.0, Date: DAY, DateTime: datetime(2026, 1, 1),
             Time: time(8, 30)}
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        values[column.name] = next((v for kind, v in plain.items() if isinstance(column.type, kind)), "x")
    conn.execute(table.insert().values(**values))


@pytest.mark.skipif(bool(PG_URL), reason="builds its own SQLite database at the revision before the constraint")
def test_migration_folds_a_days_extra_tours_into_the_first_keeping_every_stop(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0006")
    with engine.begin() as conn:
        insert_row(conn, "app_user", id=1, email="r@x.fr", role="rep")
        for client_id in (1, 2, 3):
            insert_row(conn, "client", id=client_id, owner_id=1, display_name=f"Client {client_id}")
        for tour_id in (1, 2, 3):
            insert_row(conn, "tour", id=tour_id, owner_id=1, day=DAY)
        for stop_id, tour_id, client_id, position in ((1, 1, 1, 0), (2, 1, 2, 1), (3, 3, 3, 0), (4, 3, 1, 1)):
            insert_row(conn, "tour_stop", id=stop_id, tour_id=tour_id, client_id=client_id, position=position)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM tour")).scalars().all() == [1]
        # Tour 3's stop for client 1 goes: the first tour already visits client 1.
        assert conn.execute(text("SELECT id, tour_id, client_id FROM tour_stop ORDER BY position")).all() == [
            (1, 1, 1), (2, 1, 2), (3, 1, 3)]
    engine.dispose()
