"""What the organisation chose to collect on a client card at all (data minimisation switches).

A single row, read here by everything that fills or shows a card (the form, imports, exports);
privacy/ changes it (switching a field off also erases what was stored in it)."""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel, select


class OrgSettings(SQLModel, table=True):
    """A single row: what the organisation chose to collect at all."""

    __tablename__ = "org_settings"
    id: int | None = Field(default=None, primary_key=True)
    collect_birth_date: bool = False
    collect_gender: bool = False
    # Who is responsible for the client file (RGPD controller) and how to reach them: printed on the
    # information notice and the access exports, edited by privacy/.
    org_name: str | None = Field(default=None, max_length=254)
    org_address: str | None = Field(default=None, sa_column=Column(Text))
    org_email: str | None = Field(default=None, max_length=254)
    org_phone: str | None = Field(default=None, max_length=254)
    org_siren: str | None = Field(default=None, max_length=254)
    dpo_contact: str | None = Field(default=None, sa_column=Column(Text))


def org_settings(db: Session) -> OrgSettings:
    settings = db.exec(select(OrgSettings)).first()
    return settings or OrgSettings(id=None)
