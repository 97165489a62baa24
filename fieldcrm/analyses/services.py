"""Acting on dormant clients in one tap: follow-ups for each of them, or stops on a tour.

The clients come already scope-checked (clients.queries.get_clients_or_404). Each use case is one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import FollowUp
from fieldcrm.followups.services import add_followup


@dataclass
class FollowUpsMade:
    created: int
    already_open: int  # clients that already had an open follow-up: left as they were


def followups_for(db: Session, actor: User, clients: Sequence[Client], *, due_date: date,
                  reason: str) -> FollowUpsMade:
    """One follow-up per client, due on `due_date`, given to the client's owner (to the actor when the
    owner is gone). A client that already has an open follow-up gets no second one."""
    ids = [c.id for c in clients]
    already = set(db.exec(select(FollowUp.client_id).where(FollowUp.client_id.in_(ids),
                                                           FollowUp.status == "open")).all()) if ids else set()
    owner_ids = {c.owner_id for c in clients if c.owner_id is not None}
    owners = {u.id: u for u in db.exec(select(User).where(User.id.in_(owner_ids))).all()} if owner_ids else {}
    created = 0
    for client in clients:
        if client.id in already:
            continue
        owner = owners.get(client.owner_id)
        add_followup(db, actor, client, due_date=due_date, reason=reason,
                     assignee=owner if owner is not None and owner.active else actor)
        created += 1
    db.commit()
    return FollowUpsMade(created=created, already_open=len(already))


@dataclass
class StopsAdded:
    tour_id: int
    added: int
    already_there: int


def add_to_tour(db: Session, actor: User, clients: Sequence[Client], day: date) -> StopsAdded:
    """The clients join the actor's tour of `day` (created if needed). Raises tours.services.TourError
    (nothing added, no tour created) when they would not fit in one day."""
    from fieldcrm.tours import services as tours

    if len(clients) > tours.MAX_TOUR_STOPS:
        raise tours.TourError("too_many", limit=tours.MAX_TOUR_STOPS, count=len(clients))
    tour = tours.tour_for_day(db, actor, day)
    added = tours.add_stops(db, actor, tour, clients)
    return StopsAdded(tour_id=tour.id, added=added, already_there=len(clients) - added)
