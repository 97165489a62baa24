"""The register of processing as the organisation edited it, and the minimisation review's dismissals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow


class RegisterEntry(SQLModel, table=True):
    """The CRM's entry in the register of processing activities, in one language (JSON of sections)."""

    __tablename__ = "register_entry"
    locale: str = Field(primary_key=True, max_length=5)
    sections: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class TextReviewDismissal(SQLModel, table=True):
    """"This text is fine": a flagged text an admin kept as it is. Bound to the text's fingerprint, so
    the text flagged again once someone changes it."""

    __tablename__ = "text_review_dismissal"
    __table_args__ = (UniqueConstraint("source", "row_id", "text_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20)
    row_id: int
    text_hash: str = Field(max_length=64)
    dismissed_at: datetime = Field(default_factory=utcnow)
    dismissed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
