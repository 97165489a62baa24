"""Tour optimisation: optimality on small cases (brute force), windows, lunch, end of day, week."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import pytest

from fieldcrm.tours.problem import DAY, LeftOutReason, LunchBreak, Stop, TooManyStops, TourProblem
from fieldcrm.tours.schedule import nearest_neighbour_order, schedule_order, service_start
from fieldcrm.tours.solver import picked_order_cost, solve_tour
from fieldcrm.tours.week import WorkDay, solve_week


def h(hours: float) -> int:
    return round(hours * 3600)


def grid_matrix(places: list[tuple[float, float]], seconds_per_km: int = 120) -> list[list[int]]:
    """Travel times between places given in km on a map, at 30 km/h."""
    return [[round(math.dist(a, b) * seconds_per_km) for b in places] for a in places]


# Place 0 is the rep's home; places 1-7 are clients.
PLACES = [(0, 0), (2, 9), (8, 8), (10, 1), (5, -6), (-4, -7), (-8, 1), (-3, 6)]
MATRIX = grid_matrix(PLACES)


def small_day(**changes) -> TourProblem:
    stops = [
        Stop(1, 1, 900, ((h(8), h(12)), (h(14), h(18)))),
        Stop(2, 2, 900, ((h(9), h(10)),)),
        Stop.appointment(3, 3, h(10.5), service=1800),
        Stop(4, 4, 600, ((h(8), h(9.5)),)),
        Stop(5, 5, 600),
        Stop(6, 6, 1200, ((h(8), h(12)),)),
        Stop(7, 7, 600, ((h(11), h(18)),)),
    ]
    settings = {"start": 0, "end": 0, "shift_start": h(8), "shift_end": h(18)} | changes
    return TourProblem(stops, MATRIX, [[60 * cell for cell in row] for row in MATRIX], **settings)


def brute_force(problem: TourProblem) -> int:
    """The least driving over every order (and every lunch position) that honours everything."""
    ids = [stop.id for stop in problem.stops]
    lunch_positions = [None] if problem.lunch is None else range(len(ids) + 1)
    best = math.inf
    for order in itertools.permutations(ids):
        for lunch_after in lunch_positions:
            tour = schedule_order(problem, order, lunch_after=lunch_after)
            if tour.feasible:
                best = min(best, tour.travel_duration)
    return best


def assert_honours_everything(problem: TourProblem, solution) -> None:
    for visit in solution.visits:
        windows = visit.stop.windows or ((problem.shift_start, problem.shift_end),)
        assert any(a <= visit.start <= b for a, b in windows), visit
        assert visit.arrival <= visit.start and visit.departure == visit.start + visit.stop.service
    assert problem.shift_start <= solution.departure and solution.arrival <= problem.shift_end
    recheck = schedule_order(problem, solution.order, lunch_after=solution.lunch_after)
    assert recheck.feasible
    assert recheck.travel_duration == solution.travel_duration


def test_small_day_matches_the_brute_force_optimum():
    problem = small_day()
    solution = solve_tour(problem)
    assert not solution.left_out
    assert solution.travel_duration == brute_force(problem)
    assert_honours_everything(problem, solution)
    appointment = next(v for v in solution.visits if v.stop.id == 3)
    assert appointment.start == h(10.5)
    # the windows matter: without them the best order drives less
    free = TourProblem([Stop(s.id, s.location) for s in problem.stops], MATRIX)
    assert brute_force(free) < solution.travel_duration


def test_solution_reports_legs_distance_and_savings_over_the_picked_order():
    problem = small_day()
    solution = solve_tour(problem)
    assert solution.travel_distance == 60 * solution.travel_duration
    first = solution.visits[0]
    assert first.travel_duration == MATRIX[0][first.stop.location]
    picked = next(order for order in itertools.permutations(range(1, 8))
                  if schedule_order(problem, order).feasible)  # the rep's own (valid) order
    picked_duration, picked_distance = picked_order_cost(problem, picked)
    assert picked_duration > solution.travel_duration and picked_distance == 60 * picked_duration


def test_lunch_break_is_taken_in_its_window_between_visits():
    problem = small_day(lunch=LunchBreak(h(12), h(12.5), h(1)))
    solution = solve_tour(problem)
    assert not solution.left_out
    assert h(12) <= solution.lunch_start <= h(12.5)
    lunch_end = solution.lunch_start + h(1)
    for visit in solution.visits:
        assert visit.departure <= solution.lunch_start or visit.start >= lunch_end
    assert solution.travel_duration == brute_force(problem)
    assert_honours_everything(problem, solution)


def test_end_of_day_is_respected_and_high_priority_stops_kept():
    stops = [Stop(i, i, h(1.5), priority=100 if i == 6 else 10) for i in range(1, 8)]
    problem = TourProblem(stops, MATRIX, start=0, end=0, shift_start=h(8), shift_end=h(14))
    solution = solve_tour(problem)
    assert solution.arrival <= h(14)
    assert 6 in solution.order
    assert len(solution.visits) == 3  # 3 × 1 h 30 plus driving fill six hours; a fourth cannot fit
    assert {item.reason for item in solution.left_out} == {LeftOutReason.BEYOND_END_OF_DAY}
    assert_honours_everything(problem, solution)


def test_a_day_too_full_keeps_the_stops_worth_as_much_that_drive_least():
    # 20 stops of equal worth, half near home and half far out: only about half fit the day
    rng = random.Random(11)
    places = [(0, 0)] + [(rng.uniform(-3, 3), rng.uniform(-3, 3)) for _ in range(10)] \
        + [(rng.uniform(25, 35), rng.uniform(25, 35)) for _ in range(10)]
    stops = [Stop(i, i, 1800, ((h(8), h(12)), (h(13), h(18))) if i % 3 == 0 else ()) for i in range(1, 21)]
    problem = TourProblem(stops, grid_matrix(places), start=0, end=0, shift_start=h(8), shift_end=h(14),
                          lunch=LunchBreak(h(12), h(13.5), h(0.75)))
    solution = solve_tour(problem)
    assert_honours_everything(problem, solution)
    # the near ones fill the day (nine half-hour visits and their short drives), none far out
    assert set(solution.order) <= set(range(1, 11)) and len(solution.order) == 9
    assert {item.reason for item in solution.left_out} == {LeftOutReason.BEYOND_END_OF_DAY}


def test_open_tour_ends_at_the_last_visit():
    problem = small_day(end=None)
    solution = solve_tour(problem)
    assert solution.return_duration == 0
    assert solution.arrival == solution.visits[-1].departure <= h(18)
    assert solution.travel_duration <= solve_tour(small_day()).travel_duration
    assert_honours_everything(problem, solution)


def test_stops_that_cannot_fit_are_reported_with_their_reason():
    matrix = [row + [None] for row in MATRIX] + [[None] * len(MATRIX) + [0]]  # place 8: no road
    stops = [
        Stop("fine", 1, 600),
        Stop("nowhere", None, 600),
        Stop("island", 8, 600),
        Stop("evening-only", 2, 600, ((h(19), h(21)),)),
        Stop("closes-before-we-arrive", 3, 600, ((h(7), h(8.1)),)),
        Stop("too-long", 4, h(9.9)),
        Stop.appointment("clash", 5, h(9), service=600),
        Stop.appointment("clash-too", 6, h(9), service=600),
    ]
    problem = TourProblem(stops, matrix, start=0, end=0, shift_start=h(8), shift_end=h(18))
    solution = solve_tour(problem)
    reasons = {item.stop.id: item.reason for item in solution.left_out}
    assert "fine" in solution.order
    assert reasons["nowhere"] == LeftOutReason.NO_POSITION
    assert reasons["island"] == LeftOutReason.UNREACHABLE
    assert reasons["evening-only"] == LeftOutReason.OUTSIDE_OPENING_HOURS
    assert reasons["closes-before-we-arrive"] == LeftOutReason.OUTSIDE_OPENING_HOURS
    assert reasons["too-long"] == LeftOutReason.BEYOND_END_OF_DAY
    # two appointments at 9:00 in different places: the first is kept, the other names it
    assert "clash" in solution.order and "clash-too" not in solution.order
    clash = next(item for item in solution.left_out if item.stop.id == "clash-too")
    assert (clash.reason, clash.other, clash.travel, clash.gap) == (
        LeftOutReason.APPOINTMENT_CONFLICT, "clash", MATRIX[5][6], -600)
    assert_honours_everything(problem, solution)


def test_more_than_200_stops_is_refused():
    with pytest.raises(TooManyStops):
        TourProblem([Stop(i, 0) for i in range(201)], [[0]])


def test_windows_are_normalised_and_service_waits_for_opening():
    stop = Stop("shop", 1, 600, [(h(14), h(18)), (h(9), h(12)), (h(11), h(12.5))])
    assert stop.windows == ((h(9), h(12.5)), (h(14), h(18)))
    assert service_start(h(13), stop.windows) == (h(14), 0)
    assert service_start(h(19), stop.windows) == (h(19), h(1))


def test_nearest_neighbour_baseline_goes_to_the_closest_first():
    order = nearest_neighbour_order(MATRIX, start=0)
    assert sorted(order) == list(range(1, 8))
    assert order[0] == min(range(1, 8), key=lambda j: MATRIX[0][j])


WEST = [(-30 + dx, dy) for dx, dy in [(0, 0), (2, 3), (-3, 2), (1, -4), (4, 1)]]
EAST = [(30 + dx, dy) for dx, dy in [(0, 0), (-2, 3), (3, 2), (-1, -4), (2, -2)]]


def test_week_keeps_appointments_on_their_day_and_groups_areas():
    places = [(0, 0), *WEST, *EAST]  # home, then clients 1-5 west and 6-10 east
    matrix = grid_matrix(places, seconds_per_km=60)
    stops = [Stop(i, i, 1200) for i in range(1, 11) if i not in (3, 4, 8)]
    stops.append(Stop.appointment(3, 3, h(14), service=1800, day=2))  # west, Wednesday
    stops.append(Stop.appointment(8, 8, h(9.5), service=1800, day=1))  # east, Tuesday
    stops.append(Stop(4, 4, 600))
    lunch = LunchBreak(h(12), h(13.5), h(1))
    days = [WorkDay(0, 0, h(8), h(18), lunch) for _ in range(3)]
    week = solve_week(stops, days, matrix)
    assert not week.left_out
    assert week.day_of(3) == 2 and week.day_of(8) == 1
    assert next(v.start for v in week.days[2].visits if v.stop.id == 3) == h(14)
    assert next(v.start for v in week.days[1].visits if v.stop.id == 8) == h(9.5)
    # least driving: each area is driven to on one day only (Tuesday east, Wednesday west)
    for tour in week.days:
        areas = {"west" if v.stop.location <= 5 else "east" for v in tour.visits}
        assert len(areas) <= 1
    assert week.days[0].visits == []
    for tour in week.days:
        problem = TourProblem([v.stop for v in tour.visits], matrix, start=0, end=0, shift_start=h(8),
                              shift_end=h(18), lunch=lunch)
        if tour.visits:
            assert h(12) <= tour.lunch_start <= h(13.5)
            assert_honours_everything(problem, tour)
    assert week.travel_duration == sum(t.travel_duration for t in week.days)
    assert all(0 < t.arrival < DAY for t in week.days if t.visits)


def test_week_respects_closed_days():
    matrix = grid_matrix([(0, 0), (50, 0), (49, 1)])  # Tuesday starts from a hotel next to the shop
    days = [WorkDay(0, 0, h(8), h(18)), WorkDay(1, 1, h(8), h(18))]
    assert solve_week([Stop("shop", 2, 600)], days, matrix).day_of("shop") == 1  # the short drive
    closed = solve_week([Stop("shop", 2, 600, closed_days={1})], days, matrix)
    assert closed.day_of("shop") == 0 and not closed.left_out
    assert closed.days[0].visits[0].stop.id == "shop" and closed.days[1].visits == []


def test_week_reports_appointment_that_cannot_fit_its_day():
    matrix = grid_matrix([(0, 0), (1, 1)])
    stops = [Stop.appointment("late", 1, h(20), day=1)]
    week = solve_week(stops, [WorkDay(0, 0, h(8), h(18))] * 2, matrix)
    assert [(item.stop.id, item.reason) for item in week.left_out] == [("late", LeftOutReason.OUTSIDE_OPENING_HOURS)]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 6, 13])  # 2 and 13: no order serves everyone
def test_random_days_match_the_brute_force_optimum(seed):
    rng = random.Random(seed)
    places = [(0, 0)] + [(rng.uniform(-10, 10), rng.uniform(-10, 10)) for _ in range(6)]
    stops = []
    for i in range(1, 7):
        opens = h(rng.choice([8, 9, 10, 11, 14, 15, 16]))
        windows = rng.choice([(), ((opens, opens + rng.choice([h(0.5), h(1.5)])),), ((h(8), h(12)), (h(14), h(17)))])
        stops.append(Stop(i, i, rng.choice([600, 900, 1800]), windows))
    problem = TourProblem(stops, grid_matrix(places), start=0, end=0, shift_start=h(8), shift_end=h(17))
    solution = solve_tour(problem)
    best = brute_force(problem)
    if best == math.inf:  # no order serves everyone: as many as possible are served
        most = next(size for size in range(len(stops), -1, -1)
                    if any(schedule_order(problem, order).feasible
                           for subset in itertools.combinations([s.id for s in stops], size)
                           for order in itertools.permutations(subset)))
        assert len(solution.visits) == most and len(solution.left_out) == len(stops) - most
    else:
        assert not solution.left_out and solution.travel_duration == best
    assert_honours_everything(problem, solution)


DUMAS_N40W20_001 = Path(__file__).resolve().parent / "data" / "dumas_n40w20.001.txt"  # see data/SOURCES.md


def _tsptw_problem(matrix: list[list[int]], bounds: list[tuple[int, int]]) -> TourProblem:
    """A TSPTW instance as a day: node 0 is home, its window the working hours; no service times."""
    stops = [Stop(i, i, 0, (bounds[i],)) for i in range(1, len(matrix))]
    return TourProblem(stops, matrix, start=0, end=0, shift_start=bounds[0][0], shift_end=bounds[0][1])


def test_tight_windows_all_served_at_the_best_known_cost():
    """Dumas n40w20.001 (kept in the repository, so a fresh clone runs it): VROOM alone (1.15,
    level 5) leaves a customer out of it."""
    tokens = DUMAS_N40W20_001.read_text().split()
    n = int(tokens[0])
    cells = [int(t) for t in tokens[1:1 + n * n]]
    matrix = [cells[i * n:(i + 1) * n] for i in range(n)]
    bounds = [int(float(t)) for t in tokens[1 + n * n:]]
    problem = _tsptw_problem(matrix, [(bounds[2 * i], bounds[2 * i + 1]) for i in range(n)])
    solution = solve_tour(problem)
    assert not solution.left_out and len(solution.visits) == 40
    assert solution.travel_duration <= 500  # best known for n40w20.001
    assert_honours_everything(problem, solution)


def planted_tsptw(seed: int, customers: int = 30, width: int = 20) -> tuple[TourProblem, int]:
    """A TSPTW day built the way Dumas et al. built theirs: customers on a 50 x 50 grid, a random
    tour through them, and around each arrival on that tour a window of ``width``. Returns the
    problem and the driving of the planted tour, which serves everyone: an upper bound."""
    rng = random.Random(seed)
    places = [(rng.randint(0, 50), rng.randint(0, 50)) for _ in range(customers + 1)]
    matrix = [[int(math.dist(a, b)) for b in places] for a in places]
    order = list(range(1, customers + 1))
    rng.shuffle(order)
    clock, here, windows = 0, 0, {}
    for node in order:
        clock += matrix[here][node]
        opens = max(0, clock - rng.randint(0, width))
        windows[node] = (opens, opens + width)
        clock, here = max(clock, opens), node
    driving = sum(matrix[a][b] for a, b in zip([0, *order], [*order, 0], strict=True))
    back = clock + matrix[here][0]
    bounds = [(0, back + width)] + [windows[i] for i in range(1, customers + 1)]
    return _tsptw_problem(matrix, bounds), driving


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tight_windows_of_a_planted_tour_are_all_served(seed):
    """Built here, no data needed: a tour exists that serves every customer within a 20-wide
    window; the planner serves them all too, driving no more than that tour."""
    problem, planted = planted_tsptw(seed)
    solution = solve_tour(problem)
    assert not solution.left_out and len(solution.visits) == len(problem.stops)
    assert solution.travel_duration <= planted
    assert_honours_everything(problem, solution)
    assert_honours_everything(problem, solution)


def test_lunch_outside_a_morning_shift_is_not_imposed():
    problem = small_day(shift_end=h(12), lunch=LunchBreak(h(12), h(13.5), h(1)))
    assert problem.lunch is None
    solution = solve_tour(problem)
    assert solution.lunch_start is None and solution.arrival <= h(12)
    assert_honours_everything(problem, solution)
