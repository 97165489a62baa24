"""Merge two cards into one, and undo it. Each is one transaction.

Every row of every table with a foreign key to client.id moves to the survivor — found by reading the
schema, so tables added later (visits, follow-ups, appointments…) are covered without changes here. A
row that would collide with one of the survivor's on a unique constraint stays with the merged-away card,
which is kept soft-deleted so the undo finds it all.

Tags, consents per channel and custom field values are chosen (see dedupe.choices for the defaults): a
row taken from the other card moves over, a value taken over the survivor's own row is copied into it
(its previous values recorded), a survivor's row given up is deleted (recorded whole). The undo puts
every one of them back exactly.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, delete, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel

from fieldcrm.accounts.models import User
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients import services as client_services
from fieldcrm.clients.erasure import client_foreign_keys
from fieldcrm.clients.models import ChannelConsent, Client, ClientTag, CustomFieldValue
from fieldcrm.db import dialect_insert
from fieldcrm.dedupe.choices import OTHER, MergeChoices, default_consent, default_custom, kept_tags
from fieldcrm.dedupe.models import QueuedPair
from fieldcrm.timeutil import utcnow
from fieldcrm.web.templating import N_

# The fields the user picks one value for, in the order shown.
MERGE_FIELDS = (
    "kind", "company_name", "siret", "civility", "first_name", "last_name", "status", "sector", "segment",
    "loyalty_programme", "client_since", "source", "owner_id", "street", "street2", "postal_code", "city",
    "country", "phone", "mobile", "email", "website", "do_not_contact", "birth_date", "gender",
    "visit_cadence_days", "visit_minutes", "notes",
)
# Restored as they were by an undo, with the fields above.
# Columns other capabilities maintain from rows that move with the merge (last contact and
# visit): the survivor takes the later of the two, and an undo puts its own value back.
LATEST_OF_BOTH = ("last_contact_at", "last_visit_at")
SNAPSHOT_FIELDS = MERGE_FIELDS + ("latitude", "longitude", "geo_precision", "geo_source", "geocoded_at",
                                  "do_not_contact_at") + LATEST_OF_BOTH
_DATES = {"client_since", "birth_date"}
_DATETIMES = {"geocoded_at", "do_not_contact_at", *LATEST_OF_BOTH}
# Rows the user chooses among (not moved blindly), and the datetime columns of their recorded copies.
CHOSEN_TABLES = ("client_tag", "channel_consent", "custom_field_value")
_ROW_DATETIMES = {"consent_at"}


class MergeError(Exception):
    """A merge or an undo that cannot be done; `message` is an English key translated at display."""


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


def _row_json(row) -> dict:
    return {key: _jsonable(value) for key, value in row.items()}


def _row_back(data: dict) -> dict:
    return {key: datetime.fromisoformat(value) if key in _ROW_DATETIMES and value is not None else value
            for key, value in data.items()}


class _Log:
    """What the merge did to child rows, for the undo: moved, changed in place, deleted."""

    def __init__(self, db: Session, survivor_id: int):
        self.db, self.survivor_id = db, survivor_id
        self.moved, self.changed, self.removed = [], [], []

    def move(self, table, where: list, pk_after: dict) -> None:
        self.db.execute(update(table).where(*where).values(client_id=self.survivor_id))
        self.moved.append({"table": table.name, "column": "client_id", "pk": pk_after})

    def change(self, table, row_id: int, before: dict, after: dict) -> None:
        self.db.execute(update(table).where(table.c.id == row_id).values(after))
        self.changed.append({"table": table.name, "id": row_id, "before": _row_json(before)})

    def remove(self, table, row: dict, where: list) -> None:
        self.db.execute(delete(table).where(*where))
        self.removed.append({"table": table.name, "row": _row_json(row)})


def _rows(db: Session, table, client_id: int, key: str) -> dict:
    return {r[key]: dict(r) for r in db.execute(sa_select(table).where(table.c.client_id == client_id)).mappings()}


def _merge_tags(db, log: _Log, survivor: Client, other: Client, chosen: set[int] | None) -> None:
    table = ClientTag.__table__
    mine, theirs = _rows(db, table, survivor.id, "tag_id"), _rows(db, table, other.id, "tag_id")
    keep = kept_tags(set(mine), set(theirs), chosen)
    for tag_id in sorted(keep - set(mine)):
        log.move(table, [table.c.client_id == other.id, table.c.tag_id == tag_id],
                 {"client_id": survivor.id, "tag_id": tag_id})
    for tag_id in sorted(set(mine) - keep):
        log.remove(table, mine[tag_id], [table.c.client_id == survivor.id, table.c.tag_id == tag_id])


def _take_row(log: _Log, table, mine: dict | None, theirs: dict | None, columns: tuple) -> None:
    """The survivor ends with the other card's row: moved over, copied into its own, or its own deleted."""
    if theirs is None:
        if mine is not None:
            log.remove(table, mine, [table.c.id == mine["id"]])
    elif mine is None:
        log.move(table, [table.c.id == theirs["id"]], {"id": theirs["id"]})
    else:
        log.change(table, mine["id"], {c: mine[c] for c in columns}, {c: theirs[c] for c in columns})


