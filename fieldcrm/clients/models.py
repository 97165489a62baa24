"""The client file: clients (companies or people), contact people, tags, consents,
opening hours and admin-defined custom fields."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from fieldcrm.timeutil import utcnow

KINDS = ("company", "person")
STATUSES = ("suspect", "lead", "prospect", "client", "former_client")
CIVILITIES = ("M", "MME")
GENDERS = ("female", "male", "other")
CHANNELS = ("visit", "phone", "email", "sms", "post")
CONSENT_STATES = ("unknown", "granted", "refused")
GEO_PRECISIONS = ("rooftop", "street", "city", "manual")
CUSTOM_FIELD_TYPES = ("text", "number", "date", "choice")
INFORMED_CHANNELS = ("in_person", "email", "post", "phone", "website", "other")


class Client(SQLModel, table=True):
    __tablename__ = "client"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="company", max_length=10)
    company_name: str | None = Field(default=None, max_length=200)
    siret: str | None = Field(default=None, max_length=14, index=True)
    civility: str | None = Field(default=None, max_length=8)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    display_name: str = Field(max_length=220)
    sort_name: str = Field(max_length=220, index=True)
    status: str = Field(default="prospect", max_length=16, index=True)
    sector: str | None = Field(default=None, max_length=120)
    segment: str | None = Field(default=None, max_length=120)
    loyalty_programme: str | None = Field(default=None, max_length=120)
    client_since: date | None = None
    source: str | None = Field(default=None, max_length=120)
    owner_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)

    street: str | None = Field(default=None, max_length=200)
    street2: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=12, index=True)
    city: str | None = Field(default=None, max_length=120)
    country: str = Field(default="FR", max_length=2)
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: str | None = Field(default=None, max_length=10)
    geo_source: str | None = Field(default=None, max_length=40)
    geocoded_at: datetime | None = None

    phone: str | None = Field(default=None, max_length=20)
    mobile: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254, index=True)
    website: str | None = Field(default=None, max_length=254)

    do_not_contact: bool = False
    do_not_contact_at: datetime | None = None
    # When and how the person received the information notice (RGPD art. 13/14).
    informed_on: date | None = None
    informed_channel: str | None = Field(default=None, max_length=12)
    birth_date: date | None = None
    gender: str | None = Field(default=None, max_length=10)
    visit_cadence_days: int | None = None
    # How long a visit here usually lasts; a tour stop starts with it (else the global default).
    visit_minutes: int | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text))
    # Maintained by visits.services.log_interaction, in the same transaction as the interaction.
    last_contact_at: datetime | None = Field(default=None, index=True)
    last_visit_at: datetime | None = Field(default=None, index=True)

    # Maintained by clients.services: accent-free, lower-case text of every searchable field.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))

    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    version: int = Field(default=1)
    deleted_at: datetime | None = Field(default=None, index=True)
    deleted_by_id: int | None = Field(default=None, foreign_key="app_user.id")


# Each sort of the list walks one rep's portfolio in index order and stops after a page (migration 0017
# also gives search_text a trigram index, FTS5 on SQLite, pg_trgm on PostgreSQL, and the last-contact
# sort its (owner, last contact) index: its NULLS FIRST differs per database, see clients/search.py).
Index("ix_client_owner_city", Client.owner_id, Client.city, Client.sort_name)
Index("ix_client_owner_sort_name", Client.owner_id, Client.sort_name, Client.id)
Index("ix_client_owner_status_name", Client.owner_id, Client.status, Client.sort_name, Client.id)
Index("ix_client_owner_updated", Client.owner_id, Client.updated_at, Client.id)


class ClientStatusCount(SQLModel, table=True):
    """How many cards (not deleted) each owner has in each status: the list's status chips. Kept by
    database triggers (migration 0017) in the same transaction as any write to `client`; never written
    by the app. owner_id 0 counts the cards without an owner."""

    __tablename__ = "client_status_count"
    owner_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    status: str = Field(primary_key=True, max_length=16)
    n: int


class ContactPerson(SQLModel, table=True):
    __tablename__ = "contact_person"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    civility: str | None = Field(default=None, max_length=8)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str = Field(max_length=100)
    function: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    direct_line: str | None = Field(default=None, max_length=20)
    mobile: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Tag(SQLModel, table=True):
    __tablename__ = "tag"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)


class ClientTag(SQLModel, table=True):
    __tablename__ = "client_tag"
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)


class ChannelConsent(SQLModel, table=True):
    """Per channel: whether the client accepts it, and the consent with its date and source."""

    __tablename__ = "channel_consent"
    __table_args__ = (UniqueConstraint("client_id", "channel"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    channel: str = Field(max_length=10)
    allowed: bool = True
    consent: str = Field(default="unknown", max_length=10)
    consent_at: datetime | None = None
    consent_source: str | None = Field(default=None, max_length=120)


class OpeningHours(SQLModel, table=True):
    """One opening span on one weekday (0 = Monday); a lunch break is two spans."""

    __tablename__ = "opening_hours"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    weekday: int
    opens: time
    closes: time


class CustomFieldDef(SQLModel, table=True):
    __tablename__ = "custom_field_def"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)
    label: str = Field(max_length=80)
    field_type: str = Field(default="text", max_length=10)
    choices: str | None = Field(default=None, sa_column=Column(Text))  # one choice per line
    active: bool = True
    position: int = 0


class CustomFieldValue(SQLModel, table=True):
    __tablename__ = "custom_field_value"
    __table_args__ = (UniqueConstraint("client_id", "field_id"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    field_id: int = Field(foreign_key="custom_field_def.id", index=True)
    value: str | None = Field(default=None, max_length=500)
