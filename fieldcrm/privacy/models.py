"""Organisation-wide privacy settings: data minimisation switches, the organisation's identity."""

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class OrgSettings(SQLModel, table=True):
    """A single row: what the organisation chose to collect at all."""

    __tablename__ = "org_settings"
    id: int | None = Field(default=None, primary_key=True)
    collect_birth_date: bool = False
    collect_gender: bool = False
    # Printed on the information notice (the data controller and how to reach it).
    org_name: str | None = Field(default=None, max_length=254)
    org_address: str | None = Field(default=None, sa_column=Column(Text))
    org_email: str | None = Field(default=None, max_length=254)
    org_phone: str | None = Field(default=None, max_length=254)
    org_siren: str | None = Field(default=None, max_length=254)
    dpo_contact: str | None = Field(default=None, sa_column=Column(Text))
