"""Correcting a card's phone, e-mail or notes from the field, possibly long after the card was read.

The correction carries the card's version it was made on and the values the rep saw. When someone else
saved the card since (any of its fields, as the audit trail of its edits says), nothing is saved: the
rep is shown what changed meanwhile (the version they saw and the current one) next to their own values,
and chooses (never a silent overwrite). The choice is sent again with the current version."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.audit import services as audit
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client
from fieldcrm.clients.services import EditConflict, SaveResult, update_client

CORRECTABLE = ("phone", "email", "notes")


class CorrectionConflict(Exception):
    """The card changed on the server since the rep's version. `fields`: every corrected field,
    {name: (mine, theirs now)}; `clashing`: those of them changed meanwhile; `meanwhile`: every field
    someone else changed since, {name: (as the rep's version had it, now)}."""

    def __init__(self, current: Client, fields: dict[str, tuple[str, str]], clashing: set[str] | None = None,
                 meanwhile: dict[str, tuple] | None = None):
        super().__init__("correction conflict")
        self.current = current
        self.fields = fields
        self.clashing = clashing if clashing is not None else set(fields)
        self.meanwhile = meanwhile or {}


@dataclass
class Correction:
    changes: dict[str, str | None]  # the clean values, only the fields sent
    seen: dict[str, str]  # what the rep's page showed for them
    version: int  # the card's version that page showed


def changed_since(db: Session, client: Client, version: int, actor: User) -> dict[str, tuple] | None:
    """The fields of the card that someone other than `actor` changed in the versions after `version`:
    {name: (value in `version`, value now)}, from the card's audited edits (a field changed and changed
    back is left out). The actor's own later edits are what they saw: not a change to show them. None
    when no edit after `version` is in the trail (the version moved otherwise: a hand-over, a merge)."""
    events = db.exec(select(AuditEvent).where(AuditEvent.action == audit.CLIENT_UPDATED,
                                              AuditEvent.subject_id == client.id).order_by(AuditEvent.id)).all()
    changed: dict[str, tuple] = {}
    tracked = False
    for event in events:
        try:
            payload = json.loads(event.payload or "{}")
            after = int(payload.get("version") or 0)
        except (ValueError, TypeError):
            continue
        if after <= version:
            continue
        tracked = True
        if event.actor_id == actor.id:
            continue
        for name, pair in (payload.get("changes") or {}).items():
            before, now = pair if isinstance(pair, list) and len(pair) == 2 else (None, None)
            changed[name] = (changed[name][0] if name in changed else before, now)
    if not tracked:
        return None
    return {name: pair for name, pair in changed.items() if (pair[0] or "") != (pair[1] or "")}


def correct_details(db: Session, actor: User, client: Client, correction: Correction) -> SaveResult:
    """Save the correction (one transaction, audited like any edit of the card); CorrectionConflict
    when anyone else changed the card since the rep's version (any field; a corrected one the rep saw
    otherwise, even with no trail of the change)."""
    if client.version != correction.version:
        fields = {name: (value or "", getattr(client, name) or "") for name, value in correction.changes.items()}
        meanwhile = changed_since(db, client, correction.version, actor)
        if meanwhile is None:  # no trail of what changed: a corrected field that is not as the rep saw it
            clashing = {name for name, (mine, now) in fields.items()
                        if now != (correction.seen.get(name) or "") and now != mine}
        else:
            clashing = {name for name in meanwhile if name in fields and fields[name][0] != fields[name][1]}
        if clashing or meanwhile:
            raise CorrectionConflict(client, fields, clashing, meanwhile)
    try:
        return update_client(db, actor, client, dict(correction.changes), client.version)
    except EditConflict as conflict:  # saved by someone else between the check and the write
        return correct_details(db, actor, conflict.current, correction)
