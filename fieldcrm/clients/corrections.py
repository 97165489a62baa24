"""Correcting a card's phone, e-mail or notes from the field, possibly long after the card was read.

The correction carries the card's version it was made on and the values the rep saw. When the card
was saved since, a field the rep corrected is written only if nobody changed it meanwhile; otherwise
nothing is saved and both values go back to the rep, who chooses (never a silent overwrite)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.services import EditConflict, SaveResult, update_client

CORRECTABLE = ("phone", "email", "notes")


class CorrectionConflict(Exception):
    """The card changed on the server where the rep corrected it: {field: (mine, theirs)}."""

    def __init__(self, current: Client, fields: dict[str, tuple[str, str]]):
        super().__init__("correction conflict")
        self.current = current
        self.fields = fields


@dataclass
class Correction:
    changes: dict[str, str | None]  # the clean values, only the fields sent
    seen: dict[str, str]  # what the rep's page showed for them
    version: int  # the card's version that page showed


def correct_details(db: Session, actor: User, client: Client, correction: Correction) -> SaveResult:
    """Save the correction (one transaction, audited like any edit of the card); CorrectionConflict
    when a corrected field changed on the server since the rep's page was made."""
    if client.version != correction.version:
        clashes = {name: (value or "", getattr(client, name) or "")
                   for name, value in correction.changes.items()
                   if (getattr(client, name) or "") != (correction.seen.get(name) or "")
                   and (getattr(client, name) or "") != (value or "")}
        if clashes:
            raise CorrectionConflict(client, clashes)
    try:
        return update_client(db, actor, client, dict(correction.changes), client.version)
    except EditConflict as conflict:  # saved by someone else between the check and the write
        return correct_details(db, actor, conflict.current, correction)
