"""Tour use cases: build a day, add stops, optimise (VROOM via fieldcrm.tours.solver), reorder,
drive it (done / skipped / re-optimise from here). Each use case commits once.

Times of day are Europe/Paris wall-clock seconds from midnight, like the solver's."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app, has_app_context
from sqlalchemy import func
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.db import dialect_insert
from fieldcrm.timeutil import utcnow
from fieldcrm.tours.day_problem import CLOSED_THAT_DAY, LATE, TourError, build_problem, seconds
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.problem import (
    LeftOut,
    LeftOutReason,
    TooManyStops,
    TourProblem,
    TourSolution,
)
from fieldcrm.tours.queries import scope_tour_stops
from fieldcrm.tours.solver import keep_appointments, picked_order_cost, schedule_order, solve_tour

MAX_TOUR_STOPS = 100  # what a rep can drive in a day, with margin; the solver itself takes 200
CLIENT_GONE = "client_gone"  # the client was given to another rep or deleted


# --- building a day --------------------------------------------------------------------------------

def latest_tour(db: Session, actor: User, before: date | None = None) -> Tour | None:
    """The actor's latest tour (before `before`, when given)."""
    stmt = select(Tour).where(Tour.owner_id == actor.id)
    if before is not None:
        stmt = stmt.where(Tour.day < before)
    return db.exec(stmt.order_by(Tour.day.desc(), Tour.id.desc())).first()


def saved_tour(db: Session, actor: User, day: date) -> Tour | None:
    """The actor's tour for `day`, if one was saved."""
    return db.exec(select(Tour).where(Tour.owner_id == actor.id, Tour.day == day).order_by(Tour.id)).first()


def unsaved_tour(db: Session, actor: User, day: date, *, like: Tour | None = None) -> Tour:
    """A new tour for `day`, not saved, with the settings (start, end, hours, lunch) of `like`, by
    default the actor's latest tour."""
    tour = Tour(owner_id=actor.id, day=day)
    previous = like or latest_tour(db, actor)
    if previous is not None:
        for name in ("start_label", "start_lat", "start_lon", "end_mode", "end_label", "end_lat", "end_lon",
                     "start_time", "end_time", "lunch_from", "lunch_until", "lunch_minutes"):
            setattr(tour, name, getattr(previous, name))
    return tour


def tour_for_day(db: Session, actor: User, day: date, *, like: Tour | None = None) -> Tour:
    """The actor's tour for `day`, created on first use (see unsaved_tour). For POSTs only: two at
    once create one tour (the insert gives way to the one that got there first)."""
    tour = saved_tour(db, actor, day)
    if tour is not None:
        return tour
    draft = unsaved_tour(db, actor, day, like=like)
    values = {column.name: getattr(draft, column.name) for column in Tour.__table__.columns if column.name != "id"}
    db.execute(dialect_insert(db, Tour.__table__).values(**values).on_conflict_do_nothing(
        index_elements=["owner_id", "day"]))
    db.commit()
    return saved_tour(db, actor, day)


def stops_of(db: Session, tour: Tour, viewer: User | None = None) -> list[tuple[TourStop, Client]]:
    """The tour's stops with their clients, in order: only those whose client is still in the tour's
    scope (a client given to another rep or deleted leaves; see gone_stops)."""
    stmt = (select(TourStop, Client).join(Client, Client.id == TourStop.client_id)
            .where(TourStop.tour_id == tour.id).order_by(TourStop.position, TourStop.id))
    return list(db.exec(scope_tour_stops(stmt, db, tour, viewer)).all())


def gone_stops(db: Session, tour: Tour, viewer: User | None = None) -> list[TourStop]:
    """The tour's stops whose client left its scope (transferred to another rep, or deleted): kept
    so that the rep sees a stop went, never with anything of the client; out of every route."""
    kept = scope_tour_stops(select(TourStop.id).join(Client, Client.id == TourStop.client_id)
                            .where(TourStop.tour_id == tour.id), db, tour, viewer)
    return list(db.exec(select(TourStop).where(TourStop.tour_id == tour.id, TourStop.id.not_in(kept))
                        .order_by(TourStop.position, TourStop.id)).all())


