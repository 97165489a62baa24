"""Organisation privacy settings: change what is collected on a card (read with clients.settings)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm.clients.models import Client
from fieldcrm.clients.settings import OrgSettings


def set_minimisation(db: Session, *, collect_birth_date: bool, collect_gender: bool) -> OrgSettings:
    """Switching a field off also erases what was stored in it (data minimisation)."""
    settings = db.exec(select(OrgSettings)).first() or OrgSettings()
    settings.collect_birth_date, settings.collect_gender = collect_birth_date, collect_gender
    db.add(settings)
    if not collect_birth_date:
        db.execute(update(Client).values(birth_date=None))
    if not collect_gender:
        db.execute(update(Client).values(gender=None))
    db.commit()
    return settings
