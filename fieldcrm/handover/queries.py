"""What a hand-over would move, who may hand over to whom, and the hand-overs in reach.

The preview and the move read the same functions here: the figures shown before the confirmation
are the ones the move then checks again under its lock (see services.hand_over)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Integer, bindparam, exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from fieldcrm import access, timeutil
from fieldcrm.accounts.models import User
from fieldcrm.accounts.queries import assignable_owners, followed_people
from fieldcrm.clients.models import Client
from fieldcrm.clients.normalise import fold
from fieldcrm.clients.queries import scope
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.handover.models import CARRIED, HandOver, HandOverItem
from fieldcrm.segments.models import Segment
from fieldcrm.segments.queries import apply_segment
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.services import MAX_TOUR_STOPS
from fieldcrm.visits.queries import TimelineEntry, register_history_source

MODES = ("all", "clients", "segment", "places")
MAX_PLACES = 50
NAMES_SHOWN = 30  # the preview names this many of the clients that would go


@dataclass
class Selection:
    """Which of `source`'s clients go: all of them, chosen ones, a segment's, or those of a list of
    communes / postal codes (a two- or three-digit entry is a département: every code it starts)."""

    source: User
    mode: str = "all"
    client_ids: tuple[int, ...] = ()
    segment: Segment | None = None
    places: tuple[str, ...] = ()


@dataclass
class TourDay:
    """A day of the receiver's tours that stops would join: how many it has, how many come."""

    day: date
    already: int  # stops the receiver's tour has that day
    coming: int  # stops the hand-over would add
    limit: int = MAX_TOUR_STOPS

    @property
    def total(self) -> int:
        return self.already + self.coming

    @property
    def full(self) -> bool:
        """More stops than a tour may hold (tours.MAX_TOUR_STOPS)."""
        return self.total > self.limit


@dataclass
class Moves:
    """The ids of everything a hand-over moves (tour stops with their tour and day)."""

    clients: list[int]
    followups: list[int] = field(default_factory=list)
    appointments: list[int] = field(default_factory=list)
    tour_stops: list[tuple[int, int, int, date]] = field(default_factory=list)  # stop, tour, client, day
    tour_days: list[TourDay] = field(default_factory=list)

    @property
    def full_days(self) -> list[TourDay]:
        return [d for d in self.tour_days if d.full]

    def counts(self) -> dict[str, int]:
        return {"clients": len(self.clients), "followups": len(self.followups),
                "appointments": len(self.appointments), "tour_stops": len(self.tour_stops)}


def can_hand_over(actor: User) -> bool:
    """Managers (of a team) and admins hand portfolios over; a rep never moves anyone's clients."""
    return actor.role == "admin" or (actor.role == "manager" and actor.team_id is not None)


def require_hand_over(actor: User) -> None:
    if not can_hand_over(actor):
        raise access.NotVisible()


def sources(db: Session, actor: User) -> list[User]:
    """Whose clients `actor` may hand over: themselves and the people in their reach, deactivated
    ones included (someone who left is the usual case)."""
    return [actor, *followed_people(db, actor)]


def targets(db: Session, actor: User, source: User | None = None) -> list[User]:
    """Who may receive: active reps and managers in `actor`'s reach (never an admin), not `source`."""
    return [u for u in assignable_owners(db, actor)
            if u.role in ("rep", "manager") and (source is None or u.id != source.id)]


def _place_matches(places: tuple[str, ...], postal_code: str | None, city: str | None) -> bool:
    code, town = (postal_code or "").replace(" ", ""), fold(city)
    for place in places:
        wanted = place.replace(" ", "")
        if wanted.isdigit():
            if (len(wanted) <= 3 and code.startswith(wanted)) or code == wanted:
                return True
        elif fold(place) == town:
            return True
    return False