def _touch(tour: Tour) -> None:
    tour.updated_at = utcnow()
    tour.version += 1


def _clear_plan(db: Session, tour: Tour) -> None:
    """The order changed: the stored plan no longer holds (ETAs are recomputed on the next plan)."""
    tour.planned_at = None


def default_visit_minutes() -> int:
    """The global visit duration (setting TOUR_VISIT_MINUTES, 30 by default)."""
    return int(current_app.config.get("TOUR_VISIT_MINUTES", 30)) if has_app_context() else 30


def visit_minutes_for(client: Client) -> int:
    """How long a new stop at `client` lasts: the client's own visit duration, else the global one."""
    return client.visit_minutes or default_visit_minutes()


def add_stops(db: Session, actor: User, tour: Tour, clients: Sequence[Client], *,
              visit_minutes: int | None = None) -> int:
    """Add clients (already scope-checked) at the end of the tour; returns how many were new.
    Each stop lasts `visit_minutes` if given, else the client's visit duration, else the global one
    (the rep may still change it on the stop)."""
    existing = {s.client_id for s in db.exec(select(TourStop).where(TourStop.tour_id == tour.id)).all()}
    new = [c for c in clients if c.id not in existing]
    if len(existing) + len(new) > MAX_TOUR_STOPS:
        raise TourError("too_many", limit=MAX_TOUR_STOPS, count=len(existing) + len(new))
    last = db.exec(select(func.max(TourStop.position)).where(TourStop.tour_id == tour.id)).one() or 0
    for offset, client in enumerate(new, start=1):
        db.add(TourStop(tour_id=tour.id, client_id=client.id, position=last + offset,
                        service_minutes=visit_minutes or visit_minutes_for(client)))
    if new:
        _clear_plan(db, tour)
        _touch(tour)
        db.add(tour)
    db.commit()
    return len(new)


def remove_stop(db: Session, tour: Tour, stop: TourStop) -> None:
    db.delete(stop)
    _clear_plan(db, tour)
    _touch(tour)
    db.add(tour)
    db.commit()


def update_stop(db: Session, tour: Tour, stop: TourStop, *, service_minutes: int, priority: int,
                appointment_at: time | None) -> None:
    stop.service_minutes, stop.priority, stop.appointment_at = service_minutes, priority, appointment_at
    db.add(stop)
    _clear_plan(db, tour)
    _touch(tour)
    db.add(tour)
    db.commit()


def update_settings(db: Session, tour: Tour, data: dict) -> None:
    """Start/end places, working hours and lunch (validated by the form)."""
    for key, value in data.items():
        setattr(tour, key, value)
    _clear_plan(db, tour)
    _touch(tour)
    db.add(tour)
    db.commit()


def set_state(db: Session, tour: Tour, stop: TourStop, state: str) -> None:
    """Mark a stop done or skipped (or back to planned)."""
    stop.state = state
    stop.done_at = utcnow() if state == "done" else None
    db.add(stop)
    _touch(tour)
    db.add(tour)
    db.commit()


# --- planning --------------------------------------------------------------------------------------

@dataclass
class PlanOutcome:
    """What the planner did, for the page: totals, savings, and what was left out and why."""

    optimised: bool
    left_out: list[tuple[TourStop, Client, str]] = field(default_factory=list)
    notice: str | None = None
    fell_back: bool = False
    from_s: int | None = None  # a day under way: planned from this time (seconds from midnight)


def _start_of(tour: Tour) -> tuple[float, float]:
    if tour.start_lat is None or tour.start_lon is None:
        raise TourError("no_start")
    return (tour.start_lat, tour.start_lon)


