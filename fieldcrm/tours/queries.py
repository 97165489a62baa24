"""Read-only selects over tours. Every function starts from scope_tours (below) or clients.queries.scope."""

from __future__ import annotations

from sqlalchemy import false, func
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.tours.models import Tour, TourStop


def recent_tours(db: Session, actor: User, limit: int = 30) -> list[tuple[Tour, User, int]]:
    """Tours the actor may see, newest day first, with their rep and number of stops."""
    counts = (select(TourStop.tour_id, func.count().label("n")).group_by(TourStop.tour_id).subquery())
    stmt = (select(Tour, User, func.coalesce(counts.c.n, 0))
            .join(User, User.id == Tour.owner_id)
            .join(counts, counts.c.tour_id == Tour.id, isouter=True)
            .order_by(Tour.day.desc(), Tour.id.desc()).limit(limit))
    return list(db.exec(scope_tours(stmt, actor)).all())


# --- Reach: a tour is visible to its rep, their manager (same team) and admins ----------------------------

def scope_tours(stmt: Select, actor: User) -> Select:
    """Narrow a select over Tour to the tours `actor` may see."""
    return access.scope_owned(stmt, Tour.owner_id, actor)


def get_tour_or_404(db: Session, actor: User, tour_id: int) -> Tour:
    return access.first_visible(db, scope_tours(select(Tour).where(Tour.id == tour_id), actor))


def scope_tour_stops(stmt: Select, db: Session, tour, viewer: User | None = None) -> Select:
    """Narrow a select over TourStop joined to Client to the stops whose client is still in the tour
    owner's portfolio (and, given a viewer, in the viewer's too). A client given to another rep or
    deleted leaves the tour: its stop stays, shown as "client transferred or deleted" without anything
    of the client, and is left out of the route."""
    owner = db.get(User, tour.owner_id)
    if owner is None:
        return stmt.where(false())
    stmt = scope(stmt, owner)
    return stmt if viewer is None or viewer.id == owner.id else scope(stmt, viewer)


def tour_stop_client_in_scope(db: Session, tour, stop, viewer: User | None = None) -> bool:
    """Whether the stop's client is still in the tour's scope (see scope_tour_stops)."""
    return db.exec(scope_tour_stops(select(Client.id).where(Client.id == stop.client_id), db, tour,
                                    viewer)).first() is not None


def get_tour_stop_or_404(db: Session, actor: User, tour, stop_id: int, *, allow_gone: bool = False) -> TourStop:
    """A stop of `tour` (already scope-checked); NotVisible when its client left the tour's scope,
    unless `allow_gone` (removing such a stop is all that can be done with it)."""
    stop = db.get(TourStop, stop_id)
    if stop is None or stop.tour_id != tour.id:
        raise access.NotVisible()
    if not allow_gone and not tour_stop_client_in_scope(db, tour, stop, actor):
        raise access.NotVisible()
    return stop


def can_edit_tour(actor: User, tour) -> bool:
    """Only the rep drives and edits their tour; their manager and admins look."""
    return actor.id == tour.owner_id
