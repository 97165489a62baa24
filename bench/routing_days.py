"""Reps' days over real French communes: exactness on small days, the gap on overloaded days.

    .venv/bin/python bench/routing.py --days        # this table only (about five minutes of CPU; the 12-stop proofs take a minute each)
    .venv/bin/python bench/routing.py --overloaded 4  # only overloaded day #4 (several: 3,4; all: --overloaded all)

Days are generated over the communes of fieldcrm/geo (town halls), around a home commune: shops
with opening hours closed at lunch, a few fixed appointments, a 45-minute lunch, 08:30-18:30,
driving times from the app's estimate (tours/estimate.py), as the app plans them.

- Small days (6-7 stops): ``solve_tour`` against brute force over every subset, order and place of
  lunch, timed by the independent schedule code, on the day as the planner takes it (appointments
  stretch the day; of two that clash, the later is out); "exact" counts the days where both agree.
- Days of 9-12 stops, too many for brute force: ``solve_tour`` (exact by dynamic programming)
  against a second method, a depth-first search with bounds written apart from it
  (``branch_and_bound``); and VROOM alone, with the app's own search settings, against it: how far
  VROOM alone is from the optimum.
- Overloaded days (25-40 candidate stops, far more than fit): ``solve_tour`` against a long search
  (ten VROOM runs of 3 s at exploration levels 1-5, the jobs shuffled differently each run, stops
  kept tier by tier the same way). Compared: the stops kept per tier (appointments, overdue
  follow-ups, clients due, the rest) and then the driving.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import random
import statistics
import time

from fieldcrm.geo.bounds import distance_km
from fieldcrm.geo.communes import all_communes, communes_named
from fieldcrm.tours.estimate import estimated_matrix
from fieldcrm.tours.exact import worth
from fieldcrm.tours.problem import LunchBreak, Stop, TourProblem
from fieldcrm.tours.schedule import schedule_stops
from fieldcrm.tours.solver import VroomSearch, keep_appointments, solve_tour, vroom_durations, why_left_out

HOMES = ["Lyon", "Saint-Étienne", "Bourg-en-Bresse", "Grenoble", "Mâcon", "Valence", "Aurillac", "Vannes"]


def at(hours: float) -> int:
    return round(hours * 3600)


@functools.lru_cache(maxsize=32)
def _communes_around(name: str, radius_km: float):
    """The home's town hall and the communes (one per INSEE code) within the radius."""
    home = max(communes_named(name), key=lambda c: c.population)
    near = {c.insee: c for c in all_communes() if c.insee != home.insee
            and distance_km(home.lat, home.lon, c.lat, c.lon) <= radius_km}
    return home, sorted(near.values(), key=lambda c: c.insee)


def generated_day(rng: random.Random, stops: int, *, radius_km: float = 35, appointments: int = 2,
                  tiers: bool = False, services=(900, 1200, 1800, 2700)) -> TourProblem:
    home, near = _communes_around(rng.choice(HOMES), radius_km)
    places = rng.sample(near, stops)
    points = [(home.lat, home.lon)] + [(c.lat, c.lon) for c in places]
    durations, distances = estimated_matrix(points)
    hours = [((at(9), at(12)), (at(14), at(18.5))), ((at(8.5), at(12.5)), (at(13.5), at(17)))]
    times = sorted(rng.sample([9, 10, 11, 14, 15, 16, 17], k=appointments))
    chosen = []
    for i, commune in enumerate(places, start=1):
        service = rng.choice(services)
        priority = 50
        if tiers:
            priority = rng.choices([80, 60, 50, 30], weights=[2, 4, 6, 3])[0]
        if i <= appointments:
            chosen.append(Stop.appointment(commune.name + f"#{i}", i, at(times[i - 1]), service))
        elif rng.random() < 0.4:
            chosen.append(Stop(commune.name + f"#{i}", i, service, rng.choice(hours), priority))
        else:
            chosen.append(Stop(commune.name + f"#{i}", i, service, (), priority))
    return TourProblem(chosen, durations, distances, start=0, end=0, shift_start=at(8.5), shift_end=at(18.5),
                       lunch=LunchBreak(at(12), at(13.5), 2700))


def _value(stops, travel: int) -> tuple[int, ...]:
    return (*worth(stops), -travel)


def brute_force(problem: TourProblem) -> tuple[int, ...]:
    """The best value over every subset, order and place of lunch, on the day as the planner
    takes it: appointments stretch the day, and one that clashes with an earlier one is out."""
    problem = _as_planned(problem)
    best = None
    for size in range(len(problem.stops) + 1):
        for subset in itertools.combinations(problem.stops, size):
            for order in itertools.permutations(subset):
                for lunch_after in range(size + 1):
                    tour = schedule_stops(problem, order, lunch_after=lunch_after)
                    if tour.feasible:
                        found = _value(order, tour.travel_duration)
                        best = found if best is None or found > best else best
    return best


