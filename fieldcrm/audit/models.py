"""Audit events. No foreign key to client on purpose: the trail outlives purged cards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=40, index=True)  # "merge", "client.viewed", … (see audit.services)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    subject_id: int | None = Field(default=None, index=True)  # the surviving client of a merge
    other_id: int | None = Field(default=None, index=True)  # the merged-away client
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    undone_at: datetime | None = None
    undone_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # Set on entries written at most once per period (a card viewed: once per user, card and hour): the
    # unique index makes "write it unless it exists" one atomic INSERT … ON CONFLICT DO NOTHING.
    dedupe_key: str | None = Field(default=None, max_length=80, unique=True, index=True)
