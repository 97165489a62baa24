"""Beyond one day: "fill my day" (due clients that fit in the gaps) and "plan a week" (spread clients
over several days with the least total driving, via fieldcrm.tours.week.solve_week)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client, OpeningHours
from fieldcrm.clients.queries import scope
from fieldcrm.geo.bounds import distance_km
from fieldcrm.maps import queries as map_queries
from fieldcrm.maps.queries import MapFilters
from fieldcrm.tours import services
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.planning import index_positions
from fieldcrm.tours.problem import LunchBreak, Stop
from fieldcrm.tours.solver import solve_tour
from fieldcrm.tours.travel import travel_matrix
from fieldcrm.tours.week import WorkDay, solve_week

FILL_CANDIDATES = 12  # due clients offered to the solver, most overdue and least detour first
FILL_MAX_DETOUR_KM = 30.0
WEEK_MAX_CLIENTS = 150


@dataclass
class Suggestion:
    client: Client
    overdue_days: int
    detour_km: float
    eta_s: int | None


def _due_clients(db: Session, owner: User, day: date, exclude: set[int]) -> list[tuple[Client, int]]:
    stmt = scope(select(Client), owner).where(Client.latitude.is_not(None),
                                              Client.visit_cadence_days.is_not(None))
    clients = [c for c in db.exec(stmt).all() if c.id not in exclude]
    last = map_queries.last_contact_dates(db, [c.id for c in clients])
    due = [(c, map_queries.overdue_days(c.visit_cadence_days, last.get(c.id), day)) for c in clients
           if map_queries.is_due(c.visit_cadence_days, last.get(c.id), day)]
    due.sort(key=lambda item: -item[1])
    return due


def _insertion_km(route: list[tuple[float, float]], point: tuple[float, float]) -> float:
    if len(route) < 2:
        return 2 * distance_km(*route[0], *point) if route else 0.0
    return min(distance_km(*a, *point) + distance_km(*point, *b) - distance_km(*a, *b)
               for a, b in zip(route, route[1:], strict=False))


def fill_my_day(db: Session, actor: User, tour: Tour, config: Mapping) -> list[Suggestion]:
    """Due clients of the tour's rep that the solver can fit around the day's stops (fixed
    appointments included), most overdue first, with the detour each one costs."""
    if tour.start_lat is None:
        raise services.TourError("no_start")
    owner = db.get(User, tour.owner_id)
    rows = [(s, c) for s, c in services.stops_of(db, tour) if s.state == "planned"]
    start = (tour.start_lat, tour.start_lon)
    route = [start] + [(c.latitude, c.longitude) for s, c in rows if c.latitude is not None] + [start]
    due = _due_clients(db, owner, tour.day, {c.id for _, c in services.stops_of(db, tour)})
    scored = [(c, overdue, _insertion_km(route, (c.latitude, c.longitude))) for c, overdue in due]
    scored = [item for item in scored if item[2] <= FILL_MAX_DETOUR_KM][:FILL_CANDIDATES]
    if not scored:
        return []
    for stop, _c in rows:
        stop.priority = 100  # what is already planned stays planned
    candidates = [(TourStop(id=-c.id, tour_id=tour.id, client_id=c.id, priority=max(1, 60 - rank * 4),
                            service_minutes=services.visit_minutes_for(c)), c)
                  for rank, (c, _o, _k) in enumerate(scored)]
    problem, _travel, closed = services.build_problem(db, tour, rows + candidates, config, start=start,
                                               shift_start=services.seconds(tour.start_time))
    solution = solve_tour(problem)
    db.rollback()  # the priorities above were only for this computation
    served = {v.stop.id: v for v in solution.visits}
    return [Suggestion(c, overdue, round(km, 1), served[-c.id].arrival) for c, overdue, km in scored
            if -c.id in served]


@dataclass
class WeekResult:
    tours: list[Tour]
    left_out: list[tuple[Client, str]] = field(default_factory=list)
    distance_m: int | None = None
    duration_s: int = 0


def _working_days(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


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
    """One tour per working day from `first`: the clients matching `filters` (or, with no filter, the
    due ones) plus what those tours already hold, appointments kept on their day."""
    days = _working_days(first, count)
    # A day of the plan without a tour yet gets the settings of the last tour before the week (one
    # day's own hours inside the week, e.g. a free morning, do not spread to the other days).
    usual = services.latest_tour(db, actor, before=first) or services.latest_tour(db, actor)
    tours = [services.tour_for_day(db, actor, d, like=usual) for d in days]
    if any(t.start_lat is None for t in tours):
        raise services.TourError("no_start")
    if any(t.start_time >= t.end_time for t in tours):
        raise services.TourError("start_after_end")
    if filters.as_args():
        found = map_queries.map_pins(db, actor, filters, first).pins
        clients = [db.get(Client, p["id"]) for p in found]
    else:
        clients = [c for c, _o in _due_clients(db, actor, first, set())]
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
        raise services.TourError("too_many", limit=WEEK_MAX_CLIENTS, count=len(rows))
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
            earliest = services.seconds(tour.lunch_from)
            lunch = LunchBreak(earliest, max(earliest, services.seconds(tour.lunch_until) - duration), duration)
        work_days.append(WorkDay(start=indices[2 * index],
                                 end=None if tour.end_mode == "last_stop" else indices[2 * index + 1],
                                 shift_start=services.seconds(tour.start_time),
                                 shift_end=services.seconds(tour.end_time), lunch=lunch,
                                 max_visits=max_per_day))
    offset = 2 * len(tours)
    stops, day_windows = [], {}
    hours = _weekly_hours(db, ids)
    for k, client_id in enumerate(ids):
        stop, client, pinned = rows[client_id]
        service = (stop.service_minutes if stop else services.visit_minutes_for(client)) * 60
        if stop is not None and stop.appointment_at is not None:
            stops.append(Stop.appointment(client_id, indices[offset + k], services.seconds(stop.appointment_at),
                                          service, day=pinned))
            continue
        week = hours.get(client_id)  # opening hours on the card: each day of the plan has its own
        closed = {d for d, day in enumerate(days) if week and day.weekday() not in week}
        if week:
            day_windows[client_id] = tuple(services.opening_windows(week.get(day.weekday(), []), service)
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


# --- stops from the agenda and from saved segments ------------------------------------------------

def agenda_available() -> bool:
    try:
        from fieldcrm.followups.models import Appointment, FollowUp  # noqa: F401
    except ImportError:
        return False
    return True


def add_days_agenda(db: Session, actor: User, tour: Tour, config: Mapping) -> tuple[int, int]:
    """Add the day's appointments (fixed times) and open follow-ups due that day of the tour's rep.
    Returns (appointments, follow-ups) added."""
    from zoneinfo import ZoneInfo

    from fieldcrm.followups.models import Appointment, FollowUp

    zone = ZoneInfo(config.get("DEFAULT_TIMEZONE", "Europe/Paris"))
    begin = datetime.combine(tour.day, time(0), tzinfo=zone).astimezone(UTC)
    end = begin + timedelta(days=1)
    appointments = db.exec(scope(
        select(Appointment, Client).join(Client, Client.id == Appointment.client_id), actor)
        .where(Appointment.owner_id == tour.owner_id, Appointment.cancelled_at.is_(None),
               Appointment.starts_at >= begin, Appointment.starts_at < end)).all()
    followups = db.exec(scope(
        select(FollowUp, Client).join(Client, Client.id == FollowUp.client_id), actor)
        .where(FollowUp.assignee_id == tour.owner_id, FollowUp.status == "open",
               FollowUp.due_date == tour.day)).all()
    existing = {s.client_id: s for s in db.exec(select(TourStop).where(TourStop.tour_id == tour.id)).all()}
    clients = [c for _a, c in appointments] + [c for _f, c in followups]
    services.add_stops(db, actor, tour, [c for c in {c.id: c for c in clients}.values() if c.id not in existing])
    stops = {s.client_id: s for s in db.exec(select(TourStop).where(TourStop.tour_id == tour.id)).all()}
    for appointment, client in appointments:
        stop = stops[client.id]
        starts = _aware(appointment.starts_at).astimezone(zone)
        minutes = int((_aware(appointment.ends_at) - _aware(appointment.starts_at)).total_seconds() // 60)
        stop.appointment_at = starts.time().replace(second=0, microsecond=0)
        stop.service_minutes = max(0, min(minutes, 600))
        stop.priority = 100
        db.add(stop)
    for _followup, client in followups:
        if stops[client.id].appointment_at is None:
            stops[client.id].priority = max(stops[client.id].priority, 80)
            db.add(stops[client.id])
    db.commit()
    return len(appointments), len(followups)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def segments_available() -> bool:
    try:
        from fieldcrm.segments.queries import segment_client_ids, segments_for  # noqa: F401
    except ImportError:
        return False
    return True


def visible_segments(db: Session, actor: User) -> list:
    if not segments_available():
        return []
    from fieldcrm.segments.queries import segments_for

    return segments_for(db, actor)


def segment_clients(db: Session, actor: User, segment_id: int, today: date) -> list[Client] | None:
    """The located and unlocated clients of a saved segment the actor may use; None if not visible."""
    from fieldcrm.segments.queries import segment_client_ids

    segment = next((s for s in visible_segments(db, actor) if s.id == segment_id), None)
    if segment is None:
        return None
    ids = segment_client_ids(db, actor, segment, today)
    if not ids:
        return []
    return list(db.exec(scope(select(Client), actor).where(Client.id.in_(ids)).order_by(Client.id)).all())


def clients_in_view(db: Session, actor: User, filters: MapFilters, bounds: tuple[float, float, float, float],
                    today: date) -> list[Client]:
    """The map's pins (same filters) inside the visible rectangle (south, west, north, east)."""
    south, west, north, east = bounds
    pins = map_queries.map_pins(db, actor, filters, today).pins
    ids = [p["id"] for p in pins if south <= p["lat"] <= north and west <= p["lon"] <= east]
    if not ids:
        return []
    if len(ids) > services.MAX_TOUR_STOPS:
        raise services.TourError("too_many", limit=services.MAX_TOUR_STOPS, count=len(ids))
    return list(db.exec(scope(select(Client), actor).where(Client.id.in_(ids)).order_by(Client.id)).all())


def clients_in_zone(db: Session, actor: User, filters: MapFilters, polygon, today: date) -> list[Client]:
    """The map's pins (same filters) inside a zone drawn on the map; TourError beyond a tour's cap."""
    ids = [p["id"] for p in map_queries.pins_in_zone(db, actor, filters, polygon, today)]
    if not ids:
        return []
    if len(ids) > services.MAX_TOUR_STOPS:
        raise services.TourError("too_many", limit=services.MAX_TOUR_STOPS, count=len(ids))
    return list(db.exec(scope(select(Client), actor).where(Client.id.in_(ids)).order_by(Client.id)).all())
