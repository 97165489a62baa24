"""Follow-up and appointment use cases. Each public one is a single transaction, except the `add_*`
and `close_answered_followup` steps, staged for a caller that commits (logging a visit, in `visits`:
visits depend on follow-ups, never the other way)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm import timeutil, workdays
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.timeutil import utcnow

APPOINTMENT_MINUTES = 60


class NotAllowed(Exception):
    """The chosen assignee cannot see the client."""


def add_followup(db: Session, actor: User, client: Client, *, due_date: date, due_time: time | None = None,
                 reason: str = "", assignee: User | None = None, interaction_id: int | None = None,
                 uid: str | None = None) -> FollowUp:
    """Stage a follow-up in the current transaction (the caller commits)."""
    followup = FollowUp(client_id=client.id, assignee_id=(assignee or actor).id, created_by_id=actor.id,
                        due_date=due_date, due_time=due_time, reason=reason.strip(),
                        interaction_id=interaction_id, uid=uid)
    db.add(followup)
    return followup


def create_followup(db: Session, actor: User, client: Client, **fields) -> FollowUp:
    """A follow-up on `client`. A repeated `uid` returns the one already made."""
    uid = fields.get("uid")
    if uid:
        existing = db.exec(select(FollowUp).where(FollowUp.uid == uid)).first()
        if existing is not None and existing.client_id == client.id:
            return existing
    followup = add_followup(db, actor, client, **fields)
    db.commit()
    return followup


def update_followup(db: Session, actor: User, followup: FollowUp, *, due_date: date, due_time: time | None,
                    reason: str, assignee: User) -> FollowUp:
    followup.due_date, followup.due_time, followup.reason = due_date, due_time, reason.strip()
    followup.assignee_id = assignee.id
    db.add(followup)
    db.commit()
    return followup


def _close(db: Session, followup: FollowUp, status: str) -> FollowUp:
    """Close an open follow-up as `status`; one already closed stays as it is."""
    if followup.status == "open":
        followup.status, followup.closed_at = status, utcnow()
        db.add(followup)
        db.commit()
    return followup


def complete_followup(db: Session, actor: User, followup: FollowUp) -> FollowUp:
    return _close(db, followup, "done")


def close_answered_followup(db: Session, actor: User, client: Client, followup_id: int) -> bool:
    """Stage closing (done) the open follow-up on `client` that a log answers; the caller commits in
    the log's transaction. One conditional UPDATE: a follow-up already closed, on another client or
    out of the actor's reach is left as it is, and two logs at once close it once. True if closed."""
    reachable = scope(select(Client.id).where(Client.id == client.id), actor)
    closed = db.execute(update(FollowUp)
                        .where(FollowUp.id == followup_id, FollowUp.client_id == client.id,
                               FollowUp.status == "open", FollowUp.client_id.in_(reachable))
                        .values(status="done", closed_at=utcnow()))
    return bool(closed.rowcount)


def cancel_followup(db: Session, actor: User, followup: FollowUp) -> FollowUp:
    return _close(db, followup, "cancelled")


def snooze_followup(db: Session, actor: User, followup: FollowUp, *, days: int | None = None,
                    until: date | None = None) -> FollowUp:
    """Push an open follow-up to a later day: `days` after today (not after its old date; on the
    assignee's next working day if that one is not), or `until` as chosen."""
    if followup.status != "open":
        return followup
    if until is None:
        assignee = db.get(User, followup.assignee_id)
        until = workdays.on_or_after(timeutil.today() + timedelta(days=days or 1),
                                     assignee.working_days if assignee else workdays.DEFAULT_DAYS)
    followup.due_date = until
    followup.snoozed_count += 1
    db.add(followup)
    db.commit()
    return followup


@dataclass
class AppointmentResult:
    appointment: Appointment
    overlaps: list[Appointment]


def add_appointment(db: Session, actor: User, client: Client, *, starts_at: datetime,
                    ends_at: datetime | None = None, place: str | None = None, notes: str | None = None,
                    owner: User | None = None, interaction_id: int | None = None,
                    uid: str | None = None) -> Appointment:
    """Stage an appointment (the caller commits). Without an end, it lasts an hour."""
    appointment = Appointment(
        client_id=client.id, owner_id=(owner or actor).id, created_by_id=actor.id, starts_at=starts_at,
        ends_at=ends_at or starts_at + timedelta(minutes=APPOINTMENT_MINUTES),
        place=(place or "").strip() or None, notes=(notes or "").strip() or None,
        interaction_id=interaction_id, uid=uid)
    db.add(appointment)
    return appointment


def overlapping(db: Session, appointment: Appointment) -> list[Appointment]:
    """The owner's other live appointments that share some time with this one."""
    stmt = select(Appointment).where(
        Appointment.owner_id == appointment.owner_id, Appointment.cancelled_at.is_(None),
        Appointment.starts_at < appointment.ends_at, Appointment.ends_at > appointment.starts_at)
    if appointment.id is not None:
        stmt = stmt.where(Appointment.id != appointment.id)
    return list(db.exec(stmt.order_by(Appointment.starts_at)).all())


def create_appointment(db: Session, actor: User, client: Client, **fields) -> AppointmentResult:
    """Save an appointment; overlaps are reported, not refused (the rep knows best)."""
    uid = fields.get("uid")
    if uid:
        existing = db.exec(select(Appointment).where(Appointment.uid == uid)).first()
        if existing is not None and existing.client_id == client.id:
            return AppointmentResult(existing, overlapping(db, existing))
    appointment = add_appointment(db, actor, client, **fields)
    db.flush()
    overlaps = overlapping(db, appointment)
    db.commit()
    return AppointmentResult(appointment, overlaps)


def update_appointment(db: Session, actor: User, appointment: Appointment, *, starts_at: datetime,
                       ends_at: datetime, place: str | None, notes: str | None, owner: User) -> AppointmentResult:
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.place = (place or "").strip() or None
    appointment.notes = (notes or "").strip() or None
    appointment.owner_id = owner.id
    db.add(appointment)
    db.flush()
    overlaps = overlapping(db, appointment)
    db.commit()
    return AppointmentResult(appointment, overlaps)


def cancel_appointment(db: Session, actor: User, appointment: Appointment) -> Appointment:
    if appointment.cancelled_at is None:
        appointment.cancelled_at = utcnow()
        db.add(appointment)
        db.commit()
    return appointment


def flag_overlaps(appointments: list[Appointment]) -> set[int]:
    """Ids of the appointments (one owner's, sorted by start) that overlap a neighbour."""
    flagged: set[int] = set()
    latest_end, latest_id = None, None
    for a in sorted(appointments, key=lambda a: a.starts_at):
        if latest_end is not None and a.starts_at < latest_end:
            flagged.update({a.id, latest_id})
        if latest_end is None or a.ends_at > latest_end:
            latest_end, latest_id = a.ends_at, a.id
    return flagged