def branch_and_bound(problem: TourProblem, value=None) -> tuple[int, ...] | None:
    """The best value (``_value`` by default: appointments, then tiers, priority, stops, then the
    least driving) over every subset, order and place of lunch, found by depth-first search with
    bounds: a second method, sharing nothing with the planner's dynamic programming, to check it
    beyond the sizes brute force can enumerate (9-12 stops). The timing rules are those of
    ``schedule.schedule_stops``, written again here: earliest start in the first window still open,
    service, lunch at the current place before driving on (or at the end), back by the end of the day.

    Bound: a partial tour can at best add every stop it can still reach before its last window
    closes; and to equal the worth of the best tour found it must add all of them (any fewer is
    worth strictly less), each driving at least its cheapest way in."""
    value = value or (lambda stops, drive: _value(stops, drive))
    stops = list(problem.stops)
    n = len(stops)
    travel = problem.travel
    lunch, end, shift_end = problem.lunch, problem.end, problem.shift_end
    places = [problem.start] + [s.location for s in stops]  # place k: the start (0) or stop k - 1
    cheapest_in = [min((travel(a, s.location) for k, a in enumerate(places) if k != j + 1
                        and travel(a, s.location) is not None), default=0) for j, s in enumerate(stops)]
    last_close = [s.windows[-1][1] if s.windows else shift_end for s in stops]
    best: list[tuple[int, ...] | None] = [None]

    def begin_at(j: int, arrival: int) -> int | None:
        if not stops[j].windows:
            return arrival
        for opens, closes in stops[j].windows:
            if arrival <= closes:
                return max(arrival, opens)
        return None

    def close_day(served: list[Stop], clock: int, place: int, lunched: bool, drive: int) -> None:
        if lunch is not None and not lunched:
            starts = max(clock, lunch.earliest)
            if starts > lunch.latest:
                return
            clock = starts + lunch.duration
        back = 0 if end is None else travel(place, end)
        if back is None or clock + back > shift_end:
            return
        found = value(served, drive + back)
        if best[0] is None or found > best[0]:
            best[0] = found

    def search(mask: int, served: list[Stop], clock: int, place: int, lunched: bool, drive: int) -> None:
        close_day(served, clock, place, lunched, drive)
        open_ = [j for j in range(n) if not mask >> j & 1 and travel(place, stops[j].location) is not None
                 and clock + travel(place, stops[j].location) <= last_close[j]]
        if best[0] is not None:
            bound = value(served + [stops[j] for j in open_], drive + sum(cheapest_in[j] for j in open_))
            if bound <= best[0]:
                return
        for j in open_:
            drive_to = travel(place, stops[j].location)
            for lunch_first in ((False, True) if lunch is not None and not lunched else (False,)):
                leave = clock
                if lunch_first:
                    starts = max(clock, lunch.earliest)
                    if starts > lunch.latest:
                        continue
                    leave = starts + lunch.duration
                starts = begin_at(j, leave + drive_to)
                if starts is None:
                    continue
                search(mask | 1 << j, served + [stops[j]], starts + stops[j].service, stops[j].location,
                       lunched or lunch_first, drive + drive_to)

    search(0, [], problem.shift_start, problem.start, lunch is None, 0)
    return best[0]


def vroom_alone(problem: TourProblem, seconds: float = 1.0, level: int = 5, seed: int | None = None):
    """VROOM as the app drives it (repairs, tiers), without the exact search."""
    problem, _left = keep_appointments(problem)
    candidates = [s for s in problem.stops if why_left_out(problem, s) is None]
    if seed is not None:
        random.Random(seed).shuffle(candidates)
    search = VroomSearch(problem, dict(enumerate(candidates, start=1)), vroom_durations(problem), level, 2)
    return search.tiered(seconds)


def _solved(problem: TourProblem):
    """The app's tour and the CPU seconds it took (wall time on a busy machine says little)."""
    began = time.process_time()
    tour = solve_tour(problem)
    return tour, time.process_time() - began


def small_days(count: int = 24) -> list[str]:
    rng = random.Random(2026)
    agree, times = 0, []
    for number in range(count):
        problem = generated_day(rng, 6 if number % 3 else 7, radius_km=25)
        tour, seconds = _solved(problem)
        times.append(seconds)
        agree += _value([v.stop for v in tour.visits], tour.travel_duration) == brute_force(problem) and tour.feasible
    return [f"  small days, 6-7 stops       {count:>4} days   exact (= brute force) {agree}/{count}"
            f"   CPU mean {statistics.mean(times):.2f} s, max {max(times):.2f} s"]


def _as_planned(problem: TourProblem) -> TourProblem:
    """The day as the planner takes it: appointments stretch the day, one that clashes with an
    earlier one is out."""
    problem, clashing = keep_appointments(problem)
    out = {item.stop.id for item in clashing}
    return dataclasses.replace(problem, stops=[s for s in problem.stops if s.id not in out])


