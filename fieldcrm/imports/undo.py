"""Undoing an import: the journal (import_row) of what it wrote, and the walk back through it.

An import saves in short transactions, so that other users are never locked out for long; "all or
nothing" comes from this journal instead of one long transaction. The transaction that writes rows also
writes their journal entries, so no committed row is ever missing from the journal. Undoing walks the
journal backwards, in short transactions too, each deleting the entries it has applied: an undo cut short
(a killed worker) is finished by calling it again.

The journal of a finished import is kept, so that the same walk can later undo it at the user's request;
a card edited by someone since the import keeps that person's changes (see `_restore_card`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, insert, update
from sqlmodel import Session, select

from fieldcrm.clients import services as client_services
from fieldcrm.clients.erasure import dependant_counts, on_client_purge
from fieldcrm.clients.models import Client, ClientTag, ContactPerson, CustomFieldValue, Tag
from fieldcrm.db import exclusive
from fieldcrm.imports.consents import undo_consent
from fieldcrm.imports.models import ImportJob, ImportRow
from fieldcrm.imports.staging import dumps_values, loads_values
from fieldcrm.sales.models import Purchase
from fieldcrm.timeutil import utcnow

UNDO_BATCH = 20  # journal entries per transaction: a created client is purged with a dozen deletes
JOURNAL_DAYS = 30  # how long a finished import can still be undone
# The card's own parts: they go with a card the undo removes. Anything else is history logged since.
CARD_PARTS = {"contact_person", "client_tag", "channel_consent", "opening_hours", "custom_field_value"}
GEO_FIELDS = ("latitude", "longitude", "geo_precision", "geocoded_at")
JOURNALED_FIELDS = (*client_services.CLIENT_FIELDS, *GEO_FIELDS)
_STAMP = ("version", "updated_at", "updated_by_id")


@dataclass
class UndoResult:
    undone: int = 0  # journal entries undone
    kept_ids: list[int] = dataclasses.field(default_factory=list)  # created cards kept: history was logged on them


def created_entry(import_id: int, table_name: str, row_id: int) -> dict:
    """The journal entry of a row the import created (undone by deleting it)."""
    return {"import_id": import_id, "table_name": table_name, "row_id": row_id, "previous_values": None}


def card_before(client: Client) -> dict:
    """What an import may change on a card, read before it changes it."""
    return {f: getattr(client, f) for f in (*JOURNALED_FIELDS, *_STAMP)}


def updated_entry(import_id: int, client: Client, before: dict, tags_added: list[int],
                  custom: dict[int, list]) -> dict:
    """The journal entry of a card the import changed: each changed column as [before, after], the tag
    ids it added, the custom values it changed ({field id: [before, after]}), the version and who last
    saved the card before the import."""
    previous = {
        "fields": {f: [before[f], getattr(client, f)] for f in JOURNALED_FIELDS if getattr(client, f) != before[f]},
        "tags_added": sorted(tags_added),
        "custom": {str(field_id): values for field_id, values in custom.items()},
        "version": [before["version"], client.version],
        "saved": [before["updated_at"], before["updated_by_id"]],
    }
    return {"import_id": import_id, "table_name": "client", "row_id": client.id,
            "previous_values": dumps_values(previous)}


def contact_entry(import_id: int, contact_id: int, before: str | None, after: str) -> dict:
    """The journal entry of a contact person whose function the import completed or changed."""
    return {"import_id": import_id, "table_name": "contact_person", "row_id": contact_id,
            "previous_values": dumps_values({"function": [before, after]})}


def write_journal(db: Session, entries: list[dict]) -> None:
    """Add journal entries in the caller's transaction (the one writing the rows they describe)."""
    if entries:
        db.execute(insert(ImportRow), entries)


def undo_import(db: Session, job: ImportJob, keep_history: bool = False, pause: float = 0.0) -> UndoResult:
    """Undo everything the import wrote, newest first, in short transactions: created clients and
    purchases deleted, updated cards put back, tags it created deleted if nothing uses them any more.
    With `keep_history` (a finished import taken back later), a created card on which something was
    logged since (a visit, a follow-up, a purchase...) is kept, with that history, and counted.
    Safe to call again after an interruption. The session is emptied after each transaction (its
    objects are detached).

    A user may save one of the cards meanwhile: each card is read locked (FOR UPDATE on PostgreSQL, the
    write lock taken before reading on SQLite), so either the save comes first and the undo sees it, or
    the undo does and the save meets a newer version (a conflict, the user's typing kept); never a save
    answered "saved" then overwritten. `pause` (seconds per card, tests only) widens that window."""
    result, import_id = UndoResult(), job.id
    single_writer = db.get_bind().dialect.name == "sqlite"
    # Tags last: a tag goes once the clients wearing it are gone.
    for entries_of in (ImportRow.table_name != "tag", ImportRow.table_name == "tag"):
        while True:
            started = time.monotonic()
            with exclusive(db, f"imports.undo.{import_id}"):
                entries = db.exec(select(ImportRow).where(ImportRow.import_id == import_id, entries_of)
                                  .order_by(ImportRow.id.desc()).limit(UNDO_BATCH)).all()
                if not entries:
                    db.rollback()
                    break
                _lock_cards(db, [e.row_id for e in entries if e.table_name == "client"])
                for entry in entries:
                    if pause and entry.table_name == "client":
                        time.sleep(pause)
                    if keep_history and _kept_with_history(db, entry):
                        if entry.table_name == "client":
                            result.kept_ids.append(entry.row_id)
                        continue
                    _undo_entry(db, entry)
                    result.undone += 1
                db.execute(delete(ImportRow).where(ImportRow.id.in_([e.id for e in entries])))
                db.commit()
            # Every delete is checked against the objects the session holds: keep it from growing.
            db.expunge_all()
            if single_writer:
                # SQLite's other writers poll for the lock: without a pause they would seldom get it.
                time.sleep(min(time.monotonic() - started, 0.25))
    return result