def _store(db: Session, tour: Tour, problem: TourProblem, solution: TourSolution,
           by_id: dict[int, tuple[TourStop, Client]], first_position: int,
           closed: list[tuple[TourStop, Client]], travel, picked_order: list[int],
           clashes: Sequence[LeftOut] = ()) -> PlanOutcome:
    """Store the plan. `clashes`: in an order kept by hand, the appointments that cannot both be
    kept; a late one names the appointment it clashes with."""
    position = first_position
    clash_of = {}
    for item in clashes:  # either of the two may be the late one in the rep's order
        clash_of.setdefault(item.stop.id, item)
        clash_of.setdefault(item.other, dataclasses.replace(item, stop=problem.stop(item.other), other=item.stop.id))
    for visit in solution.visits:
        stop, _client = by_id[visit.stop.id]
        stop.position = position
        position += 1
        stop.arrival_s, stop.start_s, stop.departure_s = visit.arrival, visit.start, visit.departure
        stop.leg_duration_s, stop.leg_distance_m = visit.travel_duration, visit.travel_distance
        stop.left_out_reason = LATE if visit.late else None
        stop.left_out_detail = _conflict_detail(clash_of[visit.stop.id]) \
            if visit.late and visit.stop.id in clash_of else None
        db.add(stop)
    outcome = PlanOutcome(optimised=True, notice=travel.notice, fell_back=travel.fell_back)
    left = [(by_id[item.stop.id], str(item.reason), _conflict_detail(item)) for item in solution.left_out]
    left += [((stop, client), CLOSED_THAT_DAY, None) for stop, client in closed]
    for (stop, client), reason, detail in left:
        stop.position = position
        position += 1
        stop.arrival_s = stop.start_s = stop.departure_s = stop.leg_duration_s = stop.leg_distance_m = None
        stop.left_out_reason, stop.left_out_detail = reason, detail
        db.add(stop)
        outcome.left_out.append((stop, client, reason))
    # The saving compares the same stops: the rep's order of the stops the plan serves.
    served = {visit.stop.id for visit in solution.visits}
    picked_duration, picked_distance = picked_order_cost(problem, [i for i in picked_order if i in served])
    tour.picked_duration_s, tour.picked_distance_m = picked_duration, picked_distance
    tour.duration_s, tour.distance_m = solution.travel_duration, solution.travel_distance
    tour.lunch_at_s = solution.lunch_start
    tour.return_at_s = solution.arrival if problem.end is not None else None
    tour.travel_source = travel.source
    tour.travel_notice = ("fallback" if travel.fell_back else "estimated") if travel.estimated else None
    tour.planned_at = utcnow()
    _touch(tour)
    db.add(tour)
    db.commit()
    return outcome


def _conflict_detail(item: LeftOut) -> str | None:
    """What the page needs to name the appointment a stop clashes with (JSON, stop ids)."""
    if item.other is None:
        return None
    return json.dumps({"with": item.other, "travel_s": item.travel, "gap_s": item.gap})


def plan(db: Session, tour: Tour, config: Mapping, *, optimise: bool = True,
         from_position: tuple[float, float] | None = None, now_s: int | None = None) -> PlanOutcome:
    """Plan the tour's stops still to visit.

    `optimise`: VROOM picks the order (least driving within windows, appointments and the end of
    day); otherwise the current order is kept and only the times are computed (late stops flagged).
    `from_position`/`now_s`: a day under way is planned from where the rep stands, now (never
    before the configured start, and an appointment already past can no longer be reached)."""
    rows = stops_of(db, tour)
    finished = [(s, c) for s, c in rows if s.state != "planned"]
    todo = [(s, c) for s, c in rows if s.state == "planned"]
    if len(todo) > MAX_TOUR_STOPS:
        raise TooManyStops(len(todo), MAX_TOUR_STOPS)
    start = from_position or _start_of(tour)
    shift_start = seconds(tour.start_time)
    if now_s is not None:
        shift_start = max(shift_start, now_s)
    lunch = not (now_s is not None and tour.lunch_until is not None and now_s >= seconds(tour.lunch_until))
    problem, travel, closed = build_problem(db, tour, todo, config, start=start, shift_start=shift_start, lunch=lunch,
                                            started=now_s is not None)
    by_id = {s.id: (s, c) for s, c in todo}
    picked_order = [s.id for s, _ in todo]
    if optimise:
        solution, clashes = solve_tour(problem), []
    else:
        located = [s.id for s in problem.stops if s.location is not None]
        missing = [LeftOut(s, LeftOutReason.NO_POSITION) for s in problem.stops if s.location is None]
        stretched, clashes = keep_appointments(problem)  # the order is the rep's; the day holds its appointments
        solution = dataclasses.replace(schedule_order(stretched, located), left_out=missing)
        clashes = [item for item in clashes if item.other is not None]
    for position, (stop, _client) in enumerate(finished):
        stop.position = position
        db.add(stop)
    _set_aside_gone(db, tour, first_position=len(rows))
    outcome = _store(db, tour, problem, solution, by_id, len(finished), closed, travel, picked_order,
                     clashes=clashes)
    outcome.optimised = optimise
    outcome.from_s = shift_start if now_s is not None else None
    return outcome


