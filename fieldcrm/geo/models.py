"""The pace of each external geocoding endpoint, shared by every process of the deployment."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ProviderPace(SQLModel, table=True):
    """One row per endpoint (e.g. ``"nominatim https://nominatim.openstreetmap.org"``).

    Times are Unix timestamps (seconds, wall clock), comparable between processes and hosts."""

    __tablename__ = "provider_pace"
    key: str = Field(primary_key=True, max_length=300)
    next_slot_at: float = 0.0  # the earliest moment the next request may be sent
    paused_until: float = 0.0  # the service asked us to come back later (HTTP 429) or stopped answering
