"""Mileage use cases: the odometer readings of a day's tour."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from fieldcrm.timeutil import utcnow
from fieldcrm.tours.mileage import odometer_problem
from fieldcrm.tours.models import Tour


class OdometerError(ValueError):
    """Readings that cannot both be right; `code` says why (see mileage.odometer_problem)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def record_odometer(db: Session, tour: Tour, start_km: int | None, end_km: int | None) -> Tour:
    """Keep the day's odometer readings (either may be left for later). One statement: a second
    save at the same time leaves one pair of readings, never half of each."""
    problem = odometer_problem(start_km, end_km)
    if problem:
        raise OdometerError(problem)
    db.exec(update(Tour).where(Tour.id == tour.id).values(
        odometer_start_km=start_km, odometer_end_km=end_km, version=Tour.version + 1, updated_at=utcnow()))
    db.commit()
    db.refresh(tour)
    return tour
