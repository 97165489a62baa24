"""Request pacing (with a controllable clock) and the country boxes that reject nonsense."""

from __future__ import annotations

import pytest

from fieldcrm.geo.bounds import distance_km, within_country
from fieldcrm.geo.throttle import PAUSE_AFTER_FAILURES_SECONDS, Throttle, shared_throttle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_throttle_spaces_calls_by_the_interval():
    clock = FakeClock()
    throttle = Throttle(1.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        throttle.wait()
    assert clock.sleeps == [1.0, 1.0]
    clock.now += 5  # idle time is not banked
    throttle.wait()
    throttle.wait()
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_throttle_pause_and_failures():
    clock = FakeClock()
    throttle = Throttle(0.0, clock=clock, sleep=clock.sleep)
    throttle.pause(30)
    assert throttle.paused_for() == 30
    clock.now += 31
    assert throttle.paused_for() == 0
    throttle.record_failure()
    throttle.record_failure()
    throttle.record_success()  # a success resets the count
    throttle.record_failure()
    throttle.record_failure()
    assert throttle.paused_for() == 0
    throttle.record_failure()
    assert throttle.paused_for() == PAUSE_AFTER_FAILURES_SECONDS


def test_shared_throttle_is_one_per_endpoint():
    first = shared_throttle("nominatim https://example.org", 1.0)
    assert shared_throttle("nominatim https://example.org", 1.0) is first
    assert shared_throttle("nominatim https://other.example.org", 1.0) is not first


@pytest.mark.parametrize(
    ("country", "postal_code", "lat", "lon", "expected"),
    [
        ("FR", "75001", 48.86, 2.35, True),
        ("FR", "20000", 41.92, 8.74, True),  # Corsica
        ("FR", "29242", 48.46, -5.09, True),  # Ouessant
        ("FR", "75001", 40.0, -30.0, False),  # the Atlantic
        ("FR", "75001", -20.88, 55.45, False),  # Réunion coordinates for a Paris address
        ("FR", "97400", -20.88, 55.45, True),
        ("FR", "97200", 14.6, -61.07, True),  # Martinique
        ("FR", "97300", 4.93, -52.33, True),  # Guyane
        ("FR", "", -20.88, 55.45, True),  # no postal code: anywhere French
        ("FR", "", 0.0, 0.0, False),
        ("BE", "1000", 50.85, 4.35, True),
        ("BE", "1000", 48.86, 2.35, False),
        ("ES", "35001", 28.1, -15.43, True),  # Canary Islands
        ("US", "96813", 21.31, -157.86, True),  # Honolulu
        ("JP", "100-0001", 35.68, 139.76, True),  # no box: not checked
        ("FR", "75001", float("nan"), 2.35, False),
    ],
)
def test_within_country(country, postal_code, lat, lon, expected):
    assert within_country(country, postal_code, lat, lon) is expected


def test_distance_km():
    assert distance_km(48.8566, 2.3522, 43.2965, 5.3698) == pytest.approx(661, abs=5)  # Paris–Marseille
    assert distance_km(45.0, 5.0, 45.0, 5.0) == 0
