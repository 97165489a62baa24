"""Appointments are fixed points: kept, or left out naming the appointment they clash with; a day
under way is planned from now; a day too full keeps the important stops first."""

from __future__ import annotations

import math
import random

from bench.routing_days import generated_day, vroom_alone
from fieldcrm.tours.exact import worth
from fieldcrm.tours.problem import LeftOutReason, LunchBreak, Stop, TourProblem
from fieldcrm.tours.schedule import schedule_order
from fieldcrm.tours.solver import _with_every_appointment, solve_tour, vroom_durations


def h(hours: float) -> int:
    return round(hours * 3600)


def ring(count: int, radius_km: float = 12, seed: int = 3) -> list[list[int]]:
    """Home (place 0) and `count` places around it; 50 km/h on straight lines."""
    rng = random.Random(seed)
    places = [(0.0, 0.0)] + [(rng.uniform(-radius_km, radius_km), rng.uniform(-radius_km, radius_km))
                             for _ in range(count)]
    return [[round(math.dist(a, b) * 72) for b in places] for a in places]


def test_a_day_with_shops_and_three_appointments_keeps_the_three():
    matrix = ring(12)
    shop_hours = ((h(9), h(12)), (h(14), h(18)))
    stops = [Stop(i, i, 1200, shop_hours, priority=50) for i in range(1, 10)]
    stops += [Stop.appointment("rdv-a", 10, h(9), 2700), Stop.appointment("rdv-b", 11, h(12.5), 3600),
              Stop.appointment("rdv-c", 12, h(16), 1800)]
    problem = TourProblem(stops, matrix, start=0, end=0, shift_start=h(8.5), shift_end=h(18.5),
                          lunch=LunchBreak(h(12), h(13), 3600))
    solution = solve_tour(problem)
    visits = {v.stop.id: v for v in solution.visits}
    assert {"rdv-a", "rdv-b", "rdv-c"} <= set(visits)
    assert (visits["rdv-a"].start, visits["rdv-b"].start, visits["rdv-c"].start) == (h(9), h(12.5), h(16))
    assert schedule_order(problem, solution.order, lunch_after=solution.lunch_after).feasible or \
        solution.lunch_start is None  # lunch gave way to the appointments, never the reverse
    for item in solution.left_out:
        assert item.reason in (LeftOutReason.OUTSIDE_OPENING_HOURS, LeftOutReason.BEYOND_END_OF_DAY,
                               LeftOutReason.CONFLICTS_WITH_APPOINTMENTS)


def test_appointments_outside_the_working_hours_stretch_the_day():
    stops = [Stop.appointment("early", 1, h(8), 1800), Stop.appointment("late", 2, h(19), 1800), Stop(3, 3, 600),
             Stop("evening-shop", 4, 600, ((h(18.5), h(20)),))]
    problem = TourProblem(stops, ring(4), start=0, end=0, shift_start=h(8.5), shift_end=h(18.5))
    solution = solve_tour(problem)
    assert solution.order[0] == "early" and solution.order[-1] == "late"
    assert solution.departure == h(8) - problem.travel(0, 1)
    # the day stretches for the appointments only: the other visits stay within the working hours
    assert next(v for v in solution.visits if v.stop.id == 3).departure <= h(18.5)
    assert [(o.stop.id, o.reason) for o in solution.left_out] == [("evening-shop", LeftOutReason.OUTSIDE_OPENING_HOURS)]


def test_a_day_under_way_cannot_reach_an_appointment_already_past():
    matrix = ring(2)
    stops = [Stop.appointment("past", 1, h(9), 1800), Stop(2, 2, 600)]
    problem = TourProblem(stops, matrix, start=0, end=0, shift_start=h(10), shift_end=h(18.5), started=True)
    solution = solve_tour(problem)
    assert solution.order == [2]
    assert [(o.stop.id, o.reason) for o in solution.left_out] == [("past", LeftOutReason.CANNOT_ARRIVE_IN_TIME)]
    assert solution.departure == h(10)


def test_a_shop_squeezed_out_by_appointments_says_so():
    matrix = ring(3, radius_km=3)
    stops = [Stop.appointment("a", 1, h(9), h(1.5)), Stop.appointment("b", 2, h(10.75), h(1)),
             Stop("shop", 3, h(1), ((h(9), h(10.5)),))]
    problem = TourProblem(stops, matrix, start=0, end=0, shift_start=h(8.5), shift_end=h(18))
    solution = solve_tour(problem)
    assert solution.order == ["a", "b"]
    assert solution.left_out[0].reason == LeftOutReason.CONFLICTS_WITH_APPOINTMENTS


