"""Read-only selects for the mileage log. Every function starts from tours.queries.scope_tours."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.tours.mileage import MileageDay, day_km
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.queries import scope_tours


def mileage_days(db: Session, actor: User, owner: User, first: date, last: date) -> list[MileageDay]:
    """One row per tour driven by `owner` between two days, both included: a tour with at least one
    stop done, or with both odometer readings."""
    done = (select(TourStop.tour_id, func.count().label("n")).where(TourStop.state == "done")
            .group_by(TourStop.tour_id).subquery())
    stmt = (select(Tour, func.coalesce(done.c.n, 0)).join(done, done.c.tour_id == Tour.id, isouter=True)
            .where(Tour.owner_id == owner.id, Tour.day >= first, Tour.day <= last)
            .where((done.c.n > 0) | (Tour.odometer_start_km.is_not(None) & Tour.odometer_end_km.is_not(None)))
            .order_by(Tour.day))
    rows = []
    for tour, n in db.exec(scope_tours(stmt, actor)).all():
        km, source = day_km(tour.distance_m, tour.travel_source, tour.odometer_start_km, tour.odometer_end_km)
        rows.append(MileageDay(day=tour.day, tour_id=tour.id, km=km, stops_done=n, source=source))
    return rows
