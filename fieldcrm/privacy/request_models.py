"""Tables of the people's rights: the register of their requests and the opposition list."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

REQUEST_KINDS = ("access", "rectification", "erasure", "opposition")
REQUEST_STATUSES = ("received", "in_progress", "done", "refused")
OPEN_STATUSES = ("received", "in_progress")
FINGERPRINT_KINDS = ("email", "phone", "name")


class PrivacyRequest(SQLModel, table=True):
    """One request a person made about their data. `client_id` has no foreign key on purpose: the
    register keeps the trace of an erasure after the card is gone (its `person_name` is anonymised)."""

    __tablename__ = "privacy_request"
    __table_args__ = (Index("ix_privacy_request_status_due", "status", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    client_id: int | None = Field(default=None, index=True)
    contact_id: int | None = None  # the contact person at a company the request is about
    person_name: str = Field(default="", max_length=220)
    channel: str | None = Field(default=None, max_length=20)  # how it was received
    received_on: date
    due_on: date
    status: str = Field(default="received", max_length=12)
    refusal_reason: str | None = Field(default=None, sa_column=Column(Text))
    details: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = None
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class OppositionFingerprint(SQLModel, table=True):
    """A keyed hash (HMAC) of one way to recognise an objector: never the value itself."""

    __tablename__ = "opposition_fingerprint"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    digest: str = Field(max_length=64, unique=True, index=True)
    reason: str = Field(default="opposition", max_length=12)  # "opposition" or "erasure"
    recorded_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
