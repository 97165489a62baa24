"""Interactions with a client (visit, call, email, SMS, note…) and the shared quick phrases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from fieldcrm.clients.models import Client
from fieldcrm.timeutil import utcnow

KINDS = ("visit", "phone", "email", "sms", "note", "other")
OUTCOMES = ("reached", "not_reached", "call_back", "appointment_set", "order_taken", "not_interested",
            "other")
NOTE_MAX = 4000  # a long visit report fits; a pasted document does not
PHRASE_MAX = 120


class Interaction(SQLModel, table=True):
    """Something that happened with a client. `uid` is generated on the phone, so a repeated
    submit (double tap, retry, offline queue) finds the row it already made."""

    __tablename__ = "interaction"
    __table_args__ = (Index("ix_interaction_client_occurred", "client_id", "occurred_at"),
                      Index("ix_interaction_author_created", "author_id", "created_at"))
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=36, unique=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE")
    author_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(default="visit", max_length=10)
    outcome: str = Field(default="reached", max_length=20)
    occurred_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, sa_column=Column(Text))
    # Removing a contact person keeps what was logged with them (the link is emptied).
    contact_id: int | None = Field(default=None, foreign_key="contact_person.id", ondelete="SET NULL")
    duration_minutes: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the author (or their manager) corrects the log afterwards.
    updated_at: datetime | None = None
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class QuickPhrase(SQLModel, table=True):
    """A phrase the admin shares with every rep, inserted in a note with one tap."""

    __tablename__ = "quick_phrase"
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=PHRASE_MAX)
    position: int = 0


# Today's "due for a visit" walks a rep's clients from the longest unvisited: an index on the client
# table that belongs to this capability (declared here, created by migration 0002).
Index("ix_client_owner_last_visit", Client.owner_id, Client.last_visit_at)
Index("ix_client_visit_cadence_days", Client.visit_cadence_days)  # the cadences in use, in no time