def medium_days(count: int = 12) -> tuple[list[str], list[str]]:
    """Days of 9-12 stops: the planner against the second method (proof of optimality), and VROOM
    alone against the planner."""
    rng = random.Random(7)
    gaps, times, worse, proven, proof_times = [], [], 0, 0, []
    for number in range(count):
        problem = generated_day(rng, 9 + number % 4, radius_km=30)
        tour, seconds = _solved(problem)
        times.append(seconds)
        ours = _value([v.stop for v in tour.visits], tour.travel_duration)
        began = time.process_time()
        proven += tour.feasible and ours == branch_and_bound(_as_planned(problem))
        proof_times.append(time.process_time() - began)
        alone = vroom_alone(problem)
        theirs = _value([v.stop for v in alone.visits], alone.travel_duration)
        if theirs[:-1] < ours[:-1]:
            worse += 1  # VROOM alone kept fewer stops
        elif theirs[:-1] == ours[:-1]:
            gaps.append(100.0 * (alone.travel_duration - tour.travel_duration) / max(1, tour.travel_duration))
    lines = [f"  days of 9-12 stops          {count:>4} days   exact (= second method) {proven}/{count}"
             f"   CPU mean {statistics.mean(times):.2f} s, max {max(times):.2f} s"
             f"   (the second method: mean {statistics.mean(proof_times):.1f} s, max {max(proof_times):.1f} s)",
             f"  {'':<28}{'':>4}        VROOM alone vs exact: kept fewer stops on {worse},"
             f" drove more by {statistics.mean(gaps) if gaps else 0:.2f} % on average (max {max(gaps, default=0):.2f} %)"]
    return lines, [] if proven == count else [f"days of 9-12 stops: exact on {proven}/{count} only"]


LONG_LEVELS = (5, 4, 3, 2, 1)


def overloaded_days(sizes=(25, 30, 35, 40), per_size: int = 2, long_runs: int = 10,
                    long_seconds: float = 3.0, only: set[int] | None = None) -> tuple[list[str], list[str]]:
    """The table of overloaded days, and the days that miss the target: as many stops kept, tier by
    tier, as the long search (or more), and for the same stops no more than 1 % more driving.
    ``only``: the numbers (from 1, in table order) of the days to run; the others are generated
    (the same days either way) but not solved."""
    rng = random.Random(40)
    lines = [f"  long search: {long_runs} VROOM runs of {long_seconds:.0f} s per day, exploration levels"
             f" {'/'.join(map(str, LONG_LEVELS))}, the jobs shuffled differently each run",
             f"  {'overloaded day':<28}{'kept (rdv/80+/60+/rest)':>26}{'long search':>26}{'gap %':>8}"
             f"{'cpu s':>8}{'long s':>8}"]
    misses = []
    number = 0
    for size in sizes:
        for _copy in range(per_size):
            problem = generated_day(rng, size, radius_km=20, appointments=3, tiers=True, services=(600, 900, 1200))
            number += 1
            if only and number not in only:
                continue
            tour, seconds = _solved(problem)
            began = time.perf_counter()
            best = None
            for run in range(long_runs):
                found = vroom_alone(problem, long_seconds, level=LONG_LEVELS[run % len(LONG_LEVELS)], seed=run)
                if best is None or _value([v.stop for v in found.visits], found.travel_duration) > \
                        _value([v.stop for v in best.visits], best.travel_duration):
                    best = found
            long_time = time.perf_counter() - began
            ours, theirs = worth([v.stop for v in tour.visits]), worth([v.stop for v in best.visits])
            label = f"#{number} {size} candidates, {len(problem.stops) - len(tour.visits)} left out"
            if ours == theirs:  # the same stops kept (by tier, priority and number): compare the driving
                gap_value = 100.0 * (tour.travel_duration - best.travel_duration) / max(1, best.travel_duration)
                gap = f"{gap_value:.2f}"
                if gap_value > 1.0:
                    misses.append(f"{label}: {gap} % more driving than the long search")
            elif ours > theirs:
                gap = "more +"  # keeps more (or more important) stops than the long search
            else:
                gap = "fewer -"
                misses.append(f"{label}: fewer or less important stops kept than the long search")
            if not tour.feasible:
                misses.append(f"{label}: the plan breaks a window or the end of the day")

            def kept(tiers, visits):
                rest = len(visits) - sum(tiers[:3])
                return f"{tiers[0]}/{tiers[1]}/{tiers[2]}/{rest} ({len(visits)})"

            lines.append(f"  {label}".ljust(30) + f"{kept(ours, tour.visits):>24}{kept(theirs, best.visits):>26}"
                         f"{gap:>8}{seconds:>8.2f}{long_time:>8.1f}")
    return lines, misses


def run_days() -> tuple[list[str], list[str]]:
    lines = ["reps' days over real communes (fieldcrm/geo), estimated driving times:"]
    lines += small_days()
    misses = [line.strip() for line in lines if "exact (= brute force)" in line
              and line.split("brute force) ")[1].split("/")[0] != line.split("/")[1].split()[0]]
    medium, medium_misses = medium_days()
    overloaded, overloaded_misses = overloaded_days()
    return lines + medium + overloaded, misses + medium_misses + overloaded_misses
