"""The minimisation review: free text across the file that holds sensitive terms (health, beliefs,
opinions, judicial data, insults — the word list that already warns at entry, visits.sensitive), for
the periodic clean-up the CNIL expects. An admin rewrites a text in place, or keeps it ("this is fine",
remembered for that very text: once someone changes it, it is flagged again).

Texts of deleted cards are left out (they are erased at the end of their undo period)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.audit import services as audit
from fieldcrm.clients.forms import NOTES_MAX as CLIENT_NOTES_MAX
from fieldcrm.clients.models import Client, CustomFieldDef, CustomFieldValue
from fieldcrm.db import dialect_insert
from fieldcrm.followups.models import NOTES_MAX as APPOINTMENT_NOTES_MAX
from fieldcrm.followups.models import REASON_MAX, Appointment, FollowUp
from fieldcrm.privacy.review_models import TextReviewDismissal
from fieldcrm.timeutil import utcnow
from fieldcrm.visits.models import NOTE_MAX, Interaction
from fieldcrm.visits.sensitive import any_term_pattern, find_sensitive_terms, fold, load_terms

PAGE_SIZE = 20


class MinimisationError(ValueError):
    """A text that cannot be saved, with a message for the admin."""


@dataclass(frozen=True)
class Source:
    key: str
    label: object
    model: type
    text: object  # the column
    client_id: object
    max_length: int


SOURCES: dict[str, Source] = {s.key: s for s in (
    Source("client", _l("Client notes"), Client, Client.notes, Client.id, CLIENT_NOTES_MAX),
    Source("interaction", _l("Log notes"), Interaction, Interaction.note, Interaction.client_id, NOTE_MAX),
    Source("followup", _l("Follow-up reasons"), FollowUp, FollowUp.reason, FollowUp.client_id, REASON_MAX),
    Source("appointment", _l("Appointment notes"), Appointment, Appointment.notes, Appointment.client_id,
           APPOINTMENT_NOTES_MAX),
    Source("custom", _l("Custom text fields"), CustomFieldValue, CustomFieldValue.value, CustomFieldValue.client_id,
           500),
)}


@dataclass
class Finding:
    source: Source
    item_id: int
    client_id: int
    text: str
    terms: list[str]
    client_name: str = ""
    field_label: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.text)


@dataclass
class ReviewPage:
    findings: list[Finding]
    page: int
    has_more: bool


def fingerprint(text: str) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def terms() -> tuple[str, ...]:
    """The word list of the warning at entry (visits.sensitive), as configured."""
    return load_terms(current_app.config.get("SENSITIVE_TERMS_FILE"))


def _texts(source: Source):
    model = source.model
    stmt = select(model.id, source.client_id, source.text).select_from(model)
    if model is not Client:
        stmt = stmt.join(Client, Client.id == source.client_id)
    stmt = stmt.where(source.text.is_not(None), source.text != "", Client.deleted_at.is_(None)).order_by(model.id)
    if source.key == "custom":
        stmt = stmt.join(CustomFieldDef, CustomFieldDef.id == CustomFieldValue.field_id).where(
            CustomFieldDef.field_type == "text")
    return stmt


def _dismissed(db: Session) -> set[tuple[str, int, str]]:
    return set(db.exec(select(TextReviewDismissal.source, TextReviewDismissal.row_id,
                              TextReviewDismissal.text_hash)).all())


def _scan(db: Session, wanted: int, only: str | None = None) -> tuple[list[Finding], bool]:
    """The first `wanted` flagged texts (sources in order, then ids), and whether there are more."""
    word_list = terms()
    pattern = any_term_pattern(word_list)
    dismissed = _dismissed(db)
    found: list[Finding] = []
    for source in SOURCES.values():
        if only and source.key != only:
            continue
        for item_id, client_id, text in db.execute(_texts(source).execution_options(yield_per=500)):
            if not pattern.search(fold(text)) or (source.key, item_id, fingerprint(text)) in dismissed:
                continue
            if len(found) == wanted:
                return found, True
            found.append(Finding(source, item_id, client_id, text, find_sensitive_terms(text, word_list)))
    return found, False


def review_page(db: Session, page: int = 1, only: str | None = None) -> ReviewPage:
    """One page of flagged texts, with their clients' names. Reads only."""
    found, more = _scan(db, page * PAGE_SIZE, only)
    findings = found[(page - 1) * PAGE_SIZE:]
    _name(db, findings)
    return ReviewPage(findings, page, more)


