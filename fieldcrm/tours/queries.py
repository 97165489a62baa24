"""Read-only selects over tours. Every function starts from access.scope_tours / access.scope."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.tours.models import Tour, TourStop


def recent_tours(db: Session, actor: User, limit: int = 30) -> list[tuple[Tour, User, int]]:
    """Tours the actor may see, newest day first, with their rep and number of stops."""
    counts = (select(TourStop.tour_id, func.count().label("n")).group_by(TourStop.tour_id).subquery())
    stmt = (select(Tour, User, func.coalesce(counts.c.n, 0))
            .join(User, User.id == Tour.owner_id)
            .join(counts, counts.c.tour_id == Tour.id, isouter=True)
            .order_by(Tour.day.desc(), Tour.id.desc()).limit(limit))
    return list(db.exec(access.scope_tours(stmt, actor)).all())