def _merge_consents(db, log: _Log, survivor: Client, other: Client, chosen: dict[str, str]) -> None:
    table = ChannelConsent.__table__
    mine, theirs = _rows(db, table, survivor.id, "channel"), _rows(db, table, other.id, "channel")
    for channel in sorted(set(mine) | set(theirs)):
        m, t = mine.get(channel), theirs.get(channel)
        if (chosen.get(channel) or default_consent(m, t)[0]) == OTHER:
            _take_row(log, table, m, t, ("allowed", "consent", "consent_at", "consent_source"))


def _merge_custom(db, log: _Log, survivor: Client, other: Client, chosen: dict[int, str]) -> None:
    table = CustomFieldValue.__table__
    mine, theirs = _rows(db, table, survivor.id, "field_id"), _rows(db, table, other.id, "field_id")
    for field_id in sorted(set(mine) | set(theirs)):
        m, t = mine.get(field_id), theirs.get(field_id)
        if (chosen.get(field_id) or default_custom(m and m["value"], t and t["value"])) == OTHER:
            _take_row(log, table, m, t, ("value",))


def merge_clients(db: Session, actor: User, survivor: Client, other: Client, take_other: set[str],
                  choices: MergeChoices | None = None) -> AuditEvent:
    """Keep `survivor`, taking from `other` the fields named in `take_other` and the tags, consents and
    custom values of `choices` (defaults: see dedupe.choices); move everything else over."""
    if survivor.id == other.id:
        raise MergeError(N_("A card cannot be merged with itself."))
    if survivor.deleted_at is not None or other.deleted_at is not None:
        raise MergeError(N_("One of the two cards was deleted in the meantime."))
    choices = choices or MergeChoices()
    before = _snapshot(survivor)
    for name in take_other & set(MERGE_FIELDS):
        setattr(survivor, name, getattr(other, name))
    if "do_not_contact" in take_other:  # the opposition keeps its date
        survivor.do_not_contact_at = other.do_not_contact_at
    if "owner_id" not in take_other and survivor.owner_id is None:
        survivor.owner_id = other.owner_id
    for name in LATEST_OF_BOTH:
        values = [v for v in (getattr(survivor, name), getattr(other, name)) if v is not None]
        setattr(survivor, name, max(values) if values else None)
    log = _Log(db, survivor.id)
    _merge_tags(db, log, survivor, other, choices.tags)
    _merge_consents(db, log, survivor, other, choices.consents)
    _merge_custom(db, log, survivor, other, choices.custom)
    moved = log.moved
    for table, column in client_foreign_keys():
        if table.name in CHOSEN_TABLES:
            continue
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
                       payload=json.dumps({"before": before, "moved": moved, "changed": log.changed,
                                           "removed": log.removed, "taken": sorted(take_other),
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
    for change in payload.get("changed", []):
        table = tables[change["table"]]
        db.execute(update(table).where(table.c.id == change["id"]).values(_row_back(change["before"])))
    for removed in payload.get("removed", []):
        table = tables[removed["table"]]
        db.execute(insert(table).values(_row_back(removed["row"])))
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


def queue_pairs(db: Session, pairs: list[tuple[int, int, str]], import_id: int | None = None) -> None:
    """Queue (card, card, reason) pairs as probable duplicates, in the caller's transaction (an import
    queues what it created next to a look-alike without merging it). A pair already queued stays as is."""
    rows = [{"first_id": min(a, b), "second_id": max(a, b), "reason": reason, "import_id": import_id,
             "created_at": utcnow()} for a, b, reason in pairs if a != b]
    for start in range(0, len(rows), 500):  # bounded statements (SQLite's limit on parameters)
        db.execute(dialect_insert(db, QueuedPair.__table__).values(rows[start:start + 500]).on_conflict_do_nothing(
            index_elements=["first_id", "second_id"]))
