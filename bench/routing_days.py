"""Reps' days over real French communes: exactness on small days, the gap on overloaded days.

    .venv/bin/python bench/routing.py --days        # this table only (about two minutes on 2 cores)

Days are generated over the communes of fieldcrm/geo (town halls), around a home commune: shops
with opening hours closed at lunch, a few fixed appointments, a 45-minute lunch, 08:30-18:30,
driving times from the app's estimate (tours/estimate.py), as the app plans them.

- Small days (6-7 stops): ``solve_tour`` against brute force over every subset, order and place of
  lunch, timed by the independent schedule code, on the day as the planner takes it (appointments
  stretch the day; of two that clash, the later is out); "exact" counts the days where both agree.
- Days of 9-12 stops: ``solve_tour`` (exact by dynamic programming) against VROOM alone, with the
  app's own search settings: how far VROOM alone is from the optimum.
- Overloaded days (25-40 candidate stops, far more than fit): ``solve_tour`` against a long search
  (VROOM at exploration levels 3-5 with the jobs in several shuffled orders, several seconds each,
  stops kept tier by tier the same way). Compared: the stops kept per tier (appointments, overdue
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
    problem, clashing = keep_appointments(problem)
    out = {item.stop.id for item in clashing}
    problem = dataclasses.replace(problem, stops=[s for s in problem.stops if s.id not in out])
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


def _vroom_alone(problem: TourProblem, seconds: float = 1.0, level: int = 5, seed: int | None = None):
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


def medium_days(count: int = 12) -> list[str]:
    rng = random.Random(7)
    gaps, times, worse = [], [], 0
    for number in range(count):
        problem = generated_day(rng, 9 + number % 4, radius_km=30)
        tour, seconds = _solved(problem)
        times.append(seconds)
        alone = _vroom_alone(problem)
        ours, theirs = _value([v.stop for v in tour.visits], tour.travel_duration), \
            _value([v.stop for v in alone.visits], alone.travel_duration)
        if theirs[:-1] < ours[:-1]:
            worse += 1  # VROOM alone kept fewer stops
        elif theirs[:-1] == ours[:-1]:
            gaps.append(100.0 * (alone.travel_duration - tour.travel_duration) / max(1, tour.travel_duration))
    return [f"  days of 9-12 stops          {count:>4} days   VROOM alone vs exact: kept fewer stops on {worse},"
            f" drove more by {statistics.mean(gaps) if gaps else 0:.2f} % on average (max {max(gaps, default=0):.2f} %)"
            f"   CPU mean {statistics.mean(times):.2f} s, max {max(times):.2f} s"]


LONG_LEVELS = (5, 4, 3, 2, 1)


def overloaded_days(sizes=(25, 30, 35, 40), per_size: int = 2, long_runs: int = 10,
                    long_seconds: float = 3.0) -> tuple[list[str], list[str]]:
    """The table of overloaded days, and the days that miss the target: the same stops kept per
    tier as the long search (or more), and no more than 1 % more driving."""
    rng = random.Random(40)
    lines = [f"  long search: {long_runs} VROOM runs of {long_seconds:.0f} s per day, exploration levels"
             f" {'/'.join(map(str, LONG_LEVELS))}, the jobs shuffled differently each run",
             f"  {'overloaded day':<28}{'kept (rdv/80+/60+/rest)':>26}{'long search':>26}{'gap %':>8}"
             f"{'cpu s':>8}{'long s':>8}"]
    misses = []
    for size in sizes:
        for _copy in range(per_size):
            problem = generated_day(rng, size, radius_km=20, appointments=3, tiers=True, services=(600, 900, 1200))
            tour, seconds = _solved(problem)
            began = time.perf_counter()
            best = None
            for run in range(long_runs):
                found = _vroom_alone(problem, long_seconds, level=LONG_LEVELS[run % len(LONG_LEVELS)], seed=run)
                if best is None or _value([v.stop for v in found.visits], found.travel_duration) > \
                        _value([v.stop for v in best.visits], best.travel_duration):
                    best = found
            long_time = time.perf_counter() - began
            ours, theirs = worth([v.stop for v in tour.visits]), worth([v.stop for v in best.visits])
            label = f"{size} candidates, {len(problem.stops) - len(tour.visits)} left out"
            if ours[:3] == theirs[:3]:
                gap_value = 100.0 * (tour.travel_duration - best.travel_duration) / max(1, best.travel_duration)
                gap = f"{gap_value:.2f}"
                if gap_value > 1.0:
                    misses.append(f"{label}: {gap} % more driving than the long search")
            else:
                gap = "tiers" + (" +" if ours[:3] > theirs[:3] else " -")
                if ours[:3] < theirs[:3]:
                    misses.append(f"{label}: fewer important stops kept than the long search")
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
    lines += medium_days()
    misses = [line.strip() for line in lines if "exact (= brute force)" in line
              and line.split("brute force) ")[1].split("/")[0] != line.split("/")[1].split()[0]]
    overloaded, overloaded_misses = overloaded_days()
    return lines + overloaded, misses + overloaded_misses
