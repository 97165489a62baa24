"""Default visit cadences and the private calendar feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

CADENCE_FIELDS = ("status", "segment")


class CadenceRule(SQLModel, table=True):
    """A default visit cadence for every client of a status or segment (the client's own cadence,
    when set, wins; then the segment's; then the status's)."""

    __tablename__ = "cadence_rule"
    __table_args__ = (UniqueConstraint("field", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    field: str = Field(max_length=10)
    value: str = Field(max_length=120)
    days: int


class CalendarFeed(SQLModel, table=True):
    """A user's private ICS address. Only a hash of the secret is stored; revoking ends it."""

    __tablename__ = "calendar_feed"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_fetched_at: datetime | None = None
