"""Small days are solved exactly: the planner's tour is checked against brute force on random days
with opening hours, service times, lunch, priorities and fixed appointments."""

from __future__ import annotations

import itertools
import math
import random
import time

import pytest

from bench.routing_days import branch_and_bound
from fieldcrm.tours.exact import EXACT_MAX_STOPS, solve_exact
from fieldcrm.tours.problem import LunchBreak, Stop, TourProblem
from fieldcrm.tours.schedule import schedule_stops
from fieldcrm.tours.solver import solve_tour


def h(hours: float) -> int:
    return round(hours * 3600)


def random_day(rng: random.Random, stops: int, *, tight: bool) -> TourProblem:
    """A rep's day on a 40 km square: some shops with opening hours (a lunch closure), some
    appointments, a lunch break; `tight` makes the day too short for every stop."""
    places = [(rng.uniform(0, 40), rng.uniform(0, 40)) for _ in range(stops + 1)]
    matrix = [[round(math.dist(a, b) * 1.3 * 72) for b in places] for a in places]  # 50 km/h
    chosen: list[Stop] = []
    appointment_hours = rng.sample([9.5, 11, 14.5, 16], k=rng.choice([0, 0, 1, 2]))
    for i in range(1, stops + 1):
        service = rng.choice([600, 900, 1200, 1800])
        if appointment_hours:
            chosen.append(Stop.appointment(i, i, h(appointment_hours.pop()), service))
            continue
        kind = rng.random()
        if kind < 0.3:
            windows = ((h(9), h(12) - service), (h(14), h(18) - service))
        elif kind < 0.5:
            opens = rng.choice([8.5, 10, 13.5, 15])
            windows = ((h(opens), h(opens + rng.choice([1, 2, 3]))),)
        else:
            windows = ()
        chosen.append(Stop(i, i, service, windows, priority=rng.choice([20, 50, 50, 60, 80])))
    lunch = LunchBreak(h(12), h(13.5), 2700) if rng.random() < 0.6 else None
    shift_end = h(rng.choice([11.5, 12.5, 14])) if tight else h(18.5)
    return TourProblem(chosen, matrix, start=0, end=rng.choice([0, 0, None]), shift_start=h(8.5),
                       shift_end=shift_end, lunch=lunch)


def score(problem: TourProblem, stops, travel: int) -> tuple[int, ...]:
    """Appointments first, then overdue follow-ups (priority 80+), clients due (60+), then the
    priority served, the number of stops, and the least driving."""
    tiers = [3 if s.is_appointment else 2 if s.priority >= 80 else 1 if s.priority >= 60 else 0 for s in stops]
    return (tiers.count(3), tiers.count(2), tiers.count(1), sum(s.priority for s in stops), len(stops), -travel)


def brute_force(problem: TourProblem) -> tuple[int, int, int, int]:
    """The best score over every subset, every order and every place of lunch, timed by the
    schedule code (not the exact solver's)."""
    best = None
    lunch_places = (lambda k: [None]) if problem.lunch is None else (lambda k: range(k + 1))
    for size in range(len(problem.stops) + 1):
        for subset in itertools.combinations(problem.stops, size):
            for order in itertools.permutations(subset):
                for lunch_after in lunch_places(size):
                    tour = schedule_stops(problem, order, lunch_after=lunch_after)
                    if tour.feasible:
                        found = score(problem, order, tour.travel_duration)
                        best = found if best is None or found > best else best
    return best


@pytest.mark.parametrize("seed", range(36))
def test_the_exact_tour_is_the_brute_force_best(seed):
    rng = random.Random(seed)
    problem = random_day(rng, rng.choice([3, 4, 5, 6]) if seed % 12 else 7, tight=seed % 3 == 0)
    expected = brute_force(problem)
    tour = solve_exact(problem, problem.stops)
    assert tour is not None and tour.feasible
    assert score(problem, [v.stop for v in tour.visits], tour.travel_duration) == expected


@pytest.mark.parametrize("seed", range(8))
def test_solve_tour_returns_the_proven_best_and_says_why_the_others_are_out(seed):
    rng = random.Random(1000 + seed)
    problem = random_day(rng, 6, tight=seed % 2 == 0)
    expected = brute_force(problem)
    solution = solve_tour(problem)
    assert solution.feasible
    assert score(problem, [v.stop for v in solution.visits], solution.travel_duration) == expected
    assert {v.stop.id for v in solution.visits} | {o.stop.id for o in solution.left_out} == \
        {s.id for s in problem.stops}


def test_twelve_stops_are_solved_exactly_within_a_second_of_cpu():
    rng = random.Random(7)
    problem = random_day(rng, EXACT_MAX_STOPS, tight=False)
    began = time.process_time()  # CPU time: the machine running the tests may be busy
    solution = solve_tour(problem)
    assert time.process_time() - began < 2.0  # about 0.6 s
    assert solution.feasible and solution.exact
    # nothing drives less: every single move of one visit elsewhere is worse or infeasible
    order = [v.stop for v in solution.visits]
    for i, j in itertools.permutations(range(len(order)), 2):
        moved = order[:i] + order[i + 1:]
        moved.insert(j, order[i])
        for lunch_after in [None] if problem.lunch is None else range(len(moved) + 1):
            other = schedule_stops(problem, moved, lunch_after=lunch_after)
            assert not other.feasible or len(other.visits) < len(order) or \
                other.travel_duration >= solution.travel_duration


@pytest.mark.parametrize("seed", range(6))
def test_nine_to_ten_stops_match_a_second_method(seed):
    """Beyond what brute force enumerates: the dynamic programming against a depth-first search
    with bounds (bench/routing_days.py, written apart from it) on days with opening hours, service
    times, lunch, priorities and appointments, some too short for every stop."""
    rng = random.Random(500 + seed)
    problem = random_day(rng, 9 if seed % 3 else 10, tight=seed % 2 == 1)
    tour = solve_exact(problem, problem.stops)
    assert tour is not None and tour.feasible
    found = score(problem, [v.stop for v in tour.visits], tour.travel_duration)
    assert found == branch_and_bound(problem, lambda stops, drive: score(problem, stops, drive))
