"""Spreading visits over several working days with the least total driving.

One VROOM vehicle per day. Times run on one clock from midnight of the first day (day ``d`` starts
at ``d * 86400``), so a stop's daily windows become one window per day it may be visited, and an
appointment pinned to a day only gets that day's window (plus a skill only that day's vehicle has).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import vroom

from fieldcrm.tours import engine
from fieldcrm.tours.problem import (
    DAY,
    MAX_STOPS,
    LeftOut,
    LeftOutReason,
    LunchBreak,
    MatrixLike,
    Stop,
    TooManyStops,
    TourProblem,
    TourSolution,
    Window,
)
from fieldcrm.tours.schedule import schedule_order
from fieldcrm.tours.solver import diagnose_left_out, tour_from_steps, vroom_durations, vroom_job, why_left_out


@dataclass(frozen=True)
class WorkDay:
    """One day of the week plan: where it starts and ends, working hours, lunch."""

    start: int
    end: int | None
    shift_start: int
    shift_end: int
    lunch: LunchBreak | None = None
    max_visits: int | None = None


@dataclass(frozen=True)
class WeekSolution:
    days: list[TourSolution]  # one tour per WorkDay, times relative to that day's midnight
    left_out: list[LeftOut]

    @property
    def travel_duration(self) -> int:
        return sum(day.travel_duration for day in self.days)

    @property
    def travel_distance(self) -> int | None:
        distances = [day.travel_distance for day in self.days]
        return None if any(d is None for d in distances) else sum(distances)  # type: ignore[misc]

    def day_of(self, stop_id: object) -> int | None:
        for index, day in enumerate(self.days):
            if stop_id in day.order:
                return index
        return None


def _day_problem(day: WorkDay, stops: Sequence[Stop], durations: MatrixLike,
                 distances: MatrixLike | None) -> TourProblem:
    return TourProblem(stops, durations, distances, start=day.start, end=day.end,
                       shift_start=day.shift_start, shift_end=day.shift_end, lunch=day.lunch)


def _allowed_days(stop: Stop, day_count: int) -> list[int]:
    if stop.day is not None:
        if not 0 <= stop.day < day_count:
            raise ValueError(f"stop {stop.id!r} is pinned to day {stop.day}, outside the plan")
        return [] if stop.day in stop.closed_days else [stop.day]
    return [d for d in range(day_count) if d not in stop.closed_days]


DayWindows = Mapping[Hashable, Sequence[tuple[Window, ...]]]


def _on_day(stop: Stop, d: int, day_windows: DayWindows | None) -> Stop:
    """The stop as it is on day ``d``: its windows of that day when they differ from day to day."""
    per_day = day_windows.get(stop.id) if day_windows else None
    return stop if per_day is None else dataclasses.replace(stop, windows=per_day[d])


def _week_windows(stop: Stop, days: Sequence[WorkDay], feasible: Sequence[int],
                  day_windows: DayWindows | None = None) -> list[Window]:
    windows: list[Window] = []
    for d in feasible:
        daily = _on_day(stop, d, day_windows).windows or ((days[d].shift_start, days[d].shift_end),)
        windows.extend((d * DAY + a, d * DAY + b) for a, b in daily)
    return windows


def solve_week(stops: Sequence[Stop], days: Sequence[WorkDay], durations: MatrixLike,
               distances: MatrixLike | None = None, *, exploration_level: int | None = None,
               threads: int = 2, time_limit: float | None = None,
               day_windows: DayWindows | None = None) -> WeekSolution:
    """Assign each stop to a day and order each day, minimising the week's total driving.

    ``day_windows``: for stops whose opening hours differ from day to day, stop id -> one tuple of
    windows per day of the plan (their ``windows`` are then ignored; closed days stay in
    ``closed_days``)."""
    if not days:
        raise ValueError("a week plan needs at least one day")
    if len(stops) > MAX_STOPS * len(days):
        raise TooManyStops(len(stops), MAX_STOPS * len(days))
    day_problems = [_day_problem(day, [], durations, distances) for day in days]
    left_out: list[LeftOut] = []
    feasible_days: dict[int, list[int]] = {}
    candidates: list[Stop] = []
    for stop in stops:
        allowed = _allowed_days(stop, len(days))
        reasons = {d: why_left_out(day_problems[d], _on_day(stop, d, day_windows)) for d in allowed}
        fits = [d for d in allowed if reasons[d] is None]
        if fits:
            feasible_days[len(candidates) + 1] = fits
            candidates.append(stop)
        else:
            found = [r for r in reasons.values() if r is not None]
            left_out.append(LeftOut(stop, found[0] if found else LeftOutReason.OUTSIDE_OPENING_HOURS))
    by_job = {number: stop for number, stop in enumerate(candidates, start=1)}
    runs_routes: dict[int, list[engine.Step]] = {}
    served: set[int] = set()
    matrix = vroom_durations(day_problems[0])
    if by_job:

        def build(order: Sequence[int], priorities: dict[int, int], tsp_fix: bool,
                  steps: Sequence[tuple[str, int]] | None) -> vroom.Input:
            inp = vroom.Input(apply_TSPFix=tsp_fix)
            inp.set_durations_matrix("car", matrix)
            for d, day in enumerate(days):
                breaks = []
                lunch = day_problems[d].lunch  # narrowed to the shift
                if lunch is not None:
                    breaks.append(engine.lunch_break(d + 1, d * DAY + lunch.earliest, d * DAY + lunch.latest,
                                                     lunch.duration))
                extra = {} if day.max_visits is None else {"max_tasks": day.max_visits}
                inp.add_vehicle(vroom.Vehicle(
                    d + 1, start=day.start, end=day.end, skills={d + 1},
                    time_window=engine.time_window(d * DAY + day.shift_start, d * DAY + day.shift_end),
                    breaks=breaks, **extra))
            for j in order:
                stop = by_job[j]
                skills = {stop.day + 1} if stop.day is not None else set()
                inp.add_job(vroom_job(j, stop, priorities[j],
                                      _week_windows(stop, days, feasible_days[j], day_windows), skills))
            return inp

        jobs = list(by_job)
        limit = engine.default_time_limit(len(jobs)) * 1.5 if time_limit is None else time_limit
        level = engine.default_exploration_level(len(jobs)) if exploration_level is None else exploration_level
        run = engine.search(build, jobs, {j: by_job[j].priority for j in jobs},
                            exploration_level=level, threads=threads, time_limit=limit)
        runs_routes, served = run.routes, run.served
    tours = []
    for d in range(len(days)):
        steps = runs_routes.get(d + 1, [])
        day_stops = [by_job[s.job] for s in steps if s.kind == "job" and s.job is not None]
        problem = dataclasses.replace(day_problems[d], stops=day_stops)
        if steps:
            tours.append(tour_from_steps(problem, steps, by_job, offset=d * DAY))
        else:
            tours.append(schedule_order(problem, []))
    for number, stop in by_job.items():
        if number not in served:
            reasons = set()
            for d in feasible_days[number]:
                reasons.add(diagnose_left_out(day_problems[d], tours[d], _on_day(stop, d, day_windows), matrix))
            reason = (LeftOutReason.OUTSIDE_OPENING_HOURS if LeftOutReason.OUTSIDE_OPENING_HOURS in reasons
                      else LeftOutReason.BEYOND_END_OF_DAY)
            left_out.append(LeftOut(stop, reason))
    position = {stop.id: i for i, stop in enumerate(stops)}
    left_out.sort(key=lambda item: position[item.stop.id])
    return WeekSolution(tours, left_out)