def _lock_cards(db: Session, client_ids: list[int]) -> None:
    """Hold the batch's cards until it commits (one statement): a save that started before has committed
    and is seen, one that starts after waits, then meets the version the undo left."""
    if client_ids:
        db.exec(select(Client).where(Client.id.in_(client_ids)).order_by(Client.id).with_for_update()
                .execution_options(populate_existing=True)).all()


def _kept_with_history(db: Session, entry: ImportRow) -> bool:
    """A card the import created, on which something was logged since, stays: with the contact people
    the import gave it."""
    if entry.previous_values is not None or entry.table_name not in ("client", "contact_person"):
        return False
    client_id = entry.row_id if entry.table_name == "client" else db.exec(
        select(ContactPerson.client_id).where(ContactPerson.id == entry.row_id)).first()
    if client_id is None:
        return False
    created_here = db.exec(select(ImportRow.id).where(
        ImportRow.import_id == entry.import_id, ImportRow.table_name == "client", ImportRow.row_id == client_id,
        ImportRow.previous_values.is_(None))).first()
    return created_here is not None and has_history(db, client_id)


def has_history(db: Session, client_id: int) -> bool:
    """Something was recorded on the card beyond its own parts (visits, follow-ups, purchases, stops...)."""
    return any(table not in CARD_PARTS for table in dependant_counts(db, client_id))


def undo_summary(db: Session, job: ImportJob) -> dict[str, int]:
    """What undoing a finished import would do: cards removed, cards put back, created cards kept because
    something was logged on them since."""
    entries = db.exec(select(ImportRow.row_id, ImportRow.previous_values).where(
        ImportRow.import_id == job.id, ImportRow.table_name == "client")).all()
    created = [row_id for row_id, previous in entries if previous is None]
    kept = sum(1 for row_id in created if has_history(db, row_id))
    return {"removed": len(created) - kept, "restored": len(entries) - len(created), "kept": kept}


def forget_old_journals(db: Session, now: datetime | None = None) -> int:
    """Delete the journal of the imports finished more than JOURNAL_DAYS ago (they can no longer be
    undone), in short transactions. Returns the number of entries deleted."""
    cutoff = (now or utcnow()) - timedelta(days=JOURNAL_DAYS)
    old = select(ImportJob.id).where(ImportJob.status == "done", ImportJob.finished_at < cutoff)
    deleted = 0
    while ids := db.exec(select(ImportRow.id).where(ImportRow.import_id.in_(old)).limit(5 * UNDO_BATCH)).all():
        db.execute(delete(ImportRow).where(ImportRow.id.in_(ids)))
        db.commit()
        deleted += len(ids)
    return deleted


@on_client_purge
def forget_erased_client(db: Session, client_id: int) -> None:
    """The journal keeps an erased client's previous values and ids without a foreign key: they go with
    it (RGPD), so no later undo can restore the person or act on a new card given the same id."""
    purchases = select(Purchase.id).where(Purchase.client_id == client_id)
    db.execute(delete(ImportRow).where(
        ((ImportRow.table_name == "client") & (ImportRow.row_id == client_id))
        | ((ImportRow.table_name == "purchase") & ImportRow.row_id.in_(purchases))))


def _undo_entry(db: Session, entry: ImportRow) -> None:
    if entry.table_name == "contact_person":
        if entry.previous_values is None:
            db.execute(delete(ContactPerson).where(ContactPerson.id == entry.row_id))
        else:
            before, after = loads_values(entry.previous_values)["function"]
            db.execute(update(ContactPerson).where(ContactPerson.id == entry.row_id, ContactPerson.function == after)
                       .values(function=before))
    elif entry.table_name == "purchase":
        db.execute(delete(Purchase).where(Purchase.id == entry.row_id))
    elif entry.table_name == "channel_consent":
        undo_consent(db, entry.row_id, loads_values(entry.previous_values) if entry.previous_values else None)
    elif entry.table_name == "tag":
        used = db.exec(select(exists().where(ClientTag.tag_id == entry.row_id))).one()
        if not used:
            db.execute(delete(Tag).where(Tag.id == entry.row_id))
    elif entry.previous_values is None:
        client_services.purge_client(db, entry.row_id)
    else:
        _restore_card(db, entry.row_id, loads_values(entry.previous_values))


def _restore_card(db: Session, client_id: int, previous: dict) -> None:
    """Put back what the import changed. A card nobody saved since (same version) gets exactly its
    previous values, version included; on a card someone edited since, only the values still as the
    import left them are put back, and it gets a new version."""
    client = db.get(Client, client_id)
    if client is None:
        return
    untouched = client.version == previous["version"][1]
    if previous["tags_added"]:
        db.execute(delete(ClientTag).where(ClientTag.client_id == client_id,
                                           ClientTag.tag_id.in_(previous["tags_added"])))
    for field, (before, after) in previous["fields"].items():
        if untouched or getattr(client, field) == after:
            setattr(client, field, before)
    for field_id, (before, after) in previous["custom"].items():
        value = db.exec(select(CustomFieldValue).where(CustomFieldValue.client_id == client_id,
                                                       CustomFieldValue.field_id == int(field_id))).first()
        if value is None or not (untouched or value.value == after):
            continue
        if before is None:
            db.delete(value)
        else:
            value.value = before
            db.add(value)
    if untouched:
        client.version = previous["version"][0]
        client.updated_at, client.updated_by_id = previous["saved"]
    else:
        client.version += 1
        client.updated_at = utcnow()
    db.flush()
    client_services.refresh_search_text(db, client)
    db.add(client)
