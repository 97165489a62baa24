"""One day's tour problem from the database: the stops' windows from the clients' opening hours
and appointments, their importance, the start and end places, working hours and lunch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time

from sqlmodel import Session, select

from fieldcrm.clients.models import Client, OpeningHours
from fieldcrm.tours.importance import priority_floors
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.planning import tour_problem
from fieldcrm.tours.problem import LunchBreak, Stop

CLOSED_THAT_DAY = "closed_that_day"  # left-out reasons of the app, beside the solver's
LATE = "late"  # in the order kept by hand, past its window


class TourError(ValueError):
    """A tour that cannot be planned as asked; `code` picks the translated message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def seconds(t: time | None) -> int | None:
    return None if t is None else t.hour * 3600 + t.minute * 60 + t.second


def opening_windows(hours: list[OpeningHours], service: int) -> tuple[tuple[int, int], ...]:
    """Opening spans of the day -> when a visit may start so that it ends before closing."""
    windows = []
    for span in hours:
        opens, closes = seconds(span.opens), seconds(span.closes)
        windows.append((opens, max(opens, closes - service)))
    return tuple(windows)


def _hours_by_client(db: Session, client_ids: list[int], weekday: int) -> tuple[dict, set[int]]:
    rows = db.exec(select(OpeningHours).where(OpeningHours.client_id.in_(client_ids))
                   .order_by(OpeningHours.opens)).all() if client_ids else []
    with_hours = {r.client_id for r in rows}
    today = {}
    for r in rows:
        if r.weekday == weekday:
            today.setdefault(r.client_id, []).append(r)
    return today, with_hours


def build_problem(db: Session, tour: Tour, rows: list[tuple[TourStop, Client]], config: Mapping, *,
                  start: tuple[float, float], shift_start: int, lunch: bool = True, started: bool = False):
    """Stops of the solver for `rows`, the stops that cannot be visited that day, and the problem.
    A stop weighs at least its client's importance that day (a follow-up due, a visit due)."""
    hours, with_hours = _hours_by_client(db, [c.id for _, c in rows], tour.day.weekday())
    floors = priority_floors(db, tour.owner_id, [c for _, c in rows], tour.day)
    stops, closed = [], []
    positions = {}
    for stop, client in rows:
        service = max(stop.service_minutes, 0) * 60
        if stop.appointment_at is not None:
            solver_stop = Stop.appointment(stop.id, None, seconds(stop.appointment_at), service)
        elif client.id in with_hours and client.id not in hours:
            closed.append((stop, client))
            continue
        else:
            solver_stop = Stop(stop.id, None, service, opening_windows(hours.get(client.id, []), service),
                               priority=min(max(stop.priority, floors.get(client.id, 0), 0), 100))
        stops.append(solver_stop)
        positions[stop.id] = (client.latitude, client.longitude) if client.latitude is not None else None
    if tour.end_mode == "last_stop":
        end = None
    elif tour.end_mode == "elsewhere" and tour.end_lat is not None:
        end = (tour.end_lat, tour.end_lon)
    else:
        end = start
    lunch_break = None
    lunch_from, lunch_until = seconds(tour.lunch_from), seconds(tour.lunch_until)
    if lunch and lunch_from is not None and lunch_until is not None and tour.lunch_minutes > 0 \
            and lunch_until > shift_start:
        duration = tour.lunch_minutes * 60
        earliest = max(lunch_from, shift_start)
        lunch_break = LunchBreak(earliest, max(earliest, lunch_until - duration), duration)
    shift_end = seconds(tour.end_time)
    if shift_start >= shift_end:
        raise TourError("start_after_end")
    problem, travel, points = tour_problem(
        stops, positions, start=start, end=end, shift_start=shift_start, shift_end=shift_end,
        lunch=lunch_break, routing_url=config.get("ROUTING_URL") or None,
        timeout=float(config.get("ROUTING_TIMEOUT", 5)), started=started)
    return problem, travel, closed
