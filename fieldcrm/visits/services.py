"""Logging an interaction: one transaction that saves it, moves the client's last-contact dates,
closes the follow-up it answers (when logged from one) and, for "call back" or "appointment set",
creates the next step. Visits depend on follow-ups (`fieldcrm.followups`), never the reverse."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from fieldcrm import timeutil, workdays
from fieldcrm.accounts.models import User
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.erasure import on_client_purge
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.dbfaults import retry_transient
from fieldcrm.followups import services as followups
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.visits.models import PHRASE_MAX, Interaction, QuickPhrase
from fieldcrm.web.templating import N_

DELETED_LOG = "interaction_delete"  # the audit action that keeps a deleted log, for its undo
CORRECTED_FIELDS = ("kind", "outcome", "occurred_at", "note", "contact_id", "duration_minutes")
_DATETIME_FIELDS = {"occurred_at", "created_at", "updated_at"}


class UidTaken(Exception):
    """The client-generated id belongs to an interaction on another client or by another author."""


@dataclass
class LogResult:
    interaction: Interaction
    created: bool
    followup: FollowUp | None = None
    appointment: Appointment | None = None
    overlaps: list[Appointment] = field(default_factory=list)


def counts_as_contact(kind: str, outcome: str) -> bool:
    """A note is not a contact, nor is a call or visit that reached nobody."""
    return kind != "note" and outcome != "not_reached"


def counts_as_visit(kind: str, outcome: str) -> bool:
    return kind == "visit" and outcome != "not_reached"


# The same two rules in SQL, for recomputing the client's dates from its whole history.
def _is_contact():
    return and_(Interaction.kind != "note", Interaction.outcome != "not_reached")


def _is_visit():
    return and_(Interaction.kind == "visit", Interaction.outcome != "not_reached")


def recompute_last_dates(db: Session, client_ids: int | list[int]) -> None:
    """Set the clients' last contact and last visit from their interactions (after a correction or a
    deletion, when moving forward only is not enough; after a bulk load). Runs in the caller's
    transaction."""
    ids = [client_ids] if isinstance(client_ids, int) else list(client_ids)

    def latest(rule):
        return (select(func.max(Interaction.occurred_at))
                .where(Interaction.client_id == Client.id, rule).scalar_subquery())

    for start in range(0, len(ids), 500):  # bounded IN lists
        db.execute(update(Client).where(Client.id.in_(ids[start:start + 500]))
                   .values(last_contact_at=latest(_is_contact()), last_visit_at=latest(_is_visit())))


_BY_UID = select(Interaction).where(Interaction.uid == bindparam("uid"))  # asked on every log: built once


def find_logged(db: Session, actor: User, client: Client, uid: str) -> LogResult | None:
    """What a uid already logged (with the next step it created), or None; UidTaken if the uid is
    someone else's or another client's."""
    found = db.exec(_BY_UID, params={"uid": uid}).first()
    if found is None:
        return None
    if found.client_id != client.id or found.author_id != actor.id:
        raise UidTaken(uid)
    followup = db.exec(select(FollowUp).where(FollowUp.interaction_id == found.id)).first()
    appointment = db.exec(select(Appointment).where(Appointment.interaction_id == found.id)).first()
    return LogResult(found, created=False, followup=followup, appointment=appointment)


def _forward_update(*columns):
    """UPDATE client: each of `columns` set to :at where :at is later (or it is empty), in one
    statement that returns the two dates as they now are; no row when none moves. Built once."""
    table = Client.__table__
    at = bindparam("at", type_=table.c.last_contact_at.type)
    later = {c: or_(table.c[c].is_(None), table.c[c] < at) for c in columns}
    return (update(table).where(table.c.id == bindparam("client_key"), or_(*later.values()))
            .values({c: case((later[c], at), else_=table.c[c]) for c in columns})
            .returning(table.c.last_contact_at, table.c.last_visit_at))


_MOVE_CONTACT = _forward_update("last_contact_at")
_MOVE_CONTACT_AND_VISIT = _forward_update("last_contact_at", "last_visit_at")


def _move_last_dates(db: Session, client: Client, interaction: Interaction) -> None:
    """Only ever forward: a back-dated log does not hide a more recent contact. `client` gets the
    dates the database now holds (no reload after the commit)."""
    if not counts_as_contact(interaction.kind, interaction.outcome):
        return
    statement = _MOVE_CONTACT_AND_VISIT if counts_as_visit(interaction.kind, interaction.outcome) \
        else _MOVE_CONTACT
    moved = db.execute(statement, {"at": interaction.occurred_at, "client_key": client.id}).first()
    if moved is not None:
        set_committed_value(client, "last_contact_at", moved.last_contact_at)
        set_committed_value(client, "last_visit_at", moved.last_visit_at)


@retry_transient(idempotent=True)  # the uid finds a log whose commit went through before a fault
def log_interaction(db: Session, actor: User, client: Client, data: dict) -> LogResult:
    """Save what happened with `client`, closing the open follow-up `followup_id` it answers. Sending
    the same `uid` again (double tap, retry, offline queue) returns the interaction already saved and
    changes nothing."""
    existing = find_logged(db, actor, client, data["uid"])
    if existing is not None:
        return existing
    interaction = Interaction(
        uid=data["uid"], client_id=client.id, author_id=actor.id, kind=data["kind"],
        outcome=data["outcome"], occurred_at=data["occurred_at"], note=data.get("note"),
        contact_id=data.get("contact_id"), duration_minutes=data.get("duration_minutes"))
    db.add(interaction)
    try:
        db.flush()
    except IntegrityError:  # the same uid committed meanwhile by a concurrent request
        db.rollback()
        existing = find_logged(db, actor, client, data["uid"])
        if existing is None:
            raise
        return existing
    _move_last_dates(db, client, interaction)
    if data.get("followup_id"):
        # Logged from a follow-up: this log answers it, and its next step (if any) replaces it.
        followups.close_answered_followup(db, actor, client, data["followup_id"])
    result = LogResult(interaction, created=True)
    if data["outcome"] == "call_back" and data.get("follow_up_on"):
        result.followup = followups.add_followup(
            db, actor, client, due_date=data["follow_up_on"], due_time=data.get("follow_up_time"),
            reason=_("Call back"), interaction_id=interaction.id)
    if data["outcome"] == "appointment_set" and data.get("appointment_at"):
        result.appointment = followups.add_appointment(
            db, actor, client, starts_at=data["appointment_at"], interaction_id=interaction.id)
        db.flush()
        result.overlaps = followups.overlapping(db, result.appointment)
    db.commit()
    return result


@retry_transient(idempotent=True)  # the follow-up's uid is derived from the log's
def propose_followup(db: Session, actor: User, client: Client, interaction: Interaction, due: date,
                     reason: str = "") -> FollowUp:
    """The next step chosen right after logging. Tapping twice gives one follow-up."""
    uid = f"next-{interaction.uid}"[:36]
    return followups.create_followup(db, actor, client, due_date=due, reason=reason or _("Follow up"),
                                     interaction_id=interaction.id, uid=uid)


def next_step_choices(today: date, days: str | None = workdays.DEFAULT_DAYS) -> list[tuple[str, str, date]]:
    """The one-tap follow-up choices shown after a log: (key, label, date), each on one of the
    user's working days ("tomorrow" on a Friday is Monday)."""
    return [("1d", _("Tomorrow"), workdays.next_working_day(today, days)),
            ("7d", _("In 1 week"), workdays.on_or_after(today + timedelta(days=7), days)),
            ("14d", _("In 2 weeks"), workdays.on_or_after(today + timedelta(days=14), days)),
            ("1m", _("In 1 month"), workdays.on_or_after(_add_month(today), days))]


