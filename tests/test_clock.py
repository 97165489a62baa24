"""One clock: the day a test sets is the day every capability sees (Today, tours, map, analyses)."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldcrm import timeutil
from tests.factories import make_user


def test_every_page_that_shows_a_day_follows_the_clock(app, db, login, client, monkeypatch):
    # Wednesday 15 January 2031 at 07:30 in Paris — far from the real date, so a page that reads the
    # system clock instead of timeutil shows the wrong day.
    monkeypatch.setattr(timeutil, "now", lambda: datetime(2031, 1, 15, 6, 30, tzinfo=UTC))
    rep = make_user(db, role="rep")
    login(rep)
    assert timeutil.today().isoformat() == "2031-01-15"
    page = lambda url: client.get(url).get_data(as_text=True)  # noqa: E731
    assert "January 15, 2031" in page("/")  # Today's date line
    assert "/week?start=2031-01-06" in page("/week")  # previous week from the week of the 15th
    assert "Tour of Wednesday, January 15, 2031" in page("/tours/today")
    assert 'value="2031-01-15"' in page("/map")  # the day a tour from the map goes to


def test_timestamps_are_written_by_the_same_clock(db, monkeypatch):
    moment = datetime(2031, 1, 15, 6, 30, tzinfo=UTC)
    monkeypatch.setattr(timeutil, "now", lambda: moment)
    assert timeutil.utcnow() == moment
    user = make_user(db, role="rep")
    assert user.created_at.replace(tzinfo=UTC) == moment
