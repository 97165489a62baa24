"""A controllable clock and a small portfolio for the visit, follow-up and agenda tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fieldcrm import timeutil

# Monday 23 November 2026, 10:00 in Paris.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def set_now(monkeypatch):
    def set_to(moment: datetime):
        monkeypatch.setattr(timeutil, "now", lambda: moment)
        return moment

    set_to(NOW)
    return set_to


@pytest.fixture
def world(db, set_now):
    from tests.factories import portfolio_world

    return portfolio_world(db)


@pytest.fixture
def as_rep(app, world, login):
    http = app.test_client()
    login(world["rep_a"], http=http)
    return http
