"""Read-only selects over tours. Every function starts from access.scope_tours / access.scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.tours.mileage import MileageDay
from fieldcrm.tours.models import Tour, TourStop


def recent_tours(db: Session, actor: User, limit: int = 30) -> list[tuple[Tour, User, int]]:
    """Tours the actor may see, newest day first, with their rep and number of stops."""
    counts = (select(TourStop.tour_id, func.count().label("n")).group_by(TourStop.tour_id).subquery())
    stmt = (select(Tour, User, func.coalesce(counts.c.n, 0))
            .join(User, User.id == Tour.owner_id)
            .join(counts, counts.c.tour_id == Tour.id, isouter=True)
            .order_by(Tour.day.desc(), Tour.id.desc()).limit(limit))
    return list(db.exec(access.scope_tours(stmt, actor)).all())


def mileage_days(db: Session, actor: User, owner: User, first: date, last: date) -> list[MileageDay]:
    """One row per tour driven (at least one stop done) by `owner` between two days, both included."""
    done = (select(TourStop.tour_id, func.count().label("n")).where(TourStop.state == "done")
            .group_by(TourStop.tour_id).subquery())
    stmt = (select(Tour, done.c.n).join(done, done.c.tour_id == Tour.id)
            .where(Tour.owner_id == owner.id, Tour.day >= first, Tour.day <= last).order_by(Tour.day))
    rows = db.exec(access.scope_tours(stmt, actor)).all()
    return [MileageDay(day=t.day, tour_id=t.id, km=round((t.distance_m or 0) / 1000, 1), stops_done=n,
                       estimated=t.travel_source != "osrm") for t, n in rows]
