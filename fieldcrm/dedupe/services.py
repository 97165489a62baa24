"""Merge two cards into one, and undo it. Each is one transaction.

Every row of every table with a foreign key to client.id moves to the survivor — found by reading the
schema, so tables added later (visits, follow-ups, appointments…) are covered without changes here. A
row that would collide with one of the survivor's on a unique constraint (the same tag, the consent for
the same channel) stays with the merged-away card, which is kept soft-deleted so the undo finds it all.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel

from fieldcrm.accounts.models import User
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients import services as client_services
from fieldcrm.clients.models import Client
from fieldcrm.timeutil import utcnow
from fieldcrm.web.templating import N_

# The fields the user picks one value for, in the order shown.
MERGE_FIELDS = (
    "kind", "company_name", "siret", "civility", "first_name", "last_name", "status", "sector", "segment",
    "loyalty_programme", "client_since", "source", "owner_id", "street", "street2", "postal_code", "city",
    "country", "phone", "mobile", "email", "website", "do_not_contact", "birth_date", "gender",
    "visit_cadence_days", "notes",
)
# Restored as they were by an undo, with the fields above.
# Columns other capabilities maintain from rows that move with the merge (issue 4: last contact and
# visit): the survivor takes the later of the two, and an undo puts its own value back.
LATEST_OF_BOTH = tuple(name for name in ("last_contact_at", "last_visit_at") if hasattr(Client, name))
SNAPSHOT_FIELDS = MERGE_FIELDS + ("latitude", "longitude", "geo_precision", "geo_source", "geocoded_at",
                                  "do_not_contact_at") + LATEST_OF_BOTH
_DATES = {"client_since", "birth_date"}
_DATETIMES = {"geocoded_at", "do_not_contact_at", *LATEST_OF_BOTH}


class MergeError(Exception):
    """A merge or an undo that cannot be done; `message` is an English key translated at display."""


def client_foreign_keys():
    """(table, column) for every column referencing client.id, across all capabilities' tables."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "client" and fk.column.name == "id" and table.name != "client":
                out.append((table, fk.parent))
    return out


def _unique_sets(table, column) -> list[set[str]]:
    """The other columns of each unique constraint (primary key included) that contains `column`."""
    sets = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and column.name in constraint.columns.keys():
            sets.append({c.name for c in constraint.columns} - {column.name})
    for index in table.indexes:
        if index.unique and column.name in index.columns.keys():
            sets.append({c.name for c in index.columns} - {column.name})
    return sets


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _snapshot(client: Client) -> dict:
    return {f: _jsonable(getattr(client, f)) for f in SNAPSHOT_FIELDS}


def _restore(client: Client, snapshot: dict) -> None:
    for key, value in snapshot.items():
        if value is not None and key in _DATES:
            value = date.fromisoformat(value)
        elif value is not None and key in _DATETIMES:
            value = datetime.fromisoformat(value)
        setattr(client, key, value)


def merge_clients(db: Session, actor: User, survivor: Client, other: Client, take_other: set[str]) -> AuditEvent:
    """Keep `survivor`, taking from `other` the fields named in `take_other`; move everything over."""
    if survivor.id == other.id:
        raise MergeError(N_("A card cannot be merged with itself."))
    if survivor.deleted_at is not None or other.deleted_at is not None:
        raise MergeError(N_("One of the two cards was deleted in the meantime."))
    before = _snapshot(survivor)
    for name in take_other & set(MERGE_FIELDS):
        setattr(survivor, name, getattr(other, name))
    if "owner_id" not in take_other and survivor.owner_id is None:
        survivor.owner_id = other.owner_id
    for name in LATEST_OF_BOTH:
        values = [v for v in (getattr(survivor, name), getattr(other, name)) if v is not None]
        setattr(survivor, name, max(values) if values else None)
    moved = []
    for table, column in client_foreign_keys():
        uniques = _unique_sets(table, column)
        pk_cols = list(table.primary_key.columns)
        for row in db.execute(sa_select(table).where(column == other.id)).mappings().all():
            collides = any(
                db.execute(sa_select(func.count()).select_from(table).where(
                    column == survivor.id, *[table.c[c] == row[c] for c in cols])).scalar()
                for cols in uniques)
            if collides:
                continue
            db.execute(update(table).where(*[c == row[c.name] for c in pk_cols]).values({column.name: survivor.id}))
            moved.append({"table": table.name, "column": column.name,
                          "pk": {c.name: _jsonable(survivor.id if c.name == column.name else row[c.name])
                                 for c in pk_cols}})
    now = utcnow()
    other.deleted_at, other.deleted_by_id, other.version = now, actor.id, other.version + 1
    survivor.version += 1
    survivor.updated_at, survivor.updated_by_id = now, actor.id
    db.add(other)
    db.flush()
    client_services.refresh_search_text(db, survivor)
    db.add(survivor)
    db.flush()
    event = AuditEvent(action="merge", actor_id=actor.id, subject_id=survivor.id, other_id=other.id,
                       payload=json.dumps({"before": before, "moved": moved, "taken": sorted(take_other),
                                           "survivor_version": survivor.version,
                                           "other_name": other.display_name}))
    db.add(event)
    db.commit()
    return event


def undo_merge(db: Session, actor: User, event: AuditEvent) -> Client:
    """Put both cards back as they were before the merge, with every moved row on its first card."""
    if event.undone_at is not None:
        raise MergeError(N_("This merge was already undone."))
    payload = json.loads(event.payload)
    survivor = db.get(Client, event.subject_id)
    other = db.get(Client, event.other_id)
    if survivor is None or other is None:
        raise MergeError(N_("One of the two cards no longer exists: the merge cannot be undone."))
    if survivor.version != payload["survivor_version"]:
        raise MergeError(N_("The card was edited after the merge: the merge can no longer be undone."))
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    for move in reversed(payload["moved"]):
        table = tables.get(move["table"])
        if table is None:
            continue
        where = [table.c[name] == value for name, value in move["pk"].items()]
        db.execute(update(table).where(*where).values({move["column"]: other.id}))
    _restore(survivor, payload["before"])
    now = utcnow()
    survivor.version += 1
    survivor.updated_at, survivor.updated_by_id = now, actor.id
    other.deleted_at = other.deleted_by_id = None
    other.version += 1
    other.updated_at, other.updated_by_id = now, actor.id
    db.add(survivor)
    db.add(other)
    db.flush()
    client_services.refresh_search_text(db, survivor)
    client_services.refresh_search_text(db, other)
    event.undone_at, event.undone_by_id = now, actor.id
    db.add(event)
    db.commit()
    return survivor


def dismiss_pair(db: Session, actor: User, first: Client, second: Client) -> None:
    """Record that two cards are not duplicates, so the list stops proposing them."""
    a, b = sorted((first.id, second.id))
    db.add(AuditEvent(action="not_duplicate", actor_id=actor.id, subject_id=a, other_id=b))
    db.commit()
