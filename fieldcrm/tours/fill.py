"""Fill my day: due clients that fit in the gaps of a planned day with little detour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.geo.bounds import distance_km
from fieldcrm.tours import services
from fieldcrm.tours.day_problem import TourError, build_problem, seconds
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.solver import solve_tour
from fieldcrm.tours.stop_sources import due_clients

FILL_CANDIDATES = 12  # due clients offered to the solver, most overdue and least detour first
FILL_MAX_DETOUR_KM = 30.0


@dataclass
class Suggestion:
    client: Client
    overdue_days: int
    detour_km: float
    eta_s: int | None


def _insertion_km(route: list[tuple[float, float]], point: tuple[float, float]) -> float:
    if len(route) < 2:
        return 2 * distance_km(*route[0], *point) if route else 0.0
    return min(distance_km(*a, *point) + distance_km(*point, *b) - distance_km(*a, *b)
               for a, b in zip(route, route[1:], strict=False))


def fill_my_day(db: Session, actor: User, tour: Tour, config: Mapping) -> list[Suggestion]:
    """Due clients of the tour's rep that the solver can fit around the day's stops (fixed
    appointments included), most overdue first, with the detour each one costs."""
    if tour.start_lat is None:
        raise TourError("no_start")
    owner = db.get(User, tour.owner_id)
    rows = [(s, c) for s, c in services.stops_of(db, tour) if s.state == "planned"]
    start = (tour.start_lat, tour.start_lon)
    route = [start] + [(c.latitude, c.longitude) for s, c in rows if c.latitude is not None] + [start]
    due = due_clients(db, owner, tour.day, {c.id for _, c in services.stops_of(db, tour)})
    scored = [(c, overdue, _insertion_km(route, (c.latitude, c.longitude))) for c, overdue in due]
    scored = [item for item in scored if item[2] <= FILL_MAX_DETOUR_KM][:FILL_CANDIDATES]
    if not scored:
        return []
    for stop, _c in rows:
        stop.priority = 100  # what is already planned stays planned
    candidates = [(TourStop(id=-c.id, tour_id=tour.id, client_id=c.id, priority=max(1, 60 - rank * 4),
                            service_minutes=services.visit_minutes_for(c)), c)
                  for rank, (c, _o, _k) in enumerate(scored)]
    problem, _travel, closed = build_problem(db, tour, rows + candidates, config, start=start,
                                               shift_start=seconds(tour.start_time))
    solution = solve_tour(problem)
    db.rollback()  # the priorities above were only for this computation
    served = {v.stop.id: v for v in solution.visits}
    return [Suggestion(c, overdue, round(km, 1), served[-c.id].arrival) for c, overdue, km in scored
            if -c.id in served]
