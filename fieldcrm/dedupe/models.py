"""Pairs of cards queued as probable duplicates by a process that saw them side by side (an import that
created a card sharing a phone, or a name in the same postal code, with another) and left the decision to
a person: the duplicates screen lists them even when its own comparison would not pair them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

QUEUED_REASONS = ("phone", "name")


class QueuedPair(SQLModel, table=True):
    """Two cards (lower id first) someone should look at; goes with either card."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (UniqueConstraint("first_id", "second_id", name="uq_duplicate_candidate_pair"),)
    id: int | None = Field(default=None, primary_key=True)
    first_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    second_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    reason: str = Field(max_length=10)
    import_id: int | None = None  # the import that queued it (kept as a plain number: dedupe knows no import)
    created_at: datetime = Field(default_factory=utcnow)
