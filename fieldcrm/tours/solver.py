"""Optimising one day's tour with VROOM: the order of visits that drives least and fits every window.

    solution = solve_tour(TourProblem(stops, durations, distances, start=0, end=0,
                                      shift_start=8 * 3600 + 1800, shift_end=18 * 3600 + 1800,
                                      lunch=LunchBreak(12 * 3600, 13 * 3600 + 1800, 3600)))
    solution.visits, solution.left_out, solution.travel_duration
    travel_cost(problem, picked_order)  # what the rep's own order would drive, to show the saving
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Hashable, Sequence

import vroom

from fieldcrm.tours import engine
from fieldcrm.tours.problem import (
    MAX_STOPS,
    LeftOut,
    LeftOutReason,
    LunchBreak,
    Stop,
    TooManyStops,
    TourProblem,
    TourSolution,
    Visit,
)
from fieldcrm.tours.repair import fits_somewhere, repair
from fieldcrm.tours.schedule import (
    UNREACHABLE,
    nearest_neighbour_order,
    schedule_order,
    schedule_stops,
    travel_cost,
)

__all__ = [
    "MAX_STOPS", "LeftOut", "LeftOutReason", "LunchBreak", "Stop", "TooManyStops", "TourProblem",
    "TourSolution", "Visit", "nearest_neighbour_order", "picked_order_cost", "schedule_order", "solve_tour",
    "travel_cost", "why_left_out",
]

LUNCH_ID = 1


def vroom_durations(problem: TourProblem) -> list[list[int]]:
    """The duration matrix as VROOM takes it: unsigned integers, no road = a very long drive."""
    return [[UNREACHABLE if cell is None else int(cell) for cell in row] for row in problem.durations]


def _alone(problem: TourProblem, stop: Stop) -> TourSolution:
    """The stop as the only visit of the day, with lunch wherever it suits best."""
    tries = [None] if problem.lunch is None else [1, 0]
    tours = [schedule_stops(problem, [stop], lunch_after=at) for at in tries]
    return next((t for t in tours if t.feasible), tours[0])


def why_left_out(problem: TourProblem, stop: Stop) -> LeftOutReason | None:
    """Why the stop cannot be in this day's tour even alone, or None if alone it fits."""
    if stop.location is None:
        return LeftOutReason.NO_POSITION
    if problem.travel(problem.start, stop.location) is None or (
            problem.end is not None and problem.travel(stop.location, problem.end) is None):
        return LeftOutReason.UNREACHABLE
    if _alone(problem, stop).feasible:
        return None
    earliest = problem.shift_start + int(problem.travel(problem.start, stop.location))  # type: ignore[arg-type]
    back = 0 if problem.end is None else int(problem.travel(stop.location, problem.end))  # type: ignore[arg-type]
    latest = problem.shift_end - stop.service - back
    if not stop.windows or latest < earliest or any(a <= latest and b >= earliest for a, b in stop.windows):
        return LeftOutReason.BEYOND_END_OF_DAY  # the day is too short, or lunch leaves no room
    return LeftOutReason.OUTSIDE_OPENING_HOURS


def diagnose_left_out(problem: TourProblem, tour: TourSolution, stop: Stop,
                      matrix: list[list[int]] | None = None) -> LeftOutReason:
    """A stop that fits alone but not with the others: is it its hours, or is the day too full?

    If the stop, ignoring its own opening hours, could be slotted somewhere in the planned tour,
    its hours are the obstacle; otherwise the day has no room left for it."""
    relaxed = dataclasses.replace(stop, windows=())
    if fits_somewhere(problem, [visit.stop for visit in tour.visits], tour.lunch_after, relaxed, matrix):
        return LeftOutReason.OUTSIDE_OPENING_HOURS
    return LeftOutReason.BEYOND_END_OF_DAY


def vroom_job(job_id: int, stop: Stop, priority: int, windows: Sequence[tuple[int, int]],
              skills: set[int] | None = None) -> vroom.Job:
    return vroom.Job(job_id, location=int(stop.location), default_service=int(stop.service),  # type: ignore[arg-type]
                     time_windows=[engine.time_window(a, b) for a, b in windows],
                     priority=int(priority), skills=skills or set())


def tour_from_steps(problem: TourProblem, steps: Sequence[engine.Step], by_job: dict[int, Stop],
                     offset: int = 0) -> TourSolution:
    """A TourSolution from one VROOM route; times shifted back by ``offset`` (week planning)."""
    visits: list[Visit] = []
    place = problem.start
    departure = arrival = problem.shift_start
    lunch_start = lunch_after = None
    for step in steps:
        if step.kind == "start":
            departure = step.arrival - offset
        elif step.kind == "break":
            lunch_start, lunch_after = step.arrival + step.waiting - offset, len(visits)
        elif step.kind == "job":
            stop = by_job[step.job]  # type: ignore[index]
            begin = step.arrival + step.waiting - offset
            visits.append(Visit(stop, step.arrival - offset, begin, begin + stop.service,
                                int(problem.travel(place, stop.location)),  # type: ignore[arg-type]
                                problem.distance(place, stop.location)))  # type: ignore[arg-type]
            place = stop.location  # type: ignore[assignment]
        elif step.kind == "end":
            arrival = step.arrival - offset
    if problem.end is None:
        back, back_distance = 0, 0 if problem.distances is not None else None
    else:
        back, back_distance = int(problem.travel(place, problem.end)), problem.distance(place, problem.end)  # type: ignore[arg-type]
    return TourSolution(visits=visits, left_out=[], departure=departure, arrival=arrival,
                        return_duration=back, return_distance=back_distance,
                        lunch_start=lunch_start, lunch_after=lunch_after,
                        overtime=max(0, arrival - problem.shift_end))