def portfolio(db: Session, actor: User, source: User, limit: int = 2000) -> list[tuple[int, str, str | None]]:
    """The source's clients to choose from: id, name, city, by name."""
    return [tuple(r) for r in db.exec(scope(select(Client.id, Client.display_name, Client.city), actor)
                                      .where(Client.owner_id == source.id)
                                      .order_by(Client.sort_name, Client.id).limit(limit)).all()]


def selected_client_ids(db: Session, actor: User, selection: Selection) -> list[int]:
    """The clients of the selection still owned by its source, in `actor`'s reach."""
    stmt = scope(select(Client.id, Client.postal_code, Client.city), actor).where(
        Client.owner_id == selection.source.id)
    if selection.mode == "clients":
        stmt = stmt.where(Client.id.in_(selection.client_ids or (-1,)))
    elif selection.mode == "segment":
        stmt = apply_segment(stmt, selection.segment)
    rows = db.exec(stmt.order_by(Client.id)).all()
    if selection.mode == "places":  # accent- and case-free names: compared here, the same way for all
        return [cid for cid, code, city in rows if _place_matches(selection.places, code, city)]
    return [cid for cid, _code, _city in rows]


def client_names(db: Session, client_ids: list[int], limit: int = NAMES_SHOWN) -> list[tuple[str, str | None]]:
    """Names and cities of (the first `limit` of) the clients about to move, by name."""
    if not client_ids:
        return []
    return [tuple(r) for r in db.exec(select(Client.display_name, Client.city).where(Client.id.in_(client_ids))
                                      .order_by(Client.sort_name, Client.id).limit(limit)).all()]


def open_followups(db: Session, source: User, client_ids: list[int]) -> list[int]:
    """Open follow-ups on those clients assigned to the source (others' stay with them)."""
    if not client_ids:
        return []
    return list(db.exec(select(FollowUp.id).where(
        FollowUp.client_id.in_(client_ids), FollowUp.assignee_id == source.id, FollowUp.status == "open")
        .order_by(FollowUp.id)).all())


def future_appointments(db: Session, source: User, client_ids: list[int], now: datetime) -> list[int]:
    """The source's appointments on those clients not over yet and not cancelled."""
    if not client_ids:
        return []
    return list(db.exec(select(Appointment.id).where(
        Appointment.client_id.in_(client_ids), Appointment.owner_id == source.id,
        Appointment.cancelled_at.is_(None), Appointment.ends_at > now).order_by(Appointment.id)).all())


def future_tour_stops(db: Session, source: User, target: User, client_ids: list[int],
                      today: date) -> list[tuple[int, int, int, date]]:
    """Stops still to do at those clients on the source's tours from today on, except where the
    target's tour that day already has the client."""
    if not client_ids:
        return []
    other_stop, other_tour = aliased(TourStop), aliased(Tour)
    already = exists(select(other_stop.id).join(other_tour, other_tour.id == other_stop.tour_id).where(
        other_tour.owner_id == target.id, other_tour.day == Tour.day, other_stop.client_id == TourStop.client_id))
    return [tuple(row) for row in db.exec(
        select(TourStop.id, TourStop.tour_id, TourStop.client_id, Tour.day).join(Tour, Tour.id == TourStop.tour_id)
        .where(Tour.owner_id == source.id, Tour.day >= today, TourStop.state == "planned",
               TourStop.client_id.in_(client_ids), ~already).order_by(Tour.day, TourStop.position, TourStop.id)).all()]


def tour_days(db: Session, target: User, tour_stops: list[tuple[int, int, int, date]]) -> list[TourDay]:
    """The days of `target`'s tours the stops would join, each with the stops it has and those coming."""
    coming: dict[date, int] = {}
    for _stop, _tour, _client, day in tour_stops:
        coming[day] = coming.get(day, 0) + 1
    if not coming:
        return []
    already = dict(db.exec(select(Tour.day, func.count(TourStop.id)).join(TourStop, TourStop.tour_id == Tour.id)
                           .where(Tour.owner_id == target.id, Tour.day.in_(list(coming)))
                           .group_by(Tour.day)).all())
    return [TourDay(day, already.get(day, 0), n) for day, n in sorted(coming.items())]


