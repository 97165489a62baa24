"""From map positions to a tour problem: the glue the app's tour service calls.

    problem, travel, points = tour_problem(stops, positions, start=home, end=home,
                                           shift_start=..., shift_end=..., routing_url=settings_url)
    solution = solve_tour(problem)
    if travel.estimated: show "estimated from straight-line distance × 1.3 at 50 km/h"
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence

from fieldcrm.tours.problem import DAY, LunchBreak, Stop, TourProblem, TourSolution
from fieldcrm.tours.travel import LatLon, TravelMatrix, travel_matrix


def index_positions(positions: Sequence[LatLon | None]) -> tuple[list[LatLon], list[int | None]]:
    """Distinct points (in first-seen order) and, for each position, its index (None stays None)."""
    points: list[LatLon] = []
    seen: dict[LatLon, int] = {}
    indices: list[int | None] = []
    for position in positions:
        if position is None:
            indices.append(None)
            continue
        key = (round(float(position[0]), 6), round(float(position[1]), 6))
        if key not in seen:
            seen[key] = len(points)
            points.append(key)
        indices.append(seen[key])
    return points, indices


def tour_problem(stops: Sequence[Stop], positions: Mapping[Hashable, LatLon | None], *, start: LatLon,
                 end: LatLon | None, shift_start: int = 0, shift_end: int = DAY,
                 lunch: LunchBreak | None = None, routing_url: str | None = None,
                 timeout: float = 5.0, started: bool = False) -> tuple[TourProblem, TravelMatrix, list[LatLon]]:
    """A TourProblem for ``stops`` at ``positions`` (by stop id; missing or None = no position).

    ``end=None`` is an open tour. Returns the problem, where its travel times came from, and the
    points its location indices refer to (for drawing the map).
    """
    places: list[LatLon | None] = [start, *([] if end is None else [end])]
    places += [positions.get(stop.id) for stop in stops]
    points, indices = index_positions(places)
    travel = travel_matrix(points, routing_url, timeout=timeout)
    offset = 1 if end is None else 2
    located = [dataclasses.replace(stop, location=indices[offset + i]) for i, stop in enumerate(stops)]
    problem = TourProblem(located, travel.durations, travel.distances, start=indices[0],  # type: ignore[arg-type]
                          end=None if end is None else indices[1], shift_start=shift_start,
                          shift_end=shift_end, lunch=lunch, started=started)
    return problem, travel, points


def tour_points(problem: TourProblem, solution: TourSolution, points: Sequence[LatLon]) -> list[LatLon]:
    """The places of a planned day in driving order, start and end included (for OSRM's route)."""
    path = [points[problem.start]] + [points[v.stop.location] for v in solution.visits]  # type: ignore[index]
    if problem.end is not None:
        path.append(points[problem.end])
    return path