def _lunch_positions(route: Sequence[engine.Step]) -> list[tuple[int, engine.Step]]:
    """(visits before it, step) for each break step of a route."""
    found, visits = [], 0
    for step in route:
        if step.kind == "job":
            visits += 1
        elif step.kind == "break":
            found.append((visits, step))
    return found


def _run_from_schedule(tour: TourSolution, number_of: dict[Hashable, int]) -> engine.Run:
    steps = [engine.Step("start", None, tour.departure, 0)]
    for index, visit in enumerate(tour.visits + [None]):  # type: ignore[operator]
        if index == tour.lunch_after:
            steps.append(engine.Step("break", LUNCH_ID, tour.lunch_start, 0))  # type: ignore[arg-type]
        if visit is not None:
            steps.append(engine.Step("job", number_of[visit.stop.id], visit.arrival, visit.waiting))
    steps.append(engine.Step("end", None, tour.arrival, 0))
    served = {number_of[visit.stop.id] for visit in tour.visits}
    return engine.Run({1: steps}, tour.travel_duration, served)


def _is_plain_tsp(problem: TourProblem, stops: Sequence[Stop]) -> bool:
    return problem.lunch is None and not any(stop.windows for stop in stops)


def solve_tour(problem: TourProblem, *, exploration_level: int | None = None, threads: int = 2,
               time_limit: float | None = None) -> TourSolution:
    """The visit order with the least driving that honours windows, lunch and working hours.

    Stops that cannot fit are returned in ``left_out`` with a reason; when not everything fits,
    higher-priority stops are kept first. ``time_limit`` (seconds) bounds the search; by default
    1 s up to 60 stops, growing to 9 s from 140 stops. ``exploration_level`` is VROOM's (1-5; by default 5
    up to 100 stops, 4 above).
    """
    if len(problem.stops) > MAX_STOPS:
        raise TooManyStops(len(problem.stops))
    left_out: list[LeftOut] = []
    candidates: list[Stop] = []
    for stop in problem.stops:
        reason = why_left_out(problem, stop)
        if reason is None:
            candidates.append(stop)
        else:
            left_out.append(LeftOut(stop, reason))
    if not candidates:
        empty = schedule_order(problem, [])
        return dataclasses.replace(empty, left_out=left_out)

    by_job = {number: stop for number, stop in enumerate(candidates, start=1)}
    number_of = {stop.id: number for number, stop in by_job.items()}
    matrix = vroom_durations(problem)

    def build(order: Sequence[int], priorities: dict[int, int], tsp_fix: bool,
              steps: Sequence[tuple[str, int]] | None) -> vroom.Input:
        inp = vroom.Input(apply_TSPFix=tsp_fix)
        inp.set_durations_matrix("car", matrix)
        breaks = []
        if problem.lunch is not None:
            lunch = problem.lunch
            breaks.append(engine.lunch_break(LUNCH_ID, lunch.earliest, lunch.latest, lunch.duration))
        inp.add_vehicle(vroom.Vehicle(1, start=problem.start, end=problem.end,
                                      time_window=engine.time_window(problem.shift_start, problem.shift_end),
                                      breaks=breaks, steps=engine.initial_steps(steps) if steps else ()))
        inp.add_job([vroom_job(j, by_job[j], priorities[j], by_job[j].windows) for j in order])
        return inp

    jobs = list(by_job)
    priorities = {j: by_job[j].priority for j in jobs}
    limit = engine.default_time_limit(len(jobs)) if time_limit is None else time_limit
    level = engine.default_exploration_level(len(jobs)) if exploration_level is None else exploration_level

    def repair_run(run: engine.Run, seconds: float) -> engine.Run | None:
        began = time.monotonic()
        route = run.routes.get(1, [])
        planned = [by_job[s.job] for s in route if s.kind == "job" and s.job is not None]
        lunch_after = next((before for before, _ in _lunch_positions(route)), None)
        missing = [by_job[j] for j in jobs if j not in run.served]
        fixed = repair(problem, planned, lunch_after, missing, seconds * 0.6, matrix)
        if fixed is None:
            return None
        order, lunch_at = fixed
        steps = [("job", number_of[stop.id]) for stop in order]
        if lunch_at is not None:
            steps.insert(lunch_at, ("break", LUNCH_ID))
        try:
            return engine.run_vroom(build(jobs, priorities, False, steps), level, threads,
                                    seconds - (time.monotonic() - began))
        except (vroom._vroom.VroomInputException, vroom._vroom.VroomInternalException):
            # VROOM refused the repaired order as a starting point: keep it as it is.
            return _run_from_schedule(schedule_stops(problem, order, lunch_after=lunch_at), number_of)

    run = engine.search(build, jobs, priorities, exploration_level=level, threads=threads,
                        time_limit=limit, tsp_fix=_is_plain_tsp(problem, candidates), repair=repair_run)
    steps = run.routes.get(1, [])
    tour = tour_from_steps(problem, steps, by_job) if steps else schedule_order(problem, [])
    for number, stop in by_job.items():
        if number not in run.served:
            left_out.append(LeftOut(stop, diagnose_left_out(problem, tour, stop, matrix)))
    order_in_input = {stop.id: i for i, stop in enumerate(problem.stops)}
    left_out.sort(key=lambda item: order_in_input[item.stop.id])
    return dataclasses.replace(tour, left_out=left_out)


def picked_order_cost(problem: TourProblem, order: Sequence[Hashable]) -> tuple[int, int | None]:
    """Driving seconds and metres of the rep's own order (stops without a position skipped)."""
    located = [stop_id for stop_id in order if problem.stop(stop_id).location is not None]
    return travel_cost(problem, located)
