"""Logging an interaction: one transaction that saves it, moves the client's last-contact dates and,
for "call back" or "appointment set", creates the next step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.followups import services as followups
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.visits.models import PHRASE_MAX, Interaction, QuickPhrase


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


def find_logged(db: Session, actor: User, client: Client, uid: str) -> LogResult | None:
    """What a uid already logged (with the next step it created), or None; UidTaken if the uid is
    someone else's or another client's."""
    found = db.exec(select(Interaction).where(Interaction.uid == uid)).first()
    if found is None:
        return None
    if found.client_id != client.id or found.author_id != actor.id:
        raise UidTaken(uid)
    followup = db.exec(select(FollowUp).where(FollowUp.interaction_id == found.id)).first()
    appointment = db.exec(select(Appointment).where(Appointment.interaction_id == found.id)).first()
    return LogResult(found, created=False, followup=followup, appointment=appointment)


def _move_last_dates(db: Session, client: Client, interaction: Interaction) -> None:
    """Only ever forward: a back-dated log does not hide a more recent contact."""
    at = interaction.occurred_at
    if counts_as_contact(interaction.kind, interaction.outcome):
        db.execute(update(Client).where(Client.id == client.id)
                   .where(or_(Client.last_contact_at.is_(None), Client.last_contact_at < at))
                   .values(last_contact_at=at))
    if counts_as_visit(interaction.kind, interaction.outcome):
        db.execute(update(Client).where(Client.id == client.id)
                   .where(or_(Client.last_visit_at.is_(None), Client.last_visit_at < at))
                   .values(last_visit_at=at))


def log_interaction(db: Session, actor: User, client: Client, data: dict) -> LogResult:
    """Save what happened with `client`. Sending the same `uid` again (double tap, retry, offline
    queue) returns the interaction already saved and changes nothing."""
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
    db.refresh(client)
    return result


def propose_followup(db: Session, actor: User, client: Client, interaction: Interaction, due: date,
                     reason: str = "") -> FollowUp:
    """The next step chosen right after logging. Tapping twice gives one follow-up."""
    uid = f"next-{interaction.uid}"[:36]
    return followups.create_followup(db, actor, client, due_date=due, reason=reason or _("Follow up"),
                                     interaction_id=interaction.id, uid=uid)


def next_step_choices(today: date) -> list[tuple[str, str, date]]:
    """The one-tap follow-up choices shown after a log: (key, label, date)."""
    return [("1d", _("Tomorrow"), today + timedelta(days=1)),
            ("7d", _("In 1 week"), today + timedelta(days=7)),
            ("14d", _("In 2 weeks"), today + timedelta(days=14)),
            ("1m", _("In 1 month"), _add_month(today))]


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
