"""Segments an actor may use, and applying one to a select over clients.

For other capabilities (map, tour planner, exports, campaigns):
  apply_segment(stmt, segment)              -> stmt narrowed by the segment's filters
  segment_client_ids(db, actor, segment)    -> ids of the actor's clients in the segment
Both keep the actor's scope: a segment shared by a teammate shows each user only their own reach.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import false, func, or_
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients import registry as client_registry
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.segments import filters as segment_filters
from fieldcrm.segments.models import Segment


def filters_of(segment: Segment) -> dict:
    return segment_filters.clean(json.loads(segment.filters or "{}"))[0]


def apply_segment(stmt, segment: Segment | dict, today: date | None = None):
    """Narrow a select over Client by a saved segment (or a dict of filters)."""
    filters = segment if isinstance(segment, dict) else filters_of(segment)
    return segment_filters.apply(stmt, filters, today)


def segment_client_ids(db: Session, actor: User, segment: Segment | dict, today: date | None = None) -> list[int]:
    """Ids of the clients of `segment` that `actor` may see."""
    stmt = apply_segment(scope(select(Client.id), actor), segment, today)
    return list(db.exec(stmt.order_by(Client.id)).all())


def count(db: Session, actor: User, filters: dict, today: date | None = None) -> int:
    stmt = segment_filters.apply(scope(select(Client.id), actor), filters, today)
    return db.exec(select(func.count()).select_from(stmt.subquery())).one()


def segments_for(db: Session, actor: User) -> list[Segment]:
    return list(db.exec(visible_segments(select(Segment), actor).order_by(Segment.name)).all())


def visible_segment(db: Session, actor: User, segment_id: int) -> Segment | None:
    """A saved segment `actor` may use, or None (for filters that must not fail: the map's)."""
    return db.exec(visible_segments(select(Segment).where(Segment.id == segment_id), actor)).first()


def apply_saved_segment(db: Session, actor: User, stmt, segment_id: int, today: date | None = None):
    """Narrow a select over Client by the saved segment `segment_id`; one out of reach gives no client."""
    segment = visible_segment(db, actor, segment_id)
    return stmt.where(false()) if segment is None else apply_segment(stmt, segment, today)


# --- Reach: a segment is its owner's, or shared with their team -------------------------------------------

def visible_segments(stmt: Select, actor: User) -> Select:
    """Segments `actor` may use: their own, and those shared by someone of their team (admin: all)."""
    if actor.role == "admin":
        return stmt
    shared = Segment.shared & Segment.owner_id.in_(access.team_member_ids(actor.team_id)) \
        if actor.team_id is not None else False
    return stmt.where(or_(Segment.owner_id == actor.id, shared))


def get_segment_or_404(db: Session, actor: User, segment_id: int, *, for_edit: bool = False) -> Segment:
    """A segment in reach; editing is for its owner (and an admin). Applying it still goes through
    clients.queries.scope."""
    segment = db.exec(visible_segments(select(Segment).where(Segment.id == segment_id), actor)).first()
    if segment is None or (for_edit and segment.owner_id != actor.id and actor.role != "admin"):
        raise access.NotVisible()
    return segment


def init_app(app) -> None:
    """Plug the `segment` filter into the client list (a saved segment named in its query string)."""
    client_registry.register_filter("segment", get_segment_or_404, apply_segment)
