"""Where stops come from: the day's agenda (appointments at fixed times, follow-ups due), saved
segments, the map's view or a drawn zone, and the clients due by cadence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.maps import queries as map_queries
from fieldcrm.maps.queries import MapFilters
from fieldcrm.segments.queries import segment_client_ids, segments_for
from fieldcrm.tours import services
from fieldcrm.tours.day_problem import TourError
from fieldcrm.tours.models import Tour, TourStop


def due_clients(db: Session, owner: User, day: date, exclude: set[int]) -> list[tuple[Client, int]]:
    """The owner's located clients due for a visit by their cadence on `day`, most overdue first."""
    stmt = scope(select(Client), owner).where(Client.latitude.is_not(None),
                                                     Client.visit_cadence_days.is_not(None))
    clients = [c for c in db.exec(stmt).all() if c.id not in exclude]
    last = map_queries.last_contact_dates(db, [c.id for c in clients])
    due = [(c, map_queries.overdue_days(c.visit_cadence_days, last.get(c.id), day)) for c in clients
           if map_queries.is_due(c.visit_cadence_days, last.get(c.id), day)]
    due.sort(key=lambda item: -item[1])
    return due


def add_days_agenda(db: Session, actor: User, tour: Tour, config: Mapping) -> tuple[int, int]:
    """Add the day's appointments (fixed times) and open follow-ups due that day of the tour's rep.
    Returns (appointments, follow-ups) added."""
    zone = timeutil.zone()
    begin, end = timeutil.day_bounds(tour.day)
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


def visible_segments(db: Session, actor: User) -> list:
    return segments_for(db, actor)


def segment_clients(db: Session, actor: User, segment_id: int, today: date) -> list[Client] | None:
    """The located and unlocated clients of a saved segment the actor may use; None if not visible."""
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
        raise TourError("too_many", limit=services.MAX_TOUR_STOPS, count=len(ids))
    return list(db.exec(scope(select(Client), actor).where(Client.id.in_(ids)).order_by(Client.id)).all())


def clients_in_zone(db: Session, actor: User, filters: MapFilters, polygon, today: date) -> list[Client]:
    """The map's pins (same filters) inside a zone drawn on the map; TourError beyond a tour's cap."""
    ids = [p["id"] for p in map_queries.pins_in_zone(db, actor, filters, polygon, today)]
    if not ids:
        return []
    if len(ids) > services.MAX_TOUR_STOPS:
        raise TourError("too_many", limit=services.MAX_TOUR_STOPS, count=len(ids))
    return list(db.exec(scope(select(Client), actor).where(Client.id.in_(ids)).order_by(Client.id)).all())