def _add_month(day: date) -> date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def set_shared_phrases(db: Session, lines: list[str]) -> list[QuickPhrase]:
    """Replace the admin's shared quick phrases (one per line, blanks and repeats dropped)."""
    for old in db.exec(select(QuickPhrase)).all():
        db.delete(old)
    seen, phrases = set(), []
    for line in lines:
        text = line.strip()[:PHRASE_MAX]
        if text and text.lower() not in seen:
            seen.add(text.lower())
            phrases.append(QuickPhrase(text=text, position=len(phrases)))
    db.add_all(phrases)
    db.commit()
    return phrases


# --- Corrections: the author (or a manager / admin in reach) fixes or removes a log afterwards -------

class CorrectionError(Exception):
    """A correction or an undo that cannot be done; the message is an English key (N_) translated
    when shown."""


def version_token(interaction: Interaction) -> str:
    """What the edit form saw: a second correction made meanwhile changes it."""
    return interaction.updated_at.isoformat() if interaction.updated_at else "new"


def correct_interaction(db: Session, actor: User, interaction: Interaction, data: dict) -> bool:
    """Save the corrected fields, mark the log as edited and recompute the client's last contact and
    last visit, in one transaction. Returns False (and changes nothing) when nothing differs."""
    changes = {k: data[k] for k in CORRECTED_FIELDS if getattr(interaction, k) != data[k]}
    if not changes:
        return False
    for key, value in changes.items():
        setattr(interaction, key, value)
    interaction.updated_at, interaction.updated_by_id = timeutil.now(), actor.id
    db.add(interaction)
    db.flush()
    recompute_last_dates(db, interaction.client_id)
    db.commit()
    return True


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def delete_interaction(db: Session, actor: User, interaction: Interaction) -> AuditEvent:
    """Remove a log from the client's history. The row, and the follow-ups and appointments it led
    to, are written to the audit trail so the undo puts it back as it was (same uid, same id); the
    follow-ups and appointments themselves stay. One transaction, client dates recomputed."""
    row = {name: _jsonable(getattr(interaction, name)) for name in Interaction.model_fields}
    linked = {"followups": list(db.exec(select(FollowUp.id).where(FollowUp.interaction_id == interaction.id)).all()),
              "appointments": list(db.exec(select(Appointment.id)
                                           .where(Appointment.interaction_id == interaction.id)).all())}
    for model in (FollowUp, Appointment):
        db.execute(update(model).where(model.interaction_id == interaction.id).values(interaction_id=None))
    event = AuditEvent(action=DELETED_LOG, actor_id=actor.id, subject_id=interaction.client_id,
                       other_id=interaction.id, created_at=timeutil.now(),
                       payload=json.dumps({"interaction": row, "linked": linked}))
    db.add(event)
    db.delete(interaction)
    db.flush()
    recompute_last_dates(db, interaction.client_id)
    db.commit()
    return event


