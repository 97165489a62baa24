"""Retention: each rule's settings as an admin chose them, the log of what each run found and did,
and which clients were anonymised (kept for the sales figures, with no one to identify)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

RUN_STATES = ("pending", "applied", "dismissed", "failed", "nothing")


class RetentionRule(SQLModel, table=True):
    """An admin's settings for one rule of privacy.retention_rules (a rule without a row: its defaults)."""

    __tablename__ = "retention_rule"
    key: str = Field(primary_key=True, max_length=40)
    days: int
    enabled: bool = True
    auto_apply: bool = False  # False: the daily run prepares a batch an admin reviews first
    action: str = Field(max_length=12)  # "anonymise", "erase" or "delete"
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class RetentionRun(SQLModel, table=True):
    """One run of one rule: what it found before `cutoff`, and what became of the batch."""

    __tablename__ = "retention_run"
    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=40, index=True)
    trigger: str = Field(default="daily", max_length=10)  # "daily" or "manual"
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    cutoff: datetime
    action: str = Field(max_length=12)
    status: str = Field(default="pending", max_length=10)
    found: int = 0
    applied: int = 0
    # The reviewed batch: the ids a review shows and an apply touches (rules on clients); rules on log
    # rows keep none: their batch is "everything before the cutoff", which cannot grow.
    item_ids: str | None = Field(default=None, sa_column=Column(Text))
    detail: str | None = Field(default=None, sa_column=Column(Text))
    reviewed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = None


class ClientAnonymisation(SQLModel, table=True):
    """A client whose identity was removed by a retention rule; the card stays for the figures."""

    __tablename__ = "client_anonymisation"
    client_id: int = Field(primary_key=True, foreign_key="client.id", ondelete="CASCADE")
    anonymised_at: datetime = Field(default_factory=utcnow)
    rule: str = Field(max_length=40)