def test_an_overloaded_day_keeps_appointments_then_follow_ups_then_clients_due():
    matrix = ring(36, radius_km=25, seed=11)
    stops = [Stop.appointment("rdv-1", 1, h(10), 3600), Stop.appointment("rdv-2", 2, h(15), 3600)]
    stops += [Stop(f"overdue-{i}", i, 1800, priority=80) for i in range(3, 7)]
    stops += [Stop(f"due-{i}", i, 1800, priority=60) for i in range(7, 15)]
    stops += [Stop(f"other-{i}", i, 1800, priority=50) for i in range(15, 37)]
    problem = TourProblem(stops, matrix, start=0, end=0, shift_start=h(8.5), shift_end=h(18.5),
                          lunch=LunchBreak(h(12), h(13.5), 2700))
    solution = solve_tour(problem)
    assert solution.feasible
    served = set(solution.order)
    assert {"rdv-1", "rdv-2"} <= served
    assert {f"overdue-{i}" for i in range(3, 7)} <= served
    lowest_kept = min(s.tier for s in (problem.stop(i) for i in served))
    assert all(item.stop.tier <= lowest_kept for item in solution.left_out)
    assert len(solution.left_out) > 10  # the day really is too full


def test_a_search_that_left_an_appointment_out_is_rebuilt_around_the_appointments():
    """Whatever the search returns, an appointment it kept no room for is put back: the tour is
    rebuilt from the day's appointments, the other stops slotted between them."""
    matrix = ring(8, radius_km=10, seed=5)
    stops = [Stop.appointment("rdv-a", 1, h(10), 3600), Stop.appointment("rdv-b", 2, h(15), 1800)]
    stops += [Stop(i, i, 1800, ((h(9), h(12)), (h(14), h(18))), priority=50) for i in range(3, 9)]
    problem = TourProblem(stops, matrix, start=0, end=0, shift_start=h(8.5), shift_end=h(18.5),
                          lunch=LunchBreak(h(12), h(13.5), 2700))
    without_appointments = schedule_order(problem, [3, 4, 5, 6])  # a tour that forgot both
    assert without_appointments.feasible
    rebuilt = _with_every_appointment(problem, list(problem.stops), without_appointments, vroom_durations(problem))
    starts = {v.stop.id: v.start for v in rebuilt.visits}
    assert (starts["rdv-a"], starts["rdv-b"]) == (h(10), h(15))
    assert rebuilt.feasible and len(rebuilt.visits) > 2  # the shops fill the gaps around them
    assert schedule_order(problem, rebuilt.order, lunch_after=rebuilt.lunch_after).feasible


def test_on_random_overloaded_days_every_appointment_is_kept_or_named_with_its_true_reason():
    """25-40 stops, three to five appointments (some clashing, one the day cannot reach): each
    appointment is in the tour at its time, or out for a clash naming the other, never for
    "opening hours" or "end of day"."""
    clashes = 0
    for seed in range(4):
        rng = random.Random(seed)
        count = rng.choice([25, 30, 40])
        matrix = ring(count, radius_km=20, seed=seed)
        times = sorted(rng.sample([9, 9.25, 10.5, 11, 14, 14.5, 16, 17.5], k=rng.choice([3, 4, 5])))
        stops = [Stop.appointment(f"rdv-{i}", i, h(at), rng.choice([1800, 2700]))
                 for i, at in enumerate(times, start=1)]
        stops += [Stop(i, i, rng.choice([900, 1800]), rng.choice([(), ((h(9), h(12)), (h(14), h(18)))]),
                       priority=rng.choice([30, 50, 60, 80])) for i in range(len(times) + 1, count + 1)]
        problem = TourProblem(stops, matrix, start=0, end=0, shift_start=h(8.5), shift_end=h(18.5),
                              lunch=LunchBreak(h(12), h(13.5), 2700))
        solution = solve_tour(problem)
        assert solution.feasible
        kept = {v.stop.id: v.start for v in solution.visits}
        for stop in stops[:len(times)]:
            if stop.id in kept:
                assert kept[stop.id] == stop.windows[0][0]
                continue
            out = next(item for item in solution.left_out if item.stop.id == stop.id)
            assert out.reason == LeftOutReason.APPOINTMENT_CONFLICT, (seed, out)
            assert out.other in kept and out.travel is not None and out.gap is not None
            other = problem.stop(out.other)
            assert other.windows[0][0] + other.service + out.travel > stop.windows[0][0]  # truly clashing
            assert out.gap == stop.windows[0][0] - (other.windows[0][0] + other.service)
            clashes += 1
    assert clashes  # the days did hold clashing appointments


def test_on_overloaded_days_more_important_stops_are_traded_in_for_small_ones():
    """Days over real communes, far too full: the plan is worth at least what the tiered search
    alone keeps (tiers, then priority, then number of stops), and honours every window."""
    for seed in (40, 41, 42):
        rng = random.Random(seed)
        problem = generated_day(rng, rng.choice([25, 30, 35]), radius_km=20, appointments=3, tiers=True,
                                services=(600, 900, 1200))
        solution = solve_tour(problem)
        alone = vroom_alone(problem)
        assert solution.feasible
        assert worth([v.stop for v in solution.visits]) >= worth([v.stop for v in alone.visits])
        assert len(solution.visits) + len(solution.left_out) == len(problem.stops)
