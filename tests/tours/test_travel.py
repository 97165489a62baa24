"""Travel matrices: the straight-line estimate, and OSRM through a fake server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from fieldcrm.tours.estimate import estimated_matrix
from fieldcrm.tours.planning import tour_points, tour_problem
from fieldcrm.tours.problem import LeftOutReason, Stop
from fieldcrm.tours.solver import solve_tour
from fieldcrm.tours.travel import (
    OsrmClient,
    RoutingUnavailable,
    haversine_m,
    haversine_matrix,
    travel_matrix,
)
from tests.fakes.osrm import FakeOsrm, closed_port_url

LYON = (45.7640, 4.8357)
VILLEURBANNE = (45.7719, 4.8902)
VENISSIEUX = (45.6975, 4.8859)
PARIS = (48.8566, 2.3522)
POINTS = [LYON, VILLEURBANNE, VENISSIEUX]


def test_haversine_distance_paris_lyon_is_about_392_km():
    assert haversine_m(PARIS, LYON) == pytest.approx(392_000, rel=0.01)


def test_haversine_matrix_applies_detour_and_speed():
    durations, distances = haversine_matrix([PARIS, LYON], speed_kmh=50, detour_factor=1.3)
    road = haversine_m(PARIS, LYON) * 1.3
    assert distances[0][1] == distances[1][0] == round(road)
    assert durations[0][1] == round(road / (50 / 3.6))  # about 10 h 12 min
    assert durations[0][0] == distances[1][1] == 0


def test_without_routing_server_the_matrix_is_an_announced_estimate():
    travel = travel_matrix(POINTS)
    assert travel.estimated and not travel.fell_back
    assert travel.notice == "estimated from the distance as the crow flies, speed by length of drive"
    assert travel.durations == estimated_matrix(POINTS)[0]


def test_table_reads_osrm_durations_and_distances(fake_osrm: FakeOsrm):
    durations, distances = OsrmClient(fake_osrm.url).table(POINTS)
    seconds, metres = fake_osrm.leg(POINTS[0][::-1], POINTS[1][::-1])
    assert durations[0][1] == round(seconds) and distances[0][1] == round(metres)
    assert durations[1][1] == 0 and len(durations) == 3 and all(len(row) == 3 for row in distances)
    request = fake_osrm.requests[-1]
    assert request.service == "table"
    assert request.coordinates[0] == pytest.approx((LYON[1], LYON[0]))  # OSRM wants lon,lat
    assert request.params["annotations"] == "duration,distance"


def test_null_cells_become_unreachable_pairs(fake_osrm: FakeOsrm):
    fake_osrm.unreachable = {2}
    travel = travel_matrix(POINTS, fake_osrm.url)
    assert travel.source == "osrm" and not travel.estimated
    assert travel.durations[0][2] is None and travel.distances[2][1] is None
    assert travel.durations[0][1] is not None and travel.durations[2][2] == 0


def test_large_tables_are_fetched_in_row_blocks(fake_osrm: FakeOsrm):
    points = [(45.70 + 0.01 * i, 4.80 + 0.005 * i) for i in range(7)]
    whole = OsrmClient(fake_osrm.url).table(points)
    blocks = OsrmClient(fake_osrm.url, max_table_size=4).table(points)
    assert blocks == whole
    block_requests = fake_osrm.requests[1:]
    assert len(block_requests) == 4  # 16 cells allowed per request: 2 rows of 7 at a time
    assert block_requests[0].params["sources"] == "0;1"


def test_route_returns_geometry_as_lat_lon(fake_osrm: FakeOsrm):
    route = OsrmClient(fake_osrm.url).route(POINTS)
    assert route.path[0] == pytest.approx(LYON) and route.path[-1] == pytest.approx(VENISSIEUX)
    assert len(route.legs) == 2
    assert route.distance == pytest.approx(sum(distance for _, distance in route.legs), abs=2)
    assert fake_osrm.requests[-1].params == {"overview": "full", "geometries": "geojson", "steps": "false"}


def test_osrm_error_codes_raise_routing_unavailable(fake_osrm: FakeOsrm):
    fake_osrm.fail("InvalidQuery", 400)
    with pytest.raises(RoutingUnavailable) as error:
        OsrmClient(fake_osrm.url).table(POINTS)
    assert error.value.code == "InvalidQuery"


def test_no_route_between_points_raises(fake_osrm: FakeOsrm):
    fake_osrm.unreachable = {1}
    with pytest.raises(RoutingUnavailable) as error:
        OsrmClient(fake_osrm.url).route(POINTS)
    assert error.value.code == "NoRoute"


def test_slow_server_falls_back_to_the_estimate_without_waiting(fake_osrm: FakeOsrm):
    fake_osrm.delay = 5.0
    began = time.monotonic()
    travel = travel_matrix(POINTS, fake_osrm.url, timeout=0.3)
    assert time.monotonic() - began < 2.0
    assert travel.fell_back and travel.estimated
    assert "0.3 s" in travel.fallback_reason
    assert travel.notice == "estimated from the distance as the crow flies, speed by length of drive"
    assert travel.durations == estimated_matrix(POINTS)[0]


def test_server_that_is_down_falls_back_with_the_reason():
    travel = travel_matrix(POINTS, closed_port_url(), timeout=1.0)
    assert travel.fell_back and travel.source == "estimate"
    assert "unreachable" in travel.fallback_reason


def test_tour_problem_from_positions_solves_with_osrm_times(fake_osrm: FakeOsrm):
    stops = [Stop("a", None, 600), Stop("b", None, 600), Stop("c", None, 600), Stop("ghost", None, 600)]
    positions = {"a": VILLEURBANNE, "b": VENISSIEUX, "c": VILLEURBANNE}
    problem, travel, points = tour_problem(stops, positions, start=LYON, end=LYON, shift_start=8 * 3600,
                                           shift_end=18 * 3600, routing_url=fake_osrm.url)
    assert travel.source == "osrm" and len(points) == 3  # a and c share a place
    solution = solve_tour(problem)
    assert sorted(solution.order) == ["a", "b", "c"]
    assert [(item.stop.id, item.reason) for item in solution.left_out] == [("ghost", LeftOutReason.NO_POSITION)]
    path = tour_points(problem, solution, points)
    assert path[0] == path[-1] == LYON and len(path) == 5
