"""A GET never writes: every GET rule of the app, walked as each role with the actor's own records,
leaves every table exactly as it was (a crawler following links must change nothing)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldcrm.models import metadata
from tests.url_walk import HTMX, app_rules, rich_world, rule_values, url_of


@pytest.fixture
def walk_world(app, db, access_world):
    return rich_world(app, db, access_world)


def snapshot(app) -> dict:
    """Every row of every table, in primary-key order. No column is exempt: nothing reads-and-tracks."""
    engine = app.extensions["fieldcrm.engine"]
    with engine.connect() as conn:
        return {table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                for table in metadata.sorted_tables}


# The one accepted exception: the audit trail of reads. Opening a card, exporting a list or a vCard adds
# an entry (the RGPD asks who consulted what); nothing else changes, and no existing entry either.
READ_AUDIT_ACTIONS = {"client.viewed", "export.list", "client.exported", "access.exported"}


def changed_tables(before: dict, after: dict) -> list[str]:
    changed = [name for name in before if before[name] != after[name]]
    if "audit_event" in changed:
        old, new = before["audit_event"], after["audit_event"]
        added = new[len(old):]
        if new[:len(old)] == old and added and {row._mapping["action"] for row in added} <= READ_AUDIT_ACTIONS:
            changed.remove("audit_event")
    return changed


@pytest.mark.parametrize("who", [None, "rep_a", "manager_a", "admin"])
def test_every_get_leaves_every_table_unchanged(app, walk_world, login, who):
    http = app.test_client()
    if who:
        login(walk_world[who], http=http)
    # The one read-tracking column, rate-limited: "last read by your calendar", kept to the hour
    # (see test_calendar_feed_records_its_last_read_at_most_hourly). Read once, then not again.
    assert http.get(f"/calendar/{walk_world['token_a']}.ics").status_code == 200
    walked = 0
    for rule in app_rules(app, "GET"):
        url = url_of(rule, rule_values(rule, walk_world))
        for headers in (None, HTMX):
            before = snapshot(app)
            response = http.get(url, headers=headers)
            assert response.status_code < 500, (url, response.status_code)
            assert changed_tables(before, snapshot(app)) == [], (who, url, headers)
            walked += 1
    assert walked > 130


def _tours(db):
    from sqlmodel import select

    from fieldcrm.tours.models import Tour

    db.expire_all()
    return db.exec(select(Tour)).all()


def test_todays_tour_is_shown_unsaved_until_something_is_added(app, db, login):
    from tests.factories import make_client, make_user

    rep = make_user(db)
    client = make_client(db, rep, company_name="Fromagerie Lucas", postal_code="69001", city="Lyon")
    http = app.test_client()
    login(rep, http=http)
    for _ in range(3):  # a crawler, or the rep tapping "Today's tour" again and again
        page = http.get("/tours/today")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Add stops" in text and "Start, end and hours" in text and "Fill my day" in text
    assert _tours(db) == []
    # Adding a stop (a POST) saves the day; then "Today's tour" opens it.
    assert http.post("/tours/today/stops", data={"client_id": client.id}).status_code == 303
    [tour] = _tours(db)
    opened = http.get("/tours/today")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/tours/{tour.id}")
    assert "Fromagerie Lucas" in http.get(opened.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("then, lands_on", [("settings", "/settings"), ("fill", "/fill"), ("agenda", ""),
                                            (None, "")])
def test_the_buttons_of_an_unsaved_day_save_it_and_do_what_was_asked(app, db, login, then, lands_on):
    from fieldcrm import timeutil
    from tests.factories import make_user

    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    today = timeutil.local_now().date().isoformat()
    page = http.get("/tours/today").get_data(as_text=True)
    if then:
        assert f'name="then" value="{then}"' in page  # the button is on the unsaved day's page
    answer = http.post("/tours/day", data={"day": today, "then": then or ""})
    [tour] = _tours(db)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/tours/{tour.id}{lands_on}")
    assert tour.owner_id == rep.id and tour.day.isoformat() == today
    http.post("/tours/day", data={"day": today, "then": then or ""})
    assert len(_tours(db)) == 1  # the same day again: the same tour


def test_calendar_feed_records_its_last_read_at_most_hourly(app, walk_world, monkeypatch):
    from datetime import UTC, timedelta

    from fieldcrm.agenda import services as agenda

    start = agenda.utcnow()
    http = app.test_client()  # a calendar app: no login, the secret address
    url = f"/calendar/{walk_world['token_a']}.ics"

    def last_read():
        before = snapshot(app)["calendar_feed"]
        return {row._mapping["id"]: row._mapping["last_fetched_at"] for row in before}

    assert set(last_read().values()) == {None}
    for minutes in (0, 10, 59, 61):  # polled every few minutes: one write per hour at most
        monkeypatch.setattr(agenda, "utcnow", lambda m=minutes: start + timedelta(minutes=m))
        assert http.get(url).status_code == 200
        [read_at] = [value for value in last_read().values() if value is not None]
        expected = start + timedelta(minutes=61 if minutes == 61 else 0)
        assert (read_at if read_at.tzinfo else read_at.replace(tzinfo=UTC)) == expected, minutes