def moves(db: Session, actor: User, selection: Selection, target: User, carry: set[str]) -> Moves:
    """Everything the hand-over of `selection` to `target` moves, given what is carried along."""
    client_ids = selected_client_ids(db, actor, selection)
    source = selection.source
    result = Moves(client_ids)
    if "followup" in carry:
        result.followups = open_followups(db, source, client_ids)
    if "appointment" in carry:
        result.appointments = future_appointments(db, source, client_ids, timeutil.now())
    if "tour_stop" in carry:
        result.tour_stops = future_tour_stops(db, source, target, client_ids, timeutil.today())
        result.tour_days = tour_days(db, target, result.tour_stops)
    return result


# --- hand-overs done ------------------------------------------------------------------------------

def _in_reach(actor: User):
    """Hand-overs whose giver and receiver both are in `actor`'s reach."""
    owners = access.visible_owner_ids(actor)
    stmt = select(HandOver)
    if not can_hand_over(actor):
        return stmt.where(HandOver.id.is_(None))
    if owners is None:
        return stmt
    return stmt.where(HandOver.from_user_id.in_(owners), HandOver.to_user_id.in_(owners))


def get_handover_or_404(db: Session, actor: User, handover_id: int) -> HandOver:
    handover = db.exec(_in_reach(actor).where(HandOver.id == handover_id)).first()
    if handover is None:
        raise access.NotVisible()
    return handover


def recent_handovers(db: Session, actor: User, limit: int = 10) -> list[HandOver]:
    return list(db.exec(_in_reach(actor).order_by(HandOver.created_at.desc(), HandOver.id.desc())
                        .limit(limit)).all())


def people(db: Session, *ids: int | None) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    return {u.id: u for u in db.exec(select(User).where(User.id.in_(wanted))).all()} if wanted else {}


def not_restored(handover: HandOver) -> dict[str, int]:
    """After an undo, per kind, how many items stayed as later changes left them."""
    counts = json.loads(handover.not_restored or "{}")
    return {kind: counts[kind] for kind in ("client", *CARRIED) if counts.get(kind)}


# --- the card's history ---------------------------------------------------------------------------

@dataclass
class HistoryNote:
    """A hand-over as the card's history shows it."""

    handover_id: int
    giver: str
    receiver: str
    undone: bool = False


def _client_history_select():
    giver, receiver, actor, undoer = (aliased(User) for _ in range(4))
    return (select(HandOver, HandOverItem.restored, giver.name, receiver.name, actor.name, undoer.name)
            .join(HandOverItem, HandOverItem.hand_over_id == HandOver.id)
            .join(giver, giver.id == HandOverItem.from_id).join(receiver, receiver.id == HandOverItem.to_id)
            .join(actor, actor.id == HandOver.actor_id)
            .outerjoin(undoer, undoer.id == HandOver.undone_by_id)
            .where(HandOverItem.client_id == bindparam("client_id"), HandOverItem.kind == "client")
            .order_by(HandOver.created_at.desc(), HandOver.id.desc()).limit(bindparam("need", type_=Integer)))


# Built once: every card's history runs it, and building four aliases of User cost more than the query.
_CLIENT_HISTORY = _client_history_select()


def client_history(db: Session, client: Client, need: int) -> list[TimelineEntry]:
    """The hand-overs of one card (and their undos), newest first."""
    rows = db.exec(_CLIENT_HISTORY, params={"client_id": client.id, "need": need}).all()
    entries = []
    for handover, restored, from_name, to_name, actor_name, undoer_name in rows:
        entries.append(TimelineEntry("handover", handover.created_at,
                                     HistoryNote(handover.id, from_name, to_name), actor_name))
        if handover.undone_at is not None and restored:
            entries.append(TimelineEntry("handover", handover.undone_at,
                                         HistoryNote(handover.id, to_name, from_name, undone=True), undoer_name))
    return entries


register_history_source(client_history)

