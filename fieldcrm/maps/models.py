"""Bulk geocoding runs: what the admin screen's progress bar reads, and what a resumed run continues;
and the index the map reads its visible area through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from fieldcrm.clients.models import Client
from fieldcrm.timeutil import utcnow

RUN_STATES = ("queued", "running", "done", "interrupted")


class GeocodeRun(SQLModel, table=True):
    """One bulk geocoding pass. A client counts as handled by the run once its ``geocoded_at`` is
    later than ``started_at`` (located or not), so a run stopped half-way resumes where it stopped."""

    __tablename__ = "geocode_run"
    id: int | None = Field(default=None, primary_key=True)
    started_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    scope_all: bool = False  # False: only clients not located yet; True: every client (manual pins kept)
    status: str = Field(default="queued", max_length=12)
    total: int = 0
    handled: int = 0
    located: int = 0
    not_located: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


# The map asks for the pins of one rectangle of one portfolio: the owner, then a latitude range, with the
# longitude checked in the index itself (maps.queries.map_pins).
Index("ix_client_owner_position", Client.owner_id, Client.latitude, Client.longitude)