def under_way(tour: Tour, now: datetime) -> bool:
    """The tour's day has started and is not over (`now`: Paris wall time): what is left is planned
    from now. After the end of the day, the day is planned as a whole again (to look back at it)."""
    return now.date() == tour.day and tour.start_time < now.time() < tour.end_time


@dataclass(frozen=True)
class Resume:
    """Where and when a plan of the tour starts: `now_s` is None for the whole day."""

    position: tuple[float, float] | None  # None: the start of the day's place
    now_s: int | None
    source: str  # "position" (the phone's, shared), "last_stop", or "start"
    last_stop: Client | None = None


def resume_point(db: Session, tour: Tour, now: datetime, shared: tuple[float, float] | None = None) -> Resume:
    """A day under way is planned from now: from the phone's position when the rep shared it, else
    from the last stop marked done (the latest by the time it was marked), else from the start of
    the day's place. A day not under way is planned whole (from the shared position, if any)."""
    if not under_way(tour, now):
        return Resume(shared, None, "position" if shared else "start")
    now_s = now.hour * 3600 + now.minute * 60
    if shared is not None:
        return Resume(shared, now_s, "position")
    done = [(s, c) for s, c in stops_of(db, tour) if s.state == "done" and c.latitude is not None]
    if done:
        _stop, client = max(done, key=lambda row: (row[0].done_at is not None, row[0].done_at or utcnow(),
                                                   row[0].position))
        return Resume((client.latitude, client.longitude), now_s, "last_stop", client)
    return Resume(None, now_s, "start")


def _set_aside_gone(db: Session, tour: Tour, first_position: int) -> None:
    """Stops whose client left the tour's scope: no times, after every other stop, out of the plan."""
    for position, stop in enumerate(gone_stops(db, tour), start=first_position):
        stop.position = position
        stop.arrival_s = stop.start_s = stop.departure_s = stop.leg_duration_s = stop.leg_distance_m = None
        stop.left_out_reason = CLIENT_GONE
        db.add(stop)


def move_stop(db: Session, tour: Tour, stop: TourStop, new_index: int, config: Mapping,
              now: datetime | None = None) -> PlanOutcome | None:
    """Reorder by hand: put `stop` at `new_index` among the tour's stops and recompute the times;
    on a day under way at `now`, from now and the last stop done (see resume_point)."""
    rows = stops_of(db, tour)
    ordered = [s for s, _ in rows if s.id != stop.id]
    new_index = min(max(new_index, 0), len(ordered))
    ordered.insert(new_index, stop)
    for position, item in enumerate(ordered):
        item.position = position
        db.add(item)
    _touch(tour)
    db.add(tour)
    db.commit()
    if tour.start_lat is None:
        return None
    resume = resume_point(db, tour, now) if now is not None else Resume(None, None, "start")
    return plan(db, tour, config, optimise=False, from_position=resume.position, now_s=resume.now_s)


def picked_saving(tour: Tour) -> tuple[int, int | None] | None:
    """(seconds, metres) the plan saves over the order as picked; None before a plan."""
    if tour.planned_at is None or tour.duration_s is None or tour.picked_duration_s is None:
        return None
    metres = None
    if tour.distance_m is not None and tour.picked_distance_m is not None:
        metres = tour.picked_distance_m - tour.distance_m
    return tour.picked_duration_s - tour.duration_s, metres


def set_place(db: Session, tour: Tour, which: str, lat: float, lon: float, label: str) -> None:
    """Set the start or end of the day to a position (e.g. the phone's current position)."""
    setattr(tour, f"{which}_lat", lat)
    setattr(tour, f"{which}_lon", lon)
    setattr(tour, f"{which}_label", label[:200])
    if which == "end":
        tour.end_mode = "elsewhere"
    _clear_plan(db, tour)
    _touch(tour)
    db.add(tour)
    db.commit()
