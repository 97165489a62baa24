"""Writing the audit trail. Entries are only ever added here: no route edits or deletes one (the
retention rule of the audit trail is the one thing that removes old entries, see privacy.retention).

Each writer adds its entry to the caller's transaction, so the entry and what it records are committed
together, or neither is; `record_view` is the exception (see there)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session

from fieldcrm.audit.models import AuditEvent
from fieldcrm.db import dialect_insert
from fieldcrm.timeutil import utcnow

# Actions written by this module's callers (older actions: "merge", "not_duplicate", "client_erase",
# "interaction_deleted" — written by their capabilities).
CLIENT_VIEWED = "client.viewed"
CLIENT_UPDATED = "client.updated"
CLIENT_DELETED = "client.deleted"
CLIENT_RESTORED = "client.restored"
CLIENT_EXPORTED = "client.exported"  # a vCard
LIST_EXPORTED = "export.list"  # a list, a segment or a campaign's recipients, as CSV / XLSX
ACCESS_EXPORTED = "access.exported"  # everything held about a person (RGPD access request)
TEXT_CLEANED = "text.cleaned"  # a note rewritten from the minimisation review


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def record(db: Session, action: str, *, actor_id: int | None, subject_id: int | None = None,
           other_id: int | None = None, payload: dict | None = None) -> AuditEvent:
    """Add an entry to the caller's transaction (committed with what it records)."""
    event = AuditEvent(action=action, actor_id=actor_id, subject_id=subject_id, other_id=other_id,
                       payload=json.dumps(_plain(payload or {}), ensure_ascii=False))
    db.add(event)
    return event


def field_changes(before: dict, after: dict) -> dict[str, list]:
    """{field: [old, new]} for every field whose value changed between two snapshots."""
    changes = {}
    for name in after:
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old in ("", None) and new in ("", None):
            continue
        if old != new:
            changes[name] = [old, new]
    return changes


def view_key(actor_id: int, client_id: int, at: datetime) -> str:
    """One view per user, card and clock hour (UTC)."""
    return f"view:{actor_id}:{client_id}:{at:%Y%m%d%H}"


_VIEW_INSERTS: dict = {}  # record_view's statement, per dialect


def record_view(db: Session, actor_id: int, client_id: int) -> None:
    """Note that `actor_id` opened the card `client_id`, at most once per user, card and hour.

    This is the one write a GET makes, on purpose: the RGPD asks who consulted a person's data. It is a
    single INSERT … ON CONFLICT DO NOTHING on its own short transaction (the unique `dedupe_key` keeps
    parallel requests to one entry), committed before the page renders; nothing else of the request is
    written. tests/test_get_never_writes.py allows exactly this table to change on a GET."""
    now = utcnow()
    dialect = db.get_bind().dialect.name
    stmt = _VIEW_INSERTS.get(dialect)
    if stmt is None:  # built once per dialect: every card opened runs it
        stmt = _VIEW_INSERTS.setdefault(dialect, dialect_insert(db, AuditEvent.__table__).on_conflict_do_nothing(
            index_elements=["dedupe_key"]))
    db.execute(stmt, {"action": CLIENT_VIEWED, "actor_id": actor_id, "subject_id": client_id, "payload": "{}",
                      "created_at": now, "dedupe_key": view_key(actor_id, client_id, now)})
    db.commit()
