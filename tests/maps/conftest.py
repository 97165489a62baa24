"""Fixtures for the map tests: an app whose geocoding chain points at the fake servers."""

from __future__ import annotations

import pytest


@pytest.fixture
def geo_app(make_app, fake_ban, fake_nominatim):
    """The app with the whole chain pointed at the fakes (no pacing, short timeouts)."""
    return make_app(GEOCODER_CHAIN="ban,nominatim,offline", BAN_URL=fake_ban.url, NOMINATIM_URL=fake_nominatim.url,
                    NOMINATIM_USER_AGENT="fieldcrm-tests", GEOCODER_TIMEOUT=0.5, GEOCODER_INLINE_TIMEOUT=0.5,
                    NOMINATIM_MIN_INTERVAL=0, BAN_MIN_INTERVAL=0)


@pytest.fixture
def geo_db(geo_app):
    from sqlmodel import Session

    with Session(geo_app.extensions["fieldcrm.engine"], expire_on_commit=False) as session:
        session.info["app"] = geo_app
        yield session
