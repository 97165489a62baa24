"""A saved filter. `filters` is JSON: {field: value}, read by segments.filters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

COLOURS = ("#0f5e6e", "#b3261e", "#1b7f3b", "#8a5a00", "#5b3cc4", "#c2185b", "#37474f")


class Segment(SQLModel, table=True):
    __tablename__ = "segment"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    shared: bool = False
    colour: str = Field(default="#0f5e6e", max_length=7)
    filters: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
