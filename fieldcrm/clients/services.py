"""Client use cases. Each one is a single transaction: it all happens or none of it does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import bindparam, delete, update
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.audit import services as audit
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients import objections
from fieldcrm.clients.erasure import anonymise_audit, run_erasure_request_hooks, run_purge_hooks
from fieldcrm.clients.models import (
    CHANNELS,
    ChannelConsent,
    Client,
    ClientTag,
    ContactPerson,
    CustomFieldValue,
    OpeningHours,
    Tag,
)
from fieldcrm.clients.normalise import build_search_text, fold
from fieldcrm.timeutil import utcnow

CLIENT_FIELDS = (
    "kind", "company_name", "siret", "civility", "first_name", "last_name", "status", "sector", "segment",
    "loyalty_programme", "client_since", "source", "owner_id", "street", "street2", "postal_code", "city",
    "country", "phone", "mobile", "email", "website", "do_not_contact", "birth_date", "gender",
    "visit_cadence_days", "visit_minutes", "notes",
)
ADDRESS_FIELDS = ("street", "postal_code", "city", "country")
ERASE = "client_erase"  # the audit action of an erasure request


class EditConflict(Exception):
    """Someone saved the card since the form was opened."""

    def __init__(self, current: Client):
        super().__init__("edit conflict")
        self.current = current


@dataclass
class SaveResult:
    client: Client
    address_changed: bool


def display_name(data: dict) -> str:
    if data.get("kind") == "person" or not data.get("company_name"):
        name = " ".join(p for p in (data.get("last_name"), data.get("first_name")) if p)
        return name or (data.get("company_name") or "?")
    return data["company_name"]


def search_columns(card, contacts, tags: list[str]) -> dict:
    """The maintained search and sort columns of a card (an object with the client's fields) from its
    fields, its contact people and its tag names (sorted)."""
    parts = [card.company_name, card.first_name, card.last_name, card.city, card.postal_code,
             card.email, card.sector, card.segment, *tags]
    phones = [card.phone, card.mobile]
    for c in contacts:
        parts += [c.first_name, c.last_name, c.email, c.function]
        phones += [c.direct_line, c.mobile]
    name = display_name({"kind": card.kind, "company_name": card.company_name, "first_name": card.first_name,
                         "last_name": card.last_name})
    return {"display_name": name, "sort_name": fold(name)[:220], "search_text": build_search_text(parts, phones)}


def refresh_search_text(db: Session, client: Client) -> None:
    """Rebuild the maintained search and sort columns from the client and its contacts and tags."""
    contacts = db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)).all() \
        if client.id else []
    tags = tag_names(db, client.id) if client.id else []
    for key, value in search_columns(client, contacts, tags).items():
        setattr(client, key, value)


def refresh_search_texts(db: Session, client_ids: list[int]) -> None:
    """refresh_search_text for many cards at once (an import): three selects and one UPDATE per batch,
    in the caller's transaction. Cards already loaded in the session are not refreshed in memory."""
    for start in range(0, len(client_ids), 500):
        ids = client_ids[start:start + 500]
        contacts: dict[int, list] = {i: [] for i in ids}
        for c in db.exec(select(ContactPerson).where(ContactPerson.client_id.in_(ids))
                         .order_by(ContactPerson.id)).all():
            contacts[c.client_id].append(c)
        tags: dict[int, list[str]] = {i: [] for i in ids}
        for client_id, name in db.exec(select(ClientTag.client_id, Tag.name).join(Tag, ClientTag.tag_id == Tag.id)
                                       .where(ClientTag.client_id.in_(ids))).all():
            tags[client_id].append(name)
        rows = db.exec(select(Client.id, Client.kind, Client.company_name, Client.first_name, Client.last_name,
                              Client.city, Client.postal_code, Client.email, Client.sector, Client.segment,
                              Client.phone, Client.mobile).where(Client.id.in_(ids))).all()
        values = [{"id": r.id, **search_columns(r, contacts[r.id], sorted(tags[r.id]))} for r in rows]
        if values:
            db.execute(update(Client), values)


_TAG_NAMES = select(Tag.name).join(ClientTag, ClientTag.tag_id == Tag.id).where(ClientTag.client_id == bindparam("client_id"))


def tag_names(db: Session, client_id: int) -> list[str]:
    return sorted(db.exec(_TAG_NAMES, params={"client_id": client_id}).all())


def _set_tags(db: Session, client: Client, names: list[str]) -> None:
    db.execute(delete(ClientTag).where(ClientTag.client_id == client.id))
    for name in names:
        tag = db.exec(select(Tag).where(Tag.name == name)).first()
        if tag is None:
            tag = Tag(name=name)
            db.add(tag)
            db.flush()
        db.add(ClientTag(client_id=client.id, tag_id=tag.id))


def _set_hours(db: Session, client: Client, hours: dict[int, list[tuple[str, str]]]) -> None:
    db.execute(delete(OpeningHours).where(OpeningHours.client_id == client.id))
    for weekday, spans in hours.items():
        for opens, closes in spans:
            db.add(OpeningHours(client_id=client.id, weekday=weekday, opens=time.fromisoformat(opens),
                                closes=time.fromisoformat(closes if closes != "24:00" else "23:59")))


def _set_consents(db: Session, client: Client, consents: dict[str, dict]) -> None:
    existing = {c.channel: c for c in db.exec(
        select(ChannelConsent).where(ChannelConsent.client_id == client.id)).all()}
    for channel in CHANNELS:
        wanted = consents.get(channel)
        if wanted is None:
            continue
        row = existing.get(channel) or ChannelConsent(client_id=client.id, channel=channel)
        state = wanted.get("consent") if wanted.get("consent") in ("unknown", "granted", "refused") else "unknown"
        if state != row.consent:
            row.consent_at = utcnow() if state != "unknown" else None
        row.allowed, row.consent = bool(wanted.get("allowed")), state
        row.consent_source = wanted.get("source")
        db.add(row)


def _apply(client: Client, data: dict) -> bool:
    """Copy form values onto the client; returns True when the postal address changed."""
    before = tuple(getattr(client, f) for f in ADDRESS_FIELDS)
    for field in CLIENT_FIELDS:
        if field in data:
            setattr(client, field, data[field])
    if client.do_not_contact and client.do_not_contact_at is None:
        client.do_not_contact_at = utcnow()
    if not client.do_not_contact:
        client.do_not_contact_at = None
    changed = before != tuple(getattr(client, f) for f in ADDRESS_FIELDS)
    if changed and client.geo_precision == "manual":
        # A hand-placed pin stays only while the address it was placed for stays.
        client.geo_precision = None
    return changed


def create_client(db: Session, actor: User, data: dict, *, hours=None, consents=None,
                  custom=None, contacts=()) -> Client:
    """Create a client owned by `data['owner_id']` or, by default, the actor. A person on the
    opposition list gets a do-not-contact card (the route warns)."""
    if objections.objected(db, data):
        data = {**data, "do_not_contact": True}
    client = Client(display_name="", sort_name="", created_by_id=actor.id, updated_by_id=actor.id)
    _apply(client, data)
    client.owner_id = client.owner_id or actor.id
    refresh_search_text(db, client)
    db.add(client)
    db.flush()
    _set_tags(db, client, data.get("tags", []))
    _set_hours(db, client, hours or {})
    _set_consents(db, client, consents or {})
    _set_custom_values(db, client, custom or {})
    for contact in contacts:
        db.add(ContactPerson(client_id=client.id, **contact))
    db.flush()
    refresh_search_text(db, client)
    db.add(client)
    db.commit()
    return client


def update_client(db: Session, actor: User, client: Client, data: dict, expected_version: int, *,
                  hours=None, consents=None, custom=None) -> SaveResult:
    """Save a card edited from version `expected_version`; EditConflict if someone saved since."""
    new_version = expected_version + 1
    claimed = db.execute(
        update(Client).where(Client.id == client.id, Client.version == expected_version)
        .values(version=new_version, updated_at=utcnow(), updated_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.rollback()
        db.expire_all()
        raise EditConflict(db.get(Client, client.id))
    db.refresh(client)
    before = audit_snapshot(db, client)
    address_changed = _apply(client, data)
    if hours is not None:
        _set_hours(db, client, hours)
    if consents is not None:
        _set_consents(db, client, consents)
    if custom is not None:
        _set_custom_values(db, client, custom)
    _set_tags(db, client, data.get("tags", tag_names(db, client.id)))
    db.flush()
    refresh_search_text(db, client)
    db.add(client)
    changes = audit.field_changes(before, audit_snapshot(db, client))
    if changes:
        audit.record(db, audit.CLIENT_UPDATED, actor_id=actor.id, subject_id=client.id,
                     payload={"changes": changes, "version": new_version})
    db.commit()
    return SaveResult(client, address_changed)


def audit_snapshot(db: Session, client: Client) -> dict:
    """What the audit trail compares before and after an edit: the card's fields, its tags, its custom
    values ("custom.<field id>") and its consents ("consent.<channel>": allowed/state/source)."""
    snapshot = {name: getattr(client, name) for name in CLIENT_FIELDS}
    snapshot["tags"] = tag_names(db, client.id)
    for row in db.exec(select(CustomFieldValue).where(CustomFieldValue.client_id == client.id)).all():
        snapshot[f"custom.{row.field_id}"] = row.value
    snapshot.update({f"consent.{channel}": "allowed/unknown" for channel in CHANNELS})  # no row: the default
    for row in db.exec(select(ChannelConsent).where(ChannelConsent.client_id == client.id)).all():
        snapshot[f"consent.{row.channel}"] = f"{'allowed' if row.allowed else 'blocked'}/{row.consent}" + (
            f"/{row.consent_source}" if row.consent_source else "")
    return snapshot


def _set_custom_values(db: Session, client: Client, values: dict[int, str | None]) -> None:
    for field_id, value in values.items():
        row = db.exec(select(CustomFieldValue).where(
            CustomFieldValue.client_id == client.id, CustomFieldValue.field_id == field_id)).first()
        if value in (None, ""):
            if row:
                db.delete(row)
            continue
        row = row or CustomFieldValue(client_id=client.id, field_id=field_id)
        row.value = str(value)[:500]
        db.add(row)


def soft_delete(db: Session, actor: User, client: Client) -> None:
    client.deleted_at, client.deleted_by_id = utcnow(), actor.id
    client.version += 1
    db.add(client)
    audit.record(db, audit.CLIENT_DELETED, actor_id=actor.id, subject_id=client.id)
    db.commit()


def restore(db: Session, actor: User, client: Client) -> None:
    client.deleted_at, client.deleted_by_id = None, None
    client.version += 1
    client.updated_at, client.updated_by_id = utcnow(), actor.id
    db.add(client)
    audit.record(db, audit.CLIENT_RESTORED, actor_id=actor.id, subject_id=client.id)
    db.commit()


def _touch(client: Client, actor: User) -> None:
    client.version += 1
    client.updated_at, client.updated_by_id = utcnow(), actor.id


def save_contact(db: Session, actor: User, client: Client, data: dict,
                 contact: ContactPerson | None = None) -> ContactPerson:
    contact = contact or ContactPerson(client_id=client.id, last_name="")
    for key, value in data.items():
        setattr(contact, key, value)
    contact.updated_at = utcnow()
    db.add(contact)
    db.flush()
    _touch(client, actor)
    refresh_search_text(db, client)
    db.add(client)
    db.commit()
    return contact


def delete_contact(db: Session, actor: User, client: Client, contact: ContactPerson) -> None:
    db.delete(contact)
    db.flush()
    _touch(client, actor)
    refresh_search_text(db, client)
    db.add(client)
    db.commit()


def purge_client(db: Session, client_id: int, *, deleted_before: datetime | None = None) -> bool:
    """Erase a client for good: its audit trail anonymised, what capabilities registered run, then the
    row, which takes its dependants with it (ON DELETE CASCADE). With `deleted_before`, only a client
    still deleted before then goes (one restored meanwhile stays). The caller commits on True and rolls
    back on False (no such client: nothing to keep)."""
    client = db.get(Client, client_id)
    if client is None:
        return False
    anonymise_audit(db, client)
    run_purge_hooks(db, client_id)
    condition = [Client.id == client_id]
    if deleted_before is not None:
        condition.append(Client.deleted_at < deleted_before)
    gone = db.execute(delete(Client).where(*condition)).rowcount == 1
    db.expunge(client)
    return gone


def merged_into(db: Session, client_id: int) -> list[int]:
    """The cards merged into `client_id` (and into those, and so on) that are still in the trash: the
    same person, waiting for the daily purge. An erasure at the person's request takes them at once."""
    found: list[int] = []
    todo = [client_id]
    while todo:
        others = db.exec(select(AuditEvent.other_id).join(Client, Client.id == AuditEvent.other_id).where(
            AuditEvent.action == "merge", AuditEvent.subject_id == todo.pop(), AuditEvent.undone_at.is_(None),
            Client.deleted_at.is_not(None))).all()
        for other in others:
            if other not in found and other != client_id:
                found.append(other)
                todo.append(other)
    return found


def erase_client(db: Session, actor: User, client: Client) -> bool:
    """An erasure request carried out now (admin): the client and all that hangs on it erased, the
    audit trail about it anonymised, the erasure itself recorded (who, when; no personal data). One
    transaction. False if the client was already erased by someone else."""
    client_id = client.id
    run_erasure_request_hooks(db, client_id)
    for twin_id in merged_into(db, client_id):  # the same person's cards merged into this one, in the trash
        purge_client(db, twin_id)
    if not purge_client(db, client_id):
        db.rollback()
        return False
    db.add(AuditEvent(action=ERASE, actor_id=actor.id, subject_id=client_id))
    db.commit()
    return True
