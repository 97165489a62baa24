"""The private, revocable calendar feed: valid RFC 5545 with alarms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from icalendar import Calendar

from tests.factories import make_appointment, make_followup


def _create_feed(http) -> str:
    page = http.post("/agenda/calendar", data={"action": "create"}).get_data(as_text=True)
    return re.search(r'id="feed-url" type="text" readonly value="http://localhost([^"]+)"', page).group(1)


def test_feed_is_valid_icalendar_with_alarms(app, as_rep, world, db):
    make_followup(db, world["rep_a"], world["client_a"], date(2026, 11, 25), reason="Relance devis")
    make_followup(db, world["rep_a"], world["client_a"], date(2026, 11, 26), due_time=time(14, 30), reason="Appel")
    make_appointment(db, world["rep_a"], world["client_a"], datetime(2026, 11, 27, 9, tzinfo=UTC), place="Lyon")
    url = _create_feed(as_rep)
    anonymous = app.test_client()  # calendar apps do not log in
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 3
    all_day = next(e for s, e in events.items() if "Relance devis" in s)
    assert all_day.decoded("DTSTART") == date(2026, 11, 25)
    timed = next(e for s, e in events.items() if "Appel" in s)
    assert timed.decoded("DTSTART") == datetime(2026, 11, 26, 13, 30, tzinfo=UTC)  # 14:30 Paris
    appointment = next(e for s, e in events.items() if "Appointment" in s or "Rendez-vous" in s)
    assert str(appointment["LOCATION"]) == "Lyon"
    for event in events.values():
        assert event["UID"] and event["DTSTAMP"]
        alarms = event.walk("VALARM")
        assert alarms and str(alarms[0]["ACTION"]) == "DISPLAY"


def test_feed_is_revocable_and_replaceable(app, as_rep):
    first = _create_feed(as_rep)
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 200
    second = _create_feed(as_rep)
    assert anonymous.get(first).status_code == 404  # a new link ends the old one
    assert anonymous.get(second).status_code == 200
    assert as_rep.post("/agenda/calendar", data={"action": "revoke"}).status_code == 303
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_feed_of_a_deactivated_user_stops(app, as_rep, world, db):
    url = _create_feed(as_rep)
    from fieldcrm.accounts.models import User

    user = db.get(User, world["rep_a"].id)
    user.active = False
    db.add(user)
    db.commit()
    assert app.test_client().get(url).status_code == 404
