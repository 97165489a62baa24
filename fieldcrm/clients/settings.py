"""What the organisation chose to collect on a client card at all (data minimisation switches).

A single row, read here by everything that fills or shows a card (the form, imports, exports);
privacy/ changes it (switching a field off also erases what was stored in it)."""

from __future__ import annotations

from sqlmodel import Field, Session, SQLModel, select


class OrgSettings(SQLModel, table=True):
    """A single row: what the organisation chose to collect at all."""

    __tablename__ = "org_settings"
    id: int | None = Field(default=None, primary_key=True)
    collect_birth_date: bool = False
    collect_gender: bool = False


def org_settings(db: Session) -> OrgSettings:
    settings = db.exec(select(OrgSettings)).first()
    return settings or OrgSettings(id=None)
