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
from fieldcrm.tours.exact import EXACT_MAX_STOPS, solve_exact, worth
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
from fieldcrm.tours.repair import fits_somewhere, repair, trades
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
    """A stop that fits alone but not with the others: is it the day's appointments, its hours,
    or is the day too full?

    If the stop could be slotted somewhere in the planned tour once the appointments were free to
    move, they are the obstacle; if it could ignoring its own opening hours, its hours are;
    otherwise the day has no room left for it."""
    planned = [visit.stop for visit in tour.visits]
    if any(s.is_appointment for s in planned):
        free = [dataclasses.replace(s, windows=()) if s.is_appointment else s for s in planned]
        if fits_somewhere(problem, free, tour.lunch_after, stop, matrix):
            return LeftOutReason.CONFLICTS_WITH_APPOINTMENTS
    relaxed = dataclasses.replace(stop, windows=())
    if fits_somewhere(problem, planned, tour.lunch_after, relaxed, matrix):
        return LeftOutReason.OUTSIDE_OPENING_HOURS
    return LeftOutReason.BEYOND_END_OF_DAY


def keep_appointments(problem: TourProblem) -> tuple[TourProblem, list[LeftOut]]:
    """Appointments are fixed points: the day stretches to hold them (earlier start unless the
    day is under way, later end), and lunch gives way when it cannot fit between them. Of two
    appointments that cannot both be kept (the first ends, plus the drive, after the second
    begins), the earlier is kept and the other is left out naming it, with the drive and the gap.
    Returns the problem to solve and the stops left out."""
    appointments = sorted((s for s in problem.stops if s.is_appointment and s.location is not None
                           and problem.travel(problem.start, s.location) is not None
                           and (problem.end is None or problem.travel(s.location, problem.end) is not None)),
                          key=lambda s: s.windows[0][0])
    if not appointments:
        return problem, []
    shift_start, shift_end = problem.shift_start, problem.shift_end
    for stop in appointments:
        begins = stop.windows[0][0]
        if not problem.started:
            shift_start = min(shift_start, begins - int(problem.travel(problem.start, stop.location)))  # type: ignore[arg-type]
        back = 0 if problem.end is None else int(problem.travel(stop.location, problem.end))  # type: ignore[arg-type]
        shift_end = max(shift_end, begins + stop.service + back)
    left_out: list[LeftOut] = []
    if (shift_start, shift_end) != (problem.shift_start, problem.shift_end):
        # The day stretches for its appointments only: other visits stay within the working hours.
        hours = (problem.shift_start, problem.shift_end)
        kept_stops = []
        for stop in problem.stops:
            if stop.is_appointment or stop.location is None:
                kept_stops.append(stop)
                continue
            latest = hours[1] - stop.service
            windows = [(max(a, hours[0]), min(b, latest)) for a, b in stop.windows or ((hours[0], latest),)]
            windows = [(a, b) for a, b in windows if a <= b]
            if windows:
                kept_stops.append(dataclasses.replace(stop, windows=tuple(windows)))
            else:
                left_out.append(LeftOut(stop, LeftOutReason.OUTSIDE_OPENING_HOURS if stop.windows
                                        else LeftOutReason.BEYOND_END_OF_DAY))
        problem = dataclasses.replace(problem, stops=kept_stops)
    problem = dataclasses.replace(problem, shift_start=max(0, shift_start), shift_end=shift_end)
    kept: list[Stop] = []
    for stop in appointments:
        begins = stop.windows[0][0]
        if problem.shift_start + int(problem.travel(problem.start, stop.location)) > begins:  # type: ignore[arg-type]
            left_out.append(LeftOut(stop, LeftOutReason.CANNOT_ARRIVE_IN_TIME))
            continue
        if kept:
            before = kept[-1]
            ends = before.windows[0][0] + before.service
            drive = int(problem.travel(before.location, stop.location))  # type: ignore[arg-type]
            if ends + drive > begins:
                left_out.append(LeftOut(stop, LeftOutReason.APPOINTMENT_CONFLICT, other=before.id,
                                        travel=drive, gap=begins - ends))
                continue
        kept.append(stop)
    if problem.lunch is not None and not any(
            schedule_stops(problem, kept, lunch_after=at).feasible for at in range(len(kept) + 1)):
        problem = dataclasses.replace(problem, lunch=None)
    return problem, left_out


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

    Appointments are fixed points (see ``keep_appointments``). Stops that cannot fit are returned
    in ``left_out`` with a reason; when not everything fits, appointments are kept first, then
    overdue follow-ups, then clients due, then the rest (``Stop.tier``), then by priority. Up to
    EXACT_MAX_STOPS stops the answer is the proven best (``exact.solve_exact``); above, VROOM's.
    ``time_limit`` (seconds) bounds the VROOM search; by default 1 s up to 60 stops, growing to
    9 s from 140 stops. ``exploration_level`` is VROOM's (1-5; by default 5 up to 100 stops, 4 above).
    On a day too full (more than EXACT_MAX_STOPS candidates, some left out) a second, shallower
    search is run too (its own cap, QUICK_MAX_SECONDS), then small stops are traded for more
    important ones (``_ruin_and_recreate``) and kept stops for others worth as much that drive less
    (``_trade_equals``).
    """
    if len(problem.stops) > MAX_STOPS:
        raise TooManyStops(len(problem.stops))
    asked = problem
    problem, left_out = keep_appointments(problem)
    set_aside = {item.stop.id for item in left_out}
    candidates: list[Stop] = []
    for stop in problem.stops:
        if stop.id in set_aside:
            continue
        reason = why_left_out(problem, stop)
        if reason is None:
            candidates.append(stop)
        else:
            left_out.append(LeftOut(stop, reason))
    if not candidates:
        empty = schedule_order(problem, [])
        return dataclasses.replace(empty, left_out=_in_input_order(asked, left_out))

    by_job = {number: stop for number, stop in enumerate(candidates, start=1)}
    matrix = vroom_durations(problem)
    limit = engine.default_time_limit(len(by_job)) if time_limit is None else time_limit
    level = engine.default_exploration_level(len(by_job)) if exploration_level is None else exploration_level
    searcher = VroomSearch(problem, by_job, matrix, level, threads)
    tour = searcher.tiered(limit)
    if len(candidates) > EXACT_MAX_STOPS and len(tour.visits) < len(candidates) and level > QUICK_LEVEL:
        # A day too full: the deep search shares its time among the tiers and may be cut short;
        # a shallower one finishes, and often chooses better among stops worth as much.
        quick = VroomSearch(problem, by_job, matrix, QUICK_LEVEL, threads).tiered(min(limit, QUICK_MAX_SECONDS))
        tour = max(tour, quick, key=_tier_score)
    if len(candidates) <= EXACT_MAX_STOPS and problem.stops:
        served = len(tour.visits) == len(candidates) and tour.feasible
        proven = solve_exact(problem, candidates, known_complete_cost=tour.travel_duration if served else None,
                             deadline=time.thread_time() + EXACT_SECONDS)
        if proven is None and served:  # VROOM's tour times differently: search every subset
            proven = solve_exact(problem, candidates, deadline=time.thread_time() + EXACT_SECONDS)
        if proven is not None and proven.feasible:
            tour = proven
    tour = _with_every_appointment(problem, candidates, tour, matrix)
    if len(candidates) > EXACT_MAX_STOPS and len(tour.visits) < len(candidates):
        tour = _ruin_and_recreate(problem, candidates, tour, matrix, RECREATE_SECONDS, searcher.shortest)
        tour = _trade_equals(problem, candidates, tour, matrix, TRADE_SECONDS, searcher.shortest)
    served_ids = {visit.stop.id for visit in tour.visits}
    for stop in candidates:
        if stop.id not in served_ids:
            left_out.append(LeftOut(stop, diagnose_left_out(problem, tour, stop, matrix)))
    return dataclasses.replace(tour, left_out=_in_input_order(asked, left_out))


def _with_every_appointment(problem: TourProblem, candidates: Sequence[Stop], tour: TourSolution,
                            matrix: list[list[int]]) -> TourSolution:
    """The tour, if it keeps every appointment ``keep_appointments`` kept; otherwise a tour built
    from those appointments (they fit together: the day was stretched for them, lunch gave way)
    with as many of the other stops as can be slotted between them. An appointment is never set
    aside for a search that did not find room for it."""
    appointments = [stop for stop in candidates if stop.is_appointment]
    served = {visit.stop.id for visit in tour.visits}
    if all(stop.id in served for stop in appointments):
        return tour
    appointments.sort(key=lambda stop: stop.windows[0][0])
    tries = [None] if problem.lunch is None else range(len(appointments) + 1)
    base = next((at for at in tries if schedule_stops(problem, appointments, lunch_after=at).feasible), None)
    if base is None and problem.lunch is not None:
        return tour  # keep_appointments drops lunch when it cannot fit between the appointments
    others = [stop for stop in candidates if not stop.is_appointment]
    fixed = repair(problem, appointments, base, others, REPAIR_SECONDS, matrix) if others else None
    order, lunch_after = fixed if fixed is not None else (appointments, base)
    rebuilt = schedule_stops(problem, order, lunch_after=lunch_after)
    return rebuilt if rebuilt.feasible else tour


def _ruin_and_recreate(problem: TourProblem, candidates: Sequence[Stop], tour: TourSolution,
                       matrix: list[list[int]], seconds: float, shortest) -> TourSolution:
    """On a day too full for every stop, a search may keep several small stops where fewer more
    important ones would fit. For each priority of a stop left out, the kept stops (appointments
    aside) of lower priority are taken out and every stop not in the tour is slotted back, most
    important first; a new set of stops is then ordered for the least driving (``shortest``), and
    the best day by ``worth`` (then the least driving) is kept."""
    deadline = time.monotonic() + seconds
    best = tour
    for threshold in sorted({s.priority for s in candidates
                             if s.id not in {v.stop.id for v in tour.visits}}, reverse=True):
        kept = [v.stop for v in tour.visits if v.stop.is_appointment or v.stop.priority >= threshold]
        if len(kept) == len(tour.visits):
            continue
        ruined = schedule_stops(problem, kept, lunch_after=_lunch_index(tour, kept))
        if not ruined.feasible:
            continue
        served = {stop.id for stop in kept}
        missing = [stop for stop in candidates if stop.id not in served]
        for nearest_first in (False, True):
            if time.monotonic() > deadline:
                return best
            fixed = repair(problem, kept, ruined.lunch_after, missing,
                           max(0.05, (deadline - time.monotonic()) / 2), matrix, nearest_first=nearest_first)
            if fixed is None:
                continue
            rebuilt = schedule_stops(problem, fixed[0], lunch_after=fixed[1])
            if rebuilt.feasible and _tier_score(rebuilt)[:-1] >= _tier_score(best)[:-1] and \
                    {v.stop.id for v in rebuilt.visits} != {v.stop.id for v in best.visits}:
                shorter = shortest(fixed[0], SHORTEST_SECONDS)
                if shorter.feasible and _tier_score(shorter) > _tier_score(rebuilt):
                    rebuilt = shorter
                if _tier_score(rebuilt) > _tier_score(best):
                    best = rebuilt
    return best


def _trade_equals(problem: TourProblem, candidates: Sequence[Stop], tour: TourSolution,
                  matrix: list[list[int]], seconds: float, shortest) -> TourSolution:
    """On a day too full, the stops kept are one choice among others worth as much. Kept stops are
    traded for left-out ones of the same tier and priority (``repair.trades``): one trade that
    drives less, or failing that two in a row (the first may drive a little more, up to
    TRADE_SLACK); the new set is ordered for the least driving (``shortest``) and the day kept if it
    drives less; again from it, until no trade saves driving or time runs out."""
    deadline = time.monotonic() + seconds
    best = tour
    seen = {frozenset(visit.stop.id for visit in tour.visits)}

    def left(order: Sequence[Stop]) -> list[Stop]:
        served = {stop.id for stop in order}
        return [stop for stop in candidates if stop.id not in served]

    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        planned = [visit.stop for visit in best.visits]
        options = trades(problem, planned, best.lunch_after, left(planned),
                         int(best.travel_duration * (1 + TRADE_SLACK)), matrix)
        found = [option for option in options if option[0] < best.travel_duration]
        for _driving, order, lunch_after in ([] if found else options[:TRADES_TRIED]):
            if time.monotonic() > deadline:
                break
            found += trades(problem, order, lunch_after, left(order), best.travel_duration, matrix)[:1]
        found.sort(key=lambda option: option[0])
        for _driving, order, lunch_after in found[:TRADES_TRIED]:
            if time.monotonic() > deadline:
                return best
            key = frozenset(stop.id for stop in order)
            if key in seen:
                continue
            seen.add(key)
            traded = schedule_stops(problem, order, lunch_after=lunch_after)
            if not traded.feasible:
                continue
            shorter = shortest(order, min(SHORTEST_SECONDS, max(0.05, deadline - time.monotonic())))
            if shorter.feasible and _tier_score(shorter) > _tier_score(traded):
                traded = shorter
            if _tier_score(traded) > _tier_score(best):
                best, improved = traded, True
                break
    return best


def _lunch_index(tour: TourSolution, kept: Sequence[Stop]) -> int | None:
    """Where lunch falls among the ``kept`` visits of ``tour`` (same order, some visits taken out)."""
    if tour.lunch_after is None:
        return None
    before = {visit.stop.id for visit in tour.visits[:tour.lunch_after]}
    return sum(1 for stop in kept if stop.id in before)


QUICK_LEVEL = 3  # VROOM's exploration level for a second search on a day too full
QUICK_MAX_SECONDS = 1.0  # for that search, at most the time limit (a cap: 0.2 s at 30 stops)
RECREATE_SECONDS = 1.0  # to trade small stops for more important ones on a day too full
SHORTEST_SECONDS = 0.5  # then to order a new set of stops
TRADE_SECONDS = 0.3  # to trade kept stops for left-out ones worth as much when that drives less
TRADES_TRIED = 6  # trades ordered anew each round, the least driving first
TRADE_SLACK = 0.03  # a first trade may drive up to 3 % more if a second one then saves driving
REPAIR_SECONDS = 1.0  # to slot the other stops between appointments a search had left out
EXACT_SECONDS = 4.0  # CPU seconds; beyond, the exact search gives way to VROOM's tour (12 stops: about 1 s)


def _in_input_order(problem: TourProblem, left_out: list[LeftOut]) -> list[LeftOut]:
    order_in_input = {stop.id: i for i, stop in enumerate(problem.stops)}
    return sorted(left_out, key=lambda item: order_in_input[item.stop.id])


def _tier_score(tour: TourSolution) -> tuple[int, ...]:
    return (*worth([visit.stop for visit in tour.visits]), -tour.travel_duration)


class VroomSearch:
    """VROOM searches over a subset of the candidate stops (job numbers), with repairs."""

    def __init__(self, problem: TourProblem, by_job: dict[int, Stop], matrix: list[list[int]],
                 level: int, threads: int) -> None:
        self.problem, self.by_job, self.matrix = problem, by_job, matrix
        self.number_of = {stop.id: number for number, stop in by_job.items()}
        self.level, self.threads = level, threads

    def build(self, order: Sequence[int], priorities: dict[int, int], tsp_fix: bool,
              steps: Sequence[tuple[str, int]] | None) -> vroom.Input:
        problem = self.problem
        inp = vroom.Input(apply_TSPFix=tsp_fix)
        inp.set_durations_matrix("car", self.matrix)
        breaks = []
        if problem.lunch is not None:
            lunch = problem.lunch
            breaks.append(engine.lunch_break(LUNCH_ID, lunch.earliest, lunch.latest, lunch.duration))
        inp.add_vehicle(vroom.Vehicle(1, start=problem.start, end=problem.end,
                                      time_window=engine.time_window(problem.shift_start, problem.shift_end),
                                      breaks=breaks, steps=engine.initial_steps(steps) if steps else ()))
        inp.add_job([vroom_job(j, self.by_job[j], priorities[j], self.by_job[j].windows) for j in order])
        return inp

    def run(self, jobs: list[int], priorities: dict[int, int], seconds: float) -> TourSolution:
        problem, by_job, number_of = self.problem, self.by_job, self.number_of

        def repair_run(run: engine.Run, allowed: float) -> engine.Run | None:
            began = time.monotonic()
            route = run.routes.get(1, [])
            planned = [by_job[s.job] for s in route if s.kind == "job" and s.job is not None]
            lunch_after = next((before for before, _ in _lunch_positions(route)), None)
            missing = [by_job[j] for j in jobs if j not in run.served]
            fixed = repair(problem, planned, lunch_after, missing, allowed * 0.6, self.matrix)
            if fixed is None:
                return None
            order, lunch_at = fixed
            steps = [("job", number_of[stop.id]) for stop in order]
            if lunch_at is not None:
                steps.insert(lunch_at, ("break", LUNCH_ID))
            try:
                return engine.run_vroom(self.build(jobs, priorities, False, steps), self.level, self.threads,
                                        allowed - (time.monotonic() - began))
            except (vroom._vroom.VroomInputException, vroom._vroom.VroomInternalException):
                # VROOM refused the repaired order as a starting point: keep it as it is.
                return _run_from_schedule(schedule_stops(problem, order, lunch_after=lunch_at), number_of)

        stops = [by_job[j] for j in jobs]
        run = engine.search(self.build, jobs, priorities, exploration_level=self.level, threads=self.threads,
                            time_limit=seconds, tsp_fix=_is_plain_tsp(problem, stops), repair=repair_run)
        steps = run.routes.get(1, [])
        return tour_from_steps(problem, steps, by_job) if steps else schedule_order(problem, [])

    def shortest(self, stops: Sequence[Stop], seconds: float) -> TourSolution:
        """The least driving order of these stops (all of them fit the day)."""
        jobs = [self.number_of[stop.id] for stop in stops]
        return self.run(jobs, {j: engine.MAX_PRIORITY for j in jobs}, seconds)

    def tiered(self, seconds: float) -> TourSolution:
        """Every stop at its own priority first; if that drops a stop of a higher tier while
        keeping one of a lower tier, again tier by tier: the stops kept so far weigh 100 (more than
        all the stops of the next tier together, at 1 each), the next tier is added, and so on."""
        deadline = time.monotonic() + seconds
        jobs = list(self.by_job)
        tiers = sorted({self.by_job[j].tier for j in jobs}, reverse=True)
        share = seconds / (1 + len(tiers)) if len(tiers) > 1 else seconds
        plain = {j: self.by_job[j].priority for j in jobs}
        best = self.run(jobs, plain, share)
        served = {self.number_of[v.stop.id] for v in best.visits}
        left_tiers = {self.by_job[j].tier for j in jobs if j not in served}
        if not left_tiers or (served and max(left_tiers) <= min(self.by_job[j].tier for j in served)):
            return best
        kept: list[int] = []
        for tier in tiers:
            adding = [j for j in jobs if self.by_job[j].tier == tier]
            weights = {j: engine.MAX_PRIORITY for j in kept} | {j: 1 for j in adding}
            remaining = max(0.05, (deadline - time.monotonic()) / max(1, len(tiers) - tiers.index(tier)))
            tour = self.run(kept + adding, weights, remaining)
            got = {self.number_of[v.stop.id] for v in tour.visits}
            if set(kept) <= got:
                kept = [j for j in kept + adding if j in got]
                if _tier_score(tour) > _tier_score(best):
                    best = tour
        return best


def picked_order_cost(problem: TourProblem, order: Sequence[Hashable]) -> tuple[int, int | None]:
    """Driving seconds and metres of the rep's own order (stops without a position skipped)."""
    located = [stop_id for stop_id in order if problem.stop(stop_id).location is not None]
    return travel_cost(problem, located)
