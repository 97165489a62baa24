"""Anonymising a client: the card stays for the sales figures (status, place, sector, purchases, visits'
dates and outcomes), with nothing left that identifies or describes the person.

Anonymise or erase? A retention rule chooses (privacy.retention_rules). Erasing (clients.services.
purge_client) removes the card and everything hanging on it, purchases included: the revenue of the
past years drops with it. Anonymising keeps what the figures need and removes the rest: names, contact
details, street address, position, SIRET, birth date, gender, notes, contact people, consents, free
text custom values, the notes of visits, appointments and follow-ups, the audit payloads' personal
values and the import journal's copies. Postal code and city stay (a commune is not a person); the
card is marked do-not-contact so no campaign or tour picks it up again."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, select

from fieldcrm.audit import services as audit
from fieldcrm.clients.erasure import anonymise_audit, run_purge_hooks
from fieldcrm.clients.models import ChannelConsent, Client, ContactPerson, CustomFieldDef, CustomFieldValue
from fieldcrm.clients.services import refresh_search_text
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.privacy.retention_models import ClientAnonymisation
from fieldcrm.timeutil import utcnow
from fieldcrm.visits.models import Interaction

CLIENT_ANONYMISED = "client.anonymised"
ANONYMOUS_NAME = "Client anonymisé n° {id}"
IDENTITY_FIELDS = ("company_name", "siret", "civility", "first_name", "last_name", "street", "street2",
                   "phone", "mobile", "email", "website", "birth_date", "gender", "notes", "latitude",
                   "longitude", "geo_precision", "geo_source", "geocoded_at")


def anonymise_client(db: Session, client_id: int, *, rule: str, actor_id: int | None = None) -> bool:
    """Anonymise one client in the caller's transaction (the caller commits). False when there is no
    such client or it already is anonymous."""
    client = db.get(Client, client_id)
    if client is None or db.get(ClientAnonymisation, client_id) is not None:
        return False
    anonymise_audit(db, client)  # while the values to look for are still on the card
    run_purge_hooks(db, client_id)
    for name in IDENTITY_FIELDS:
        setattr(client, name, None)
    client.do_not_contact, client.do_not_contact_at = True, client.do_not_contact_at or utcnow()
    client.version += 1
    client.updated_at, client.updated_by_id = utcnow(), actor_id
    db.execute(delete(ContactPerson).where(ContactPerson.client_id == client_id))
    db.execute(delete(ChannelConsent).where(ChannelConsent.client_id == client_id))
    free_text = select(CustomFieldDef.id).where(CustomFieldDef.field_type == "text")
    db.execute(delete(CustomFieldValue).where(CustomFieldValue.client_id == client_id,
                                              CustomFieldValue.field_id.in_(free_text)))
    db.execute(update(Interaction).where(Interaction.client_id == client_id).values(note=None))
    db.execute(update(Appointment).where(Appointment.client_id == client_id).values(notes=None, place=None))
    db.execute(update(FollowUp).where(FollowUp.client_id == client_id).values(reason=""))
    db.flush()
    refresh_search_text(db, client)
    client.display_name = ANONYMOUS_NAME.format(id=client_id)
    client.sort_name = client.display_name.casefold()
    db.add(client)
    db.add(ClientAnonymisation(client_id=client_id, rule=rule))
    audit.record(db, CLIENT_ANONYMISED, actor_id=actor_id, subject_id=client_id, payload={"rule": rule})
    return True
