"""The information notice (mentions d'information, RGPD art. 13 and 14): the organisation's details it
prints, and when and how each person received it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import INFORMED_CHANNELS, Client
from fieldcrm.clients.settings import OrgSettings, org_settings

LANGUAGES = ("fr", "en")
ORG_FIELDS = ("org_name", "org_address", "org_email", "org_phone", "org_siren", "dpo_contact")
REQUIRED = ("org_name", "org_address", "org_email")


def missing_details(settings: OrgSettings) -> list[str]:
    """The details a notice cannot go out without (who is responsible, and where to write)."""
    return [name for name in REQUIRED if not (getattr(settings, name) or "").strip()]


def save_organisation(db: Session, data: dict) -> OrgSettings:
    """Store the organisation's details (the single settings row, created if missing). Commits."""
    settings = db.exec(select(OrgSettings)).first() or OrgSettings()
    for name in ORG_FIELDS:
        if name in data:
            value = (data[name] or "").strip()
            setattr(settings, name, value or None)
    db.add(settings)
    db.commit()
    return settings


def set_informed(db: Session, actor: User, client: Client, informed_on: date, channel: str) -> None:
    """Record when and how the person received the notice. Two columns only: the card's version is left
    alone, so someone editing the card meanwhile saves without a conflict. Commits."""
    if channel not in INFORMED_CHANNELS:
        raise ValueError(channel)
    db.execute(update(Client).where(Client.id == client.id).values(
        informed_on=informed_on, informed_channel=channel).execution_options(synchronize_session=False))
    db.commit()
    db.refresh(client)


__all__ = ["LANGUAGES", "missing_details", "org_settings", "save_organisation", "set_informed"]