def _name(db: Session, findings: list[Finding]) -> None:
    ids = {f.client_id for f in findings}
    names = dict(db.exec(select(Client.id, Client.display_name).where(Client.id.in_(ids))).all()) if ids else {}
    labels = dict(db.exec(select(CustomFieldValue.id, CustomFieldDef.label)
                          .join(CustomFieldDef, CustomFieldDef.id == CustomFieldValue.field_id)
                          .where(CustomFieldValue.id.in_([f.item_id for f in findings if f.source.key == "custom"])))
                  .all())
    for finding in findings:
        finding.client_name = names.get(finding.client_id, "")
        finding.field_label = labels.get(finding.item_id, "") if finding.source.key == "custom" else ""


def finding_for(db: Session, source_key: str, item_id: int) -> Finding | None:
    """The item as the review shows it now; None when it is gone or holds nothing flagged any more."""
    source = SOURCES[source_key]
    row = db.execute(_texts(source).where(source.model.id == item_id)).first()
    if row is None:
        return None
    text = row[2]
    words = find_sensitive_terms(text, terms())
    if not words or (source.key, item_id, fingerprint(text)) in _dismissed(db):
        return None
    finding = Finding(source, item_id, row[1], text, words)
    _name(db, [finding])
    return finding


def item_exists(db: Session, source_key: str, item_id: int) -> bool:
    source = SOURCES[source_key]
    return db.execute(_texts(source).where(source.model.id == item_id)).first() is not None


def rewrite(db: Session, actor: User, source_key: str, item_id: int, seen: str, new_text: str) -> None:
    """Replace the text the admin saw (fingerprint `seen`) by `new_text`, in one statement that only
    matches while the text is still the one seen: MinimisationError when someone changed it meanwhile,
    or when the new text is too long. The audit trail records that the text was cleaned, not the text."""
    source = SOURCES[source_key]
    new_text = (new_text or "").replace("\r\n", "\n").strip()
    if len(new_text) > source.max_length:
        raise MinimisationError(_("At most %(max)d characters.", max=source.max_length))
    row = db.execute(_texts(source).where(source.model.id == item_id)).first()
    if row is None or fingerprint(row[2]) != seen:
        raise MinimisationError(_("Someone changed this text meanwhile: here it is as it is now."))
    model, old, client_id = source.model, row[2], row[1]
    where = (model.id == item_id, source.text == old)
    if source.key == "custom" and not new_text:
        changed = db.execute(delete(model).where(*where)).rowcount
    else:
        values = {source.text.key: new_text if new_text or source.key == "followup" else None}
        if source.key == "client":
            values.update(version=Client.version + 1, updated_at=utcnow(), updated_by_id=actor.id)
        elif source.key == "interaction":
            values.update(updated_at=utcnow(), updated_by_id=actor.id)
        changed = db.execute(update(model).where(*where).values(**values)).rowcount
    if changed != 1:
        db.rollback()
        raise MinimisationError(_("Someone changed this text meanwhile: here it is as it is now."))
    audit.record(db, audit.TEXT_CLEANED, actor_id=actor.id, subject_id=client_id,
                 payload={"source": source.key, "item": item_id})
    db.commit()


def dismiss(db: Session, actor: User, source_key: str, item_id: int, seen: str) -> None:
    """"This is fine" for the text with fingerprint `seen` (once, however many admins click at once)."""
    stmt = dialect_insert(db, TextReviewDismissal.__table__).values(
        source=source_key, row_id=item_id, text_hash=seen[:64], dismissed_at=utcnow(), dismissed_by_id=actor.id,
    ).on_conflict_do_nothing(index_elements=["source", "row_id", "text_hash"])
    db.execute(stmt)
    db.commit()
