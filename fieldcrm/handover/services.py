"""Handing clients over, and undoing it. Each is one transaction, taken alone (db.exclusive): two
hand-overs of the same clients at once never interleave, the second one sees what the first did."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlmodel import Session, select

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.accounts.services import log_event
from fieldcrm.clients.models import Client
from fieldcrm.db import dialect_insert, exclusive
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.handover import queries
from fieldcrm.handover.models import HandOver, HandOverItem
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.services import unsaved_tour

LOCK = "handover"


class HandOverError(ValueError):
    """A hand-over that cannot be done as asked (the message is for the user)."""


@dataclass
class PortfolioChanged(Exception):
    """What the hand-over would move differs from the preview the user confirmed."""

    moves: queries.Moves


def _tour_for(db: Session, owner: User, day, like: Tour | None) -> Tour:
    """The owner's tour that day, created if missing, inside the caller's transaction."""
    tour = db.exec(select(Tour).where(Tour.owner_id == owner.id, Tour.day == day)).first()
    if tour is not None:
        return tour
    draft = unsaved_tour(db, owner, day)
    values = {c.name: getattr(draft, c.name) for c in Tour.__table__.columns if c.name != "id"}
    db.execute(dialect_insert(db, Tour.__table__).values(**values).on_conflict_do_nothing(
        index_elements=["owner_id", "day"]))
    return db.exec(select(Tour).where(Tour.owner_id == owner.id, Tour.day == day)).one()


def _touch_tours(db: Session, tour_ids: set[int]) -> None:
    """Stops came or went: the stored plans no longer hold."""
    if tour_ids:
        db.execute(update(Tour).where(Tour.id.in_(tour_ids)).values(
            planned_at=None, version=Tour.version + 1, updated_at=timeutil.now()))


def _move_stop(db: Session, stop_id: int, tour: Tour) -> None:
    last = db.exec(select(func.max(TourStop.position)).where(TourStop.tour_id == tour.id)).one() or 0
    db.execute(update(TourStop).where(TourStop.id == stop_id).values(tour_id=tour.id, position=last + 1))


def hand_over(db: Session, actor: User, selection: queries.Selection, target: User, carry: set[str],
              expected: dict[str, int], scope_label: str) -> HandOver:
    """Give the selected clients of `selection.source` to `target`, with their open follow-ups,
    coming appointments and tour stops as `carry` says. `expected` holds the preview's figures: when
    the portfolio changed since (someone else handed some of it over meanwhile), nothing moves and
    PortfolioChanged carries the new figures."""
    source = selection.source
    if target.id == source.id:
        raise HandOverError(_l("Choose someone other than the current owner."))
    with exclusive(db, LOCK):
        moves = queries.moves(db, actor, selection, target, carry)
        if moves.counts() != expected:
            db.rollback()
            raise PortfolioChanged(moves)
        if not moves.clients:
            db.rollback()
            raise HandOverError(_l("No client to hand over: the selection is empty."))
        if moves.full_days:
            db.rollback()
            raise HandOverError(_l("The receiver's tours cannot take these stops: see the days above. Untick "
                                   "the tour stops, or hand over fewer clients."))
        now = timeutil.now()
        counts = moves.counts()
        handover = HandOver(actor_id=actor.id, from_user_id=source.id, to_user_id=target.id,
                            scope_label=scope_label[:300], clients=counts["clients"],
                            followups=counts["followups"], appointments=counts["appointments"],
                            tour_stops=counts["tour_stops"], created_at=now)
        db.add(handover)
        db.flush()
        items = [dict(kind="client", item_id=cid, client_id=cid, from_id=source.id, to_id=target.id)
                 for cid in moves.clients]
        db.execute(update(Client).where(Client.id.in_(moves.clients), Client.owner_id == source.id).values(
            owner_id=target.id, version=Client.version + 1, updated_at=now, updated_by_id=actor.id))
        if moves.followups:
            followup_clients = dict(db.exec(select(FollowUp.id, FollowUp.client_id)
                                            .where(FollowUp.id.in_(moves.followups))).all())
            items += [dict(kind="followup", item_id=fid, client_id=followup_clients[fid], from_id=source.id,
                           to_id=target.id) for fid in moves.followups]
            db.execute(update(FollowUp).where(FollowUp.id.in_(moves.followups)).values(assignee_id=target.id))
        if moves.appointments:
            appointment_clients = dict(db.exec(select(Appointment.id, Appointment.client_id)
                                               .where(Appointment.id.in_(moves.appointments))).all())
            items += [dict(kind="appointment", item_id=aid, client_id=appointment_clients[aid],
                           from_id=source.id, to_id=target.id) for aid in moves.appointments]
            db.execute(update(Appointment).where(Appointment.id.in_(moves.appointments))
                       .values(owner_id=target.id))
        touched: set[int] = set()
        for stop_id, tour_id, client_id, day in moves.tour_stops:
            new_tour = _tour_for(db, target, day, None)
            _move_stop(db, stop_id, new_tour)
            items.append(dict(kind="tour_stop", item_id=stop_id, client_id=client_id, from_id=tour_id,
                              to_id=new_tour.id))
            touched |= {tour_id, new_tour.id}
        _touch_tours(db, touched)
        db.execute(HandOverItem.__table__.insert(), [{**item, "hand_over_id": handover.id} for item in items])
        # The audit trail shows it as "Portfolio handed over: <from> → <to>: <number of clients>".
        log_event(db, "portfolio_moved", login=source.email, user_id=source.id, actor_id=actor.id,
                  detail=f"to {target.id}: {counts['clients']}")
        db.commit()
    return handover


def _still_as_moved(db: Session, kind: str, items: list[HandOverItem]) -> set[int]:
    """The ids among `items` that are still where the hand-over put them (nobody changed them since)."""
    ids = [i.item_id for i in items]
    if not ids:
        return set()
    to = {i.item_id: i.to_id for i in items}
    if kind == "client":
        rows = db.exec(select(Client.id, Client.owner_id).where(Client.id.in_(ids))).all()
    elif kind == "followup":
        rows = db.exec(select(FollowUp.id, FollowUp.assignee_id).where(
            FollowUp.id.in_(ids), FollowUp.status == "open")).all()
    elif kind == "appointment":
        rows = db.exec(select(Appointment.id, Appointment.owner_id).where(
            Appointment.id.in_(ids), Appointment.cancelled_at.is_(None))).all()
    else:
        rows = db.exec(select(TourStop.id, TourStop.tour_id).where(
            TourStop.id.in_(ids), TourStop.state == "planned")).all()
    return {item_id for item_id, now_at in rows if to[item_id] == now_at}


def _give_back_stop(db: Session, item: HandOverItem) -> bool:
    """Put a stop back on the tour it came from, if that tour still exists without the client."""
    old_tour = db.get(Tour, item.from_id)
    if old_tour is None or db.exec(select(TourStop.id).where(
            TourStop.tour_id == old_tour.id, TourStop.client_id == item.client_id)).first() is not None:
        return False
    _move_stop(db, item.item_id, old_tour)
    return True


def undo(db: Session, actor: User, handover: HandOver) -> dict[str, int]:
    """Give back what the hand-over moved, except what was changed since (a follow-up done or given
    to someone else, a client handed on again…): those stay. Returns, per kind, how many stayed."""
    with exclusive(db, LOCK):
        db.refresh(handover)
        if handover.undone_at is not None:
            db.rollback()
            raise HandOverError(_l("This hand-over was already undone."))
        items = list(db.exec(select(HandOverItem).where(HandOverItem.hand_over_id == handover.id)).all())
        left: dict[str, int] = {}
        touched: set[int] = set()
        for kind, model, column in (("client", Client, Client.owner_id),
                                    ("followup", FollowUp, FollowUp.assignee_id),
                                    ("appointment", Appointment, Appointment.owner_id),
                                    ("tour_stop", None, None)):
            of_kind = [i for i in items if i.kind == kind]
            unchanged = _still_as_moved(db, kind, of_kind)
            for item in of_kind:
                restored = item.item_id in unchanged
                if restored and kind == "tour_stop":
                    restored = _give_back_stop(db, item)
                    if restored:
                        touched |= {item.from_id, item.to_id}
                item.restored = restored
                db.add(item)
            back = [i.item_id for i in of_kind if i.restored and kind != "tour_stop"]
            if back:
                values = {column.key: handover.from_user_id}
                if kind == "client":
                    values.update(version=Client.version + 1, updated_at=timeutil.now(), updated_by_id=actor.id)
                db.execute(update(model).where(model.id.in_(back)).values(**values))
            if len(of_kind) > len([i for i in of_kind if i.restored]):
                left[kind] = len(of_kind) - len([i for i in of_kind if i.restored])
        _touch_tours(db, touched)
        handover.undone_at = timeutil.now()
        handover.undone_by_id = actor.id
        handover.not_restored = json.dumps(left)
        db.add(handover)
        db.commit()
    return left