def deleted_row(event: AuditEvent) -> dict:
    """The deleted interaction's columns as they were (empty once the undo period is over)."""
    return json.loads(event.payload or "{}").get("interaction") or {}


def restore_interaction(db: Session, actor: User, event: AuditEvent, not_before: datetime) -> Interaction:
    """Undo a deletion: the same row (id, uid, author, dates) back in the history, re-linked to the
    follow-ups and appointments it had led to, and the client's dates recomputed."""
    if event.undone_at is not None:
        raise CorrectionError(N_("This log is already back in the history."))
    row = deleted_row(event)
    if not row or event.created_at < not_before:
        raise CorrectionError(N_("This log was deleted too long ago to be put back."))
    if db.exec(select(Interaction.id).where(Interaction.uid == row["uid"])).first():
        raise CorrectionError(N_("This log is already back in the history."))
    values = {k: (datetime.fromisoformat(v) if v is not None and k in _DATETIME_FIELDS else v)
              for k, v in row.items() if k in Interaction.model_fields}
    if db.get(Interaction, values["id"]) is not None:
        values.pop("id")  # SQLite hands a freed id out again: the uid is the log's lasting identity
    if values.get("contact_id") is not None and db.get(ContactPerson, values["contact_id"]) is None:
        values["contact_id"] = None  # the person met was removed meanwhile; the log is kept without them
    interaction = Interaction(**values)
    try:
        db.add(interaction)
        db.flush()
        linked = json.loads(event.payload).get("linked", {})
        for model, ids in ((FollowUp, linked.get("followups")), (Appointment, linked.get("appointments"))):
            if ids:
                db.execute(update(model).where(model.id.in_(ids), model.client_id == interaction.client_id,
                                               model.interaction_id.is_(None))
                           .values(interaction_id=interaction.id))
        event.undone_at, event.undone_by_id = timeutil.now(), actor.id
        db.add(event)
        recompute_last_dates(db, interaction.client_id)
        db.commit()
    except IntegrityError:  # restored (or its uid sent again) by a concurrent request meanwhile
        db.rollback()
        raise CorrectionError(N_("This log is already back in the history.")) from None
    return interaction


def purge_deleted_logs(db: Session, before: datetime) -> int:
    """Forget the content of logs deleted before `before` (the undo period is over): the audit line
    stays (who deleted what, when), the note and the rest of the row go. The caller commits."""
    result = db.execute(update(AuditEvent).where(AuditEvent.action == DELETED_LOG, AuditEvent.created_at < before,
                                                 AuditEvent.payload != "{}").values(payload="{}"))
    return result.rowcount or 0


@on_client_purge
def erase_deleted_logs_of(db: Session, client_id: int) -> None:
    """A client erased for good takes its deleted logs' copies with it (notes are personal data)."""
    db.execute(delete(AuditEvent).where(AuditEvent.action == DELETED_LOG, AuditEvent.subject_id == client_id))
