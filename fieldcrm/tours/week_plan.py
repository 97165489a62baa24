"""Plan a week: spread clients over the rep's working days with the least total driving (via
fieldcrm.tours.week.solve_week), appointments kept on their day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from fieldcrm import workdays
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client, OpeningHours
from fieldcrm.maps import queries as map_queries
from fieldcrm.maps.queries import MapFilters
from fieldcrm.tours import services
from fieldcrm.tours.day_problem import TourError, opening_windows, seconds
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.planning import index_positions
from fieldcrm.tours.problem import LunchBreak, Stop
from fieldcrm.tours.stop_sources import due_clients
from fieldcrm.tours.travel import travel_matrix
from fieldcrm.tours.week import WorkDay, solve_week

WEEK_MAX_CLIENTS = 150


@dataclass
class WeekResult:
    tours: list[Tour]
    left_out: list[tuple[Client, str]] = field(default_factory=list)
    distance_m: int | None = None
    duration_s: int = 0


def _weekly_hours(db: Session, client_ids: list[int]) -> dict[int, dict[int, list[OpeningHours]]]:
    """client id -> weekday -> opening spans (only clients with hours on their card)."""
    found: dict[int, dict[int, list[OpeningHours]]] = {}
    if not client_ids:
        return found
    for row in db.exec(select(OpeningHours).where(OpeningHours.client_id.in_(client_ids))
                       .order_by(OpeningHours.opens)).all():
        found.setdefault(row.client_id, {}).setdefault(row.weekday, []).append(row)
    return found


def plan_week(db: Session, actor: User, first: date, count: int, filters: MapFilters,
              config: Mapping, *, max_per_day: int | None = None) -> WeekResult:
    """One tour per working day of the rep (public holidays skipped) from `first`: the clients matching `filters` (or, with no filter, the
    due ones) plus what those tours already hold, appointments kept on their day."""
    days = workdays.working_days_from(first, count, actor.working_days)
    # A day of the plan without a tour yet gets the settings of the last tour before the week (one
    # day's own hours inside the week, e.g. a free morning, do not spread to the other days).
    usual = services.latest_tour(db, actor, before=first) or services.latest_tour(db, actor)
    tours = [services.tour_for_day(db, actor, d, like=usual) for d in days]
    if any(t.start_lat is None for t in tours):
        raise TourError("no_start")
    if any(t.start_time >= t.end_time for t in tours):
        raise TourError("start_after_end")
    if filters.as_args():
        found = map_queries.map_pins(db, actor, filters, first).pins
        clients = [db.get(Client, p["id"]) for p in found]
    else:
        clients = [c for c, _o in due_clients(db, actor, first, set())]
    rows: dict[int, tuple[TourStop | None, Client, int | None]] = {}
    handled = set()  # visited or skipped on one of these days already: not planned again
    for index, tour in enumerate(tours):
        for stop, client in services.stops_of(db, tour):
            if stop.state == "planned":
                rows[client.id] = (stop, client, index if stop.appointment_at is not None else None)
            else:
                handled.add(client.id)
    for client in clients:
        if client.id not in handled:
            rows.setdefault(client.id, (None, client, None))
    if len(rows) > WEEK_MAX_CLIENTS:
        raise TourError("too_many", limit=WEEK_MAX_CLIENTS, count=len(rows))
    places = []
    for tour in tours:
        places.append((tour.start_lat, tour.start_lon))
        places.append((tour.end_lat, tour.end_lon) if tour.end_mode == "elsewhere" and tour.end_lat is not None
                      else (tour.start_lat, tour.start_lon))
    ids = list(rows)
    places += [(rows[i][1].latitude, rows[i][1].longitude) if rows[i][1].latitude is not None else None for i in ids]
    points, indices = index_positions(places)
    travel = travel_matrix(points, config.get("ROUTING_URL") or None, timeout=float(config.get("ROUTING_TIMEOUT", 5)))
    work_days = []
    for index, tour in enumerate(tours):  # each day with its own tour's hours, lunch, start and end
        lunch = None
        if tour.lunch_from is not None and tour.lunch_until is not None and tour.lunch_minutes:
            duration = tour.lunch_minutes * 60
            earliest = seconds(tour.lunch_from)
            lunch = LunchBreak(earliest, max(earliest, seconds(tour.lunch_until) - duration), duration)
        work_days.append(WorkDay(start=indices[2 * index],
                                 end=None if tour.end_mode == "last_stop" else indices[2 * index + 1],
                                 shift_start=seconds(tour.start_time),
                                 shift_end=seconds(tour.end_time), lunch=lunch,
                                 max_visits=max_per_day))
    offset = 2 * len(tours)
    stops, day_windows = [], {}
    hours = _weekly_hours(db, ids)
    for k, client_id in enumerate(ids):
        stop, client, pinned = rows[client_id]
        service = (stop.service_minutes if stop else services.visit_minutes_for(client)) * 60
        if stop is not None and stop.appointment_at is not None:
            stops.append(Stop.appointment(client_id, indices[offset + k], seconds(stop.appointment_at),
                                          service, day=pinned))
            continue
        week = hours.get(client_id)  # opening hours on the card: each day of the plan has its own
        closed = {d for d, day in enumerate(days) if week and day.weekday() not in week}
        if week:
            day_windows[client_id] = tuple(opening_windows(week.get(day.weekday(), []), service)
                                           for day in days)
        stops.append(Stop(client_id, indices[offset + k], service, priority=stop.priority if stop else 50,
                          closed_days=closed))
    solution = solve_week(stops, work_days, travel.durations, travel.distances,
                          time_limit=min(10.0, 2.0 + len(stops) / 20), day_windows=day_windows)
    result = WeekResult(tours=tours, duration_s=solution.travel_duration, distance_m=solution.travel_distance)
    for index, day_solution in enumerate(solution.days):
        tour = tours[index]
        for position, visit in enumerate(day_solution.visits):
            stop, client, _pinned = rows[visit.stop.id]
            if stop is None:
                stop = TourStop(tour_id=tour.id, client_id=client.id,
                                service_minutes=services.visit_minutes_for(client))
            stop.tour_id, stop.position = tour.id, position
            db.add(stop)
    for item in solution.left_out:
        stop, client, _pinned = rows[item.stop.id]
        result.left_out.append((client, str(item.reason)))
    db.commit()
    for tour in tours:
        services.plan(db, tour, config, optimise=False)
    return result
