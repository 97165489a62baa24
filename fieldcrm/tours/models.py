"""Saved tours: one rep, one day, stops in driving order with their planned times."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

END_MODES = ("start", "elsewhere", "last_stop")
STOP_STATES = ("planned", "done", "skipped")


class Tour(SQLModel, table=True):
    """A day's tour. Times of day (start, end of day, lunch, ETAs) are Europe/Paris wall-clock."""

    __tablename__ = "tour"
    # One tour a rep a day: two "create it if missing" at once must meet on this, not make two.
    __table_args__ = (Index("uq_tour_owner_day", "owner_id", "day", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    day: date = Field(index=True)
    start_label: str | None = Field(default=None, max_length=200)
    start_lat: float | None = None
    start_lon: float | None = None
    end_mode: str = Field(default="start", max_length=10)
    end_label: str | None = Field(default=None, max_length=200)
    end_lat: float | None = None
    end_lon: float | None = None
    start_time: time = Field(default=time(8, 30))
    end_time: time = Field(default=time(18, 30))
    lunch_from: time | None = Field(default=time(12, 0))
    lunch_until: time | None = Field(default=time(14, 0))
    lunch_minutes: int = 60
    # The last plan: totals, what the rep's own order would have driven, where travel times came from.
    planned_at: datetime | None = None
    distance_m: int | None = None
    duration_s: int | None = None
    picked_distance_m: int | None = None
    picked_duration_s: int | None = None
    travel_source: str | None = Field(default=None, max_length=20)
    travel_notice: str | None = Field(default=None, max_length=300)
    lunch_at_s: int | None = None
    return_at_s: int | None = None
    # The car's odometer at the start and end of the day, as the rep read it: the mileage log's
    # kilometres when both are given, before the planned route's.
    odometer_start_km: int | None = None
    odometer_end_km: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class TourStop(SQLModel, table=True):
    """A client on a tour. ``arrival_s``/``start_s``/``departure_s`` are seconds from midnight."""

    __tablename__ = "tour_stop"
    __table_args__ = (UniqueConstraint("tour_id", "client_id"),)
    id: int | None = Field(default=None, primary_key=True)
    tour_id: int = Field(foreign_key="tour.id", index=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    position: int = 0
    service_minutes: int = 30
    priority: int = 50
    appointment_at: time | None = None
    state: str = Field(default="planned", max_length=10)
    left_out_reason: str | None = Field(default=None, max_length=30)
    left_out_detail: str | None = Field(default=None, max_length=200)  # JSON: the clashing appointment
    arrival_s: int | None = None
    start_s: int | None = None
    departure_s: int | None = None
    leg_duration_s: int | None = None
    leg_distance_m: int | None = None
    done_at: datetime | None = None
