"""Purchases, campaigns and each client's response to a campaign."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

CAMPAIGN_CHANNELS = ("email", "sms", "phone", "post", "visit")
RESPONSES = ("sent", "opened", "replied", "bought", "unsubscribed")


class Purchase(SQLModel, table=True):
    __tablename__ = "purchase"
    # Covers sales.queries.purchase_stats (sum, count, max date per client) without reading the table.
    __table_args__ = (Index("ix_purchase_client_stats", "client_id", "purchased_on", "amount"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    purchased_on: date = Field(index=True)
    amount: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    product: str | None = Field(default=None, max_length=200)
    product_family: str | None = Field(default=None, max_length=120)
    quantity: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 3)))
    reference: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=160)
    channel: str = Field(max_length=10)
    sent_on: date
    offer: str | None = Field(default=None, sa_column=Column(Text))
    segment_id: int | None = Field(default=None, foreign_key="segment.id")
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class CampaignRecipient(SQLModel, table=True):
    __tablename__ = "campaign_recipient"
    __table_args__ = (UniqueConstraint("campaign_id", "client_id"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    response: str = Field(default="sent", max_length=14)
    responded_at: datetime | None = None
