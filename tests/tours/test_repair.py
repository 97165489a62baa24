"""The repair step that slots a left-out stop into a planned day by reordering it."""

from __future__ import annotations

import math

from fieldcrm.tours.problem import LunchBreak, Stop, TourProblem
from fieldcrm.tours.repair import repair, trades
from fieldcrm.tours.schedule import schedule_stops

PLACES = [(0, 0), (7, -2), (6, -2), (5, -6), (2, -7), (1, -8)]
MATRIX = [[round(math.dist(a, b)) * 60 for b in PLACES] for a in PLACES]
WINDOWS = [(2460, 3060), (1380, 1980), (2100, 2700), (1920, 2520), (2220, 2340)]
STOPS = [Stop(i, i, 120, (WINDOWS[i - 1],)) for i in range(1, 6)]


def test_left_out_stop_is_slotted_in_by_reordering_the_day():
    problem = TourProblem(STOPS, MATRIX, start=0, end=0, shift_start=0, shift_end=6000)
    planned = [STOPS[1], STOPS[2], STOPS[3], STOPS[0]]
    missing = STOPS[4]
    assert schedule_stops(problem, planned).feasible
    # inserting it anywhere without moving the others makes someone late
    assert not any(schedule_stops(problem, planned[:i] + [missing] + planned[i:]).feasible for i in range(5))
    order, lunch_after = repair(problem, planned, None, [missing], seconds=2.0)
    assert sorted(stop.id for stop in order) == [1, 2, 3, 4, 5]
    assert lunch_after is None
    assert schedule_stops(problem, order).feasible


def test_repair_moves_lunch_too_and_gives_up_on_impossible_stops():
    problem = TourProblem(STOPS, MATRIX, start=0, end=0, shift_start=0, shift_end=6000,
                          lunch=LunchBreak(1000, 4000, 300))
    planned = [STOPS[1], STOPS[3], STOPS[0]]
    assert schedule_stops(problem, planned, lunch_after=0).feasible
    impossible = Stop("never", 1, 0, ((0, 10),))
    order, lunch_after = repair(problem, planned, 0, [STOPS[2], impossible], seconds=2.0)
    assert "never" not in [stop.id for stop in order] and len(order) == 4
    assert schedule_stops(problem, order, lunch_after=lunch_after).feasible
    assert repair(problem, planned, 0, [impossible], seconds=0.5) is None


def test_a_kept_stop_is_traded_for_one_worth_as_much_that_drives_less():
    # home at 0; on a line east: near (1 km), kept_far (9 km), other_far (10 km, higher priority)
    places = [(0, 0), (1, 0), (9, 0), (10, 0), (2, 0), (-9, 0)]
    matrix = [[round(math.dist(a, b)) * 60 for b in places] for a in places]
    near = Stop("near", 1, 600)
    far = Stop("far", 2, 600)
    higher = Stop("higher", 3, 600, priority=90)
    close = Stop("close", 4, 600)
    late = Stop("late", 5, 600, ((0, 60),))  # cannot be reached in time
    appointment = Stop.appointment("rdv", 5, 3000, 600)
    problem = TourProblem([near, far, higher, close, late, appointment], matrix, start=0, end=0,
                          shift_start=0, shift_end=20000)
    planned = [near, far, appointment]
    day = schedule_stops(problem, planned)
    assert day.feasible
    found = trades(problem, planned, None, [higher, close, late], day.travel_duration, None)
    # only "close" is worth as much as a kept stop (same tier and priority), and trading "far" for
    # it drives less; the appointment is never traded, "higher" is worth more
    assert [sorted(stop.id for stop in order) for _d, order, _l in found] == [["close", "near", "rdv"]]
    driving, order, lunch_after = found[0]
    traded = schedule_stops(problem, order, lunch_after=lunch_after)
    assert traded.feasible and traded.travel_duration == driving < day.travel_duration
    assert trades(problem, planned, None, [higher, late], day.travel_duration, None) == []
