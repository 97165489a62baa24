"""A hand-over and its journal: one row per thing moved, what it was and what it became, so that an
undo gives back exactly what moved (and only what nobody changed since)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

# What moves: the clients themselves, then what hangs on them.
KINDS = ("client", "followup", "appointment", "tour_stop")
CARRIED = ("followup", "appointment", "tour_stop")


class HandOver(SQLModel, table=True):
    __tablename__ = "hand_over"
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="app_user.id")
    from_user_id: int = Field(foreign_key="app_user.id", index=True)
    to_user_id: int = Field(foreign_key="app_user.id", index=True)
    # Which part of the portfolio, in the words of the form (shown on the record, never re-applied).
    scope_label: str = Field(default="", max_length=300)
    clients: int = 0
    followups: int = 0
    appointments: int = 0
    tour_stops: int = 0
    created_at: datetime = Field(default_factory=utcnow, index=True)
    undone_at: datetime | None = None
    undone_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # After an undo: per kind, how many items stayed where later changes put them (JSON object).
    not_restored: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))


class HandOverItem(SQLModel, table=True):
    """One moved thing. For a client, a follow-up or an appointment `from_id`/`to_id` are users
    (owner or assignee); for a tour stop they are tours (the old rep's and the new rep's, same day)."""

    __tablename__ = "hand_over_item"
    __table_args__ = (Index("ix_hand_over_item_client_kind", "client_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    hand_over_id: int = Field(foreign_key="hand_over.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=12)
    item_id: int
    # No foreign key: the journal (and the card's history) outlives a purged card, like the audit trail.
    client_id: int
    from_id: int
    to_id: int
    restored: bool | None = None  # after an undo: given back, or left as later changes put it
