"""Fake BAN and Nominatim servers on 127.0.0.1 and fresh rate-limit throttles, for any test that geocodes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fieldcrm.geo.throttle import reset_throttles
from tests.fakes.geocoders import FakeGeocoder


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    reset_throttles()
    yield
    reset_throttles()


@pytest.fixture
def fake_ban() -> Iterator[FakeGeocoder]:
    with FakeGeocoder("ban") as server:
        yield server


@pytest.fixture
def fake_nominatim() -> Iterator[FakeGeocoder]:
    with FakeGeocoder("nominatim") as server:
        yield server
