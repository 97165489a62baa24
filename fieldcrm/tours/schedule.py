"""Timing a tour in a given order: ETAs, waiting, lateness, travel cost.

Used to show the order the rep picked (and what optimising saves), to check the solver's answer
independently, and by the nearest-neighbour baseline.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from fieldcrm.tours.problem import LunchBreak, Stop, TourProblem, TourSolution, Visit, Window

# Stand-in travel time for a pair with no road: long enough to break any working day.
UNREACHABLE = 10_000_000


def service_start(arrival: int, windows: Sequence[Window]) -> tuple[int, int]:
    """(when service can start, how late that is) for a stop reached at ``arrival``."""
    if not windows:
        return arrival, 0
    for opens, closes in windows:
        if arrival <= closes:
            return max(arrival, opens), 0
    return arrival, arrival - windows[-1][1]


def _leg(problem: TourProblem, origin: int, destination: int) -> tuple[int, int | None, bool]:
    duration = problem.travel(origin, destination)
    if duration is None:
        return UNREACHABLE, None, False
    return int(duration), problem.distance(origin, destination), True


def _lunch_now(problem: TourProblem, lunch: LunchBreak, now: int, place: int, stop: Stop) -> bool:
    """Greedy rule: lunch now if it cannot wait until after the next stop, or if the next stop does
    not suffer from it."""
    duration, _, _ = _leg(problem, place, stop.location)  # type: ignore[arg-type]
    begin, _ = service_start(now + duration, stop.windows)
    if begin + stop.service > lunch.latest:
        return True
    if now < lunch.earliest:
        return False
    _, late = service_start(max(now, lunch.earliest) + lunch.duration + duration, stop.windows)
    return late == 0


def schedule_order(problem: TourProblem, order: Sequence[Hashable], *, lunch_after: int | None = None,
                   departure: int | None = None) -> TourSolution:
    """Earliest-start schedule of the stops in ``order`` (ids), leaving at ``departure`` (default:
    start of shift). Lunch is taken after ``lunch_after`` visits, or where a greedy rule puts it.
    Windows, lunch and shift end are not enforced: lateness is reported instead."""
    by_id = {stop.id: stop for stop in problem.stops}
    return schedule_stops(problem, [by_id[stop_id] for stop_id in order], lunch_after=lunch_after,
                          departure=departure)


def schedule_stops(problem: TourProblem, stops: Sequence[Stop], *, lunch_after: int | None = None,
                   departure: int | None = None) -> TourSolution:
    """Like ``schedule_order``, for Stop objects (which need not be in ``problem.stops``)."""
    if any(stop.location is None for stop in stops):
        raise ValueError("cannot schedule a stop with no position")
    lunch = problem.lunch
    now = problem.shift_start if departure is None else departure
    leave = now
    place = problem.start
    exact = True
    visits: list[Visit] = []
    lunch_start: int | None = None
    taken_after: int | None = None
    for index, stop in enumerate(stops):
        if lunch is not None and lunch_start is None and (
                index == lunch_after or (lunch_after is None and _lunch_now(problem, lunch, now, place, stop))):
            lunch_start, taken_after = max(now, lunch.earliest), index
            now = lunch_start + lunch.duration
        duration, distance, known = _leg(problem, place, stop.location)  # type: ignore[arg-type]
        exact &= known
        arrival = now + duration
        begin, late = service_start(arrival, stop.windows)
        now = begin + stop.service
        visits.append(Visit(stop, arrival, begin, now, duration, distance, late))
        place = stop.location  # type: ignore[assignment]
    if lunch is not None and lunch_start is None:
        lunch_start, taken_after = max(now, lunch.earliest), len(stops)
        now = lunch_start + lunch.duration
    if problem.end is None:
        back, back_distance = 0, 0
    else:
        back, back_distance, known = _leg(problem, place, problem.end)
        exact &= known
    arrival = now + back
    return TourSolution(
        visits=visits, left_out=[], departure=leave, arrival=arrival,
        return_duration=back, return_distance=back_distance if problem.distances is not None else None,
        lunch_start=lunch_start, lunch_after=taken_after,
        overtime=max(0, arrival - problem.shift_end),
        lunch_late=0 if lunch is None or lunch_start is None else max(0, lunch_start - lunch.latest),
        exact=exact,
    )


def travel_cost(problem: TourProblem, order: Sequence[Hashable]) -> tuple[int, int | None]:
    """(driving seconds, metres or None) of visiting ``order`` from start to end, e.g. as picked."""
    tour = schedule_order(problem, order)
    return tour.travel_duration, tour.travel_distance


def nearest_neighbour_order(matrix: Sequence[Sequence[int | None]], start: int = 0,
                            locations: Sequence[int] | None = None) -> list[int]:
    """Baseline: from ``start``, always drive to the closest not yet visited location.

    ``locations`` are the matrix indices to visit (default: all but ``start``); returns them in
    visiting order. Unreachable pairs count as infinitely far.
    """
    todo = [i for i in range(len(matrix)) if i != start] if locations is None else list(locations)
    order: list[int] = []
    here = start
    while todo:
        row = matrix[here]
        best = min(todo, key=lambda j: UNREACHABLE if row[j] is None else row[j])
        order.append(best)
        todo.remove(best)
        here = best
    return order
