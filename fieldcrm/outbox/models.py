"""One row per action a phone queued, keyed by its author and the id the phone gave it.

The row is written in the same transaction as the action (see outbox.replay): when it exists, the action
happened, and its answer is kept so that a replay gets the same answer instead of doing it again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow


class QueuedAction(SQLModel, table=True):
    __tablename__ = "queued_action"
    __table_args__ = (UniqueConstraint("user_id", "action_id", name="uq_queued_action_user_action"),)
    id: int | None = Field(default=None, primary_key=True)
    # The author's actions leave with them (an erased account keeps no trace of what its phone sent).
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False))
    action_id: str = Field(max_length=36)
    endpoint: str = Field(max_length=80)
    # The answer once the action is done; None for the instant between its commit and the answer's.
    status: int | None = None
    location: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)
