"""Fixtures for the geo tests: fake BAN and Nominatim servers on 127.0.0.1, fresh throttles."""

from __future__ import annotations

import pytest

from tests.fakes.geocoders import FakeGeocoder


@pytest.fixture
def geo_settings(fake_ban: FakeGeocoder, fake_nominatim: FakeGeocoder) -> dict:
    """Settings pointing the chain at the fakes, with short timeouts and no pacing."""
    return {
        "GEOCODER_CHAIN": "ban,nominatim,offline",
        "BAN_URL": fake_ban.url,
        "NOMINATIM_URL": fake_nominatim.url,
        "NOMINATIM_USER_AGENT": "fieldcrm-tests",
        "GEOCODER_TIMEOUT": 0.5,
        "NOMINATIM_MIN_INTERVAL": 0,
        "BAN_MIN_INTERVAL": 0,
    }
