"""Without a routing server, driving times are estimated with a speed by length of drive,
calibrated on French routes: closer to the road than straight line × 1.3 at 50 km/h."""

from __future__ import annotations

import math

from fieldcrm.geo.bounds import distance_km
from fieldcrm.tours.estimate import calibration_drives, drive_minutes, estimated_matrix, road_km


def _mean_log_error(estimate) -> float:
    drives = calibration_drives()
    return sum(abs(math.log(estimate(distance_km(d["from_lat"], d["from_lon"], d["to_lat"], d["to_lon"]))
                            / d["minutes"])) for d in drives) / len(drives)


def test_the_estimate_is_close_to_the_documented_drives_and_far_better_than_the_old_one():
    assert len(calibration_drives()) >= 12
    ours = _mean_log_error(drive_minutes)
    old = _mean_log_error(lambda km: km * 1.3 / 50 * 60)
    assert ours < 0.17  # about 14 % off on average
    assert old > 3 * ours


def test_short_drives_are_slow_and_long_drives_fast():
    across_town, paris_lyon = drive_minutes(2.5), drive_minutes(393)
    assert 9 <= across_town <= 15  # Lyon to Villeurbanne, 12 min on the road
    assert 240 <= paris_lyon <= 300  # 4 h 30, not 10 h
    assert 60 * 2.5 / across_town < 60 * 393 / paris_lyon / 5
    assert road_km(2) / 2 > road_km(300) / 300  # short drives wind more


def test_the_matrix_is_symmetric_with_zero_on_the_diagonal():
    points = [(45.7603, 4.8490), (45.7663, 4.8797), (45.1866, 5.7363)]
    durations, distances = estimated_matrix(points)
    assert all(durations[i][i] == 0 for i in range(3))
    assert durations[0][2] == durations[2][0] and distances[0][1] == distances[1][0]
    assert 60 * 60 < durations[0][2] < 90 * 60  # Lyon–Grenoble, 1 h 10 on the road
