"""Follow-ups (relances) and appointments (rendez-vous)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

STATUSES = ("open", "done", "cancelled")
REASON_MAX = 200
PLACE_MAX = 200
NOTES_MAX = 4000  # an appointment's notes: as long as a visit report


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_assignee_status_due", "assignee_id", "status", "due_date"),
                      Index("ix_follow_up_client_created", "client_id", "created_at"))
    id: int | None = Field(default=None, primary_key=True)
    uid: str | None = Field(default=None, max_length=36, unique=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE")
    assignee_id: int = Field(foreign_key="app_user.id")
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    due_date: date
    due_time: time | None = None
    reason: str = Field(default="", max_length=REASON_MAX)
    status: str = Field(default="open", max_length=10)
    snoozed_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class Appointment(SQLModel, table=True):
    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_owner_starts", "owner_id", "starts_at"),
                      Index("ix_appointment_client_starts", "client_id", "starts_at"))
    id: int | None = Field(default=None, primary_key=True)
    uid: str | None = Field(default=None, max_length=36, unique=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE")
    owner_id: int = Field(foreign_key="app_user.id")
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    starts_at: datetime
    ends_at: datetime
    place: str | None = Field(default=None, max_length=PLACE_MAX)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    cancelled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
