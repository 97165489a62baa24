"""Erasing a client for good (RGPD right to erasure): what it takes with it, and what is anonymised.

Rows of other capabilities that hang on a client leave with it through ON DELETE CASCADE; this module
never names them. What a cascade cannot reach (rows without a foreign key) is handled by the functions
higher capabilities register with `on_client_purge`, and by the anonymisation of the audit trail."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client, ContactPerson

ERASED = "[effacé]"
# Keys of audit payloads that hold what identifies or describes a person.
PERSONAL_KEYS = frozenset({
    "company_name", "display_name", "other_name", "civility", "first_name", "last_name", "email", "phone",
    "mobile", "direct_line", "street", "street2", "website", "siret", "birth_date", "gender", "notes", "note",
    "search_text", "sort_name", "latitude", "longitude", "function", "value",
})
_CLIENT_VALUES = ("company_name", "display_name", "first_name", "last_name", "email", "phone", "mobile",
                  "street", "website", "siret")
_CONTACT_VALUES = ("first_name", "last_name", "email", "direct_line", "mobile")

PurgeHook = Callable[[Session, int], None]
_purge_hooks: list[PurgeHook] = []


def on_client_purge(hook: PurgeHook) -> PurgeHook:
    """Register `hook(db, client_id)`, run in the purge's transaction before the client row goes: for
    what a capability keeps about a client without a foreign key to it."""
    if hook not in _purge_hooks:
        _purge_hooks.append(hook)
    return hook


def run_purge_hooks(db: Session, client_id: int) -> None:
    for hook in _purge_hooks:
        hook(db, client_id)


_erasure_request_hooks: list[PurgeHook] = []


def on_erasure_request(hook: PurgeHook) -> PurgeHook:
    """Register `hook(db, client_id)`, run when an admin erases a person at their request (not by the
    daily purge of deleted cards), in the erasure's transaction, before anything goes."""
    if hook not in _erasure_request_hooks:
        _erasure_request_hooks.append(hook)
    return hook


def run_erasure_request_hooks(db: Session, client_id: int) -> None:
    for hook in _erasure_request_hooks:
        hook(db, client_id)


def client_foreign_keys() -> list[tuple]:
    """(table, column) for every column of any capability's table that references client.id."""
    return [(table, fk.parent) for table in SQLModel.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == "client" and fk.column.name == "id" and table.name != "client"]


def dependant_counts(db: Session, client_id: int) -> dict[str, int]:
    """How many rows of each table will leave with the client (tables with none left out)."""
    counts = {}
    for table, column in client_foreign_keys():
        count = db.execute(sa_select(func.count()).select_from(table).where(column == client_id)).scalar()
        if count:
            counts[table.name] = count
    return counts


def anonymise_audit(db: Session, client: Client) -> int:
    """Replace, in the audit events about `client`, its names, e-mails, phones and other personal values
    (its contact people's too) by ERASED. The events themselves stay: who did what, and when."""
    identifying = {_folded(getattr(client, name)) for name in _CLIENT_VALUES}
    for contact in db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)).all():
        identifying |= {_folded(getattr(contact, name)) for name in _CONTACT_VALUES}
    identifying.discard("")
    events = db.exec(select(AuditEvent).where(
        or_(AuditEvent.subject_id == client.id, AuditEvent.other_id == client.id))).all()
    for event in events:
        event.payload = json.dumps(_scrub(json.loads(event.payload or "{}"), identifying))
        db.add(event)
    return len(events)


def _folded(value) -> str:
    return str(value).strip().casefold() if value not in (None, "") else ""


def _scrub(value, identifying: set[str], key: str | None = None):
    if isinstance(value, dict):
        return {k: _scrub(v, identifying, k) for k, v in value.items()}
    if isinstance(value, list):  # an edit's [old, new] is as personal as the field it is about
        return [_scrub(v, identifying, key) for v in value]
    if value in (None, ""):
        return value
    if key in PERSONAL_KEYS or (key or "").startswith("custom.") or _folded(value) in identifying:
        return ERASED
    return value
