"""The e-mail consent an import file gives (an opt-in or newsletter column), written on the card's e-mail
channel in the import's transaction and journaled for the undo.

A refusal always applies: a file saying someone refused is never ignored. A consent given fills a channel
whose consent is unknown (or overwrites, if the user chose so), and never one of a card marked do not
contact (an objector is not made contactable again). A card the import created takes its row with it
when undone; on a card that existed, the row is deleted or put back as it was.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from fieldcrm.clients.models import ChannelConsent, Client
from fieldcrm.imports.staging import dumps_values
from fieldcrm.timeutil import utcnow

CHANNEL = "email"
SOURCE = "import"
_FIELDS = ("allowed", "consent", "consent_at", "consent_source")


def write_consents(db: Session, given: dict[int, str], created_ids: set[int], import_id: int | None,
                   overwrite: bool) -> list[dict]:
    """Apply {client id: "granted" | "refused"}; returns the journal entries for the cards that existed."""
    if not given:
        return []
    ids = list(given)
    rows = {r.client_id: r for r in db.exec(select(ChannelConsent).where(
        ChannelConsent.client_id.in_(ids), ChannelConsent.channel == CHANNEL)).all()}
    objectors = set(db.exec(select(Client.id).where(Client.id.in_(ids), Client.do_not_contact)).all())
    now, journal, new_rows = utcnow(), [], []
    for client_id, consent in given.items():
        if consent == "granted" and client_id in objectors:
            continue
        wanted = {"allowed": consent != "refused", "consent": consent, "consent_at": now, "consent_source": SOURCE}
        row = rows.get(client_id)
        if row is None:
            new_rows.append({"client_id": client_id, "channel": CHANNEL, **wanted})
            continue
        fresh = client_id in created_ids
        if row.consent == consent or not (consent == "refused" or row.consent == "unknown" or overwrite or fresh):
            continue
        if import_id is not None and not fresh:
            journal.append({"import_id": import_id, "table_name": "channel_consent", "row_id": row.id,
                            "previous_values": dumps_values({f: [getattr(row, f), wanted[f]] for f in _FIELDS})})
        for key, value in wanted.items():
            setattr(row, key, value)
        db.add(row)
    if new_rows:
        created = db.execute(insert(ChannelConsent).returning(ChannelConsent.id, ChannelConsent.client_id,
                                                              sort_by_parameter_order=True), new_rows).all()
        journal += [{"import_id": import_id, "table_name": "channel_consent", "row_id": consent_id,
                     "previous_values": None} for consent_id, client_id in created
                    if import_id is not None and client_id not in created_ids]
    return journal


def undo_consent(db: Session, row_id: int, previous: dict | None) -> None:
    """Take back what the import did to one consent row: a row it added goes; a row it changed gets its
    previous values back, unless someone changed it since."""
    if previous is None:
        db.execute(delete(ChannelConsent).where(ChannelConsent.id == row_id))
        return
    db.execute(update(ChannelConsent).where(ChannelConsent.id == row_id,
                                            ChannelConsent.consent == previous["consent"][1],
                                            ChannelConsent.consent_source == previous["consent_source"][1])
               .values({f: before for f, (before, _after) in previous.items()}))
