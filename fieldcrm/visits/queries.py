"""Read-only selects for interactions: quick phrases, the client timeline. The client passed in was
loaded through clients.queries.get_client_or_404 (its timeline is visible exactly when it is)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import Integer, bindparam
from sqlmodel import Session, select

from fieldcrm import access, timeutil
from fieldcrm.accounts.models import User
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.clients.queries import get_client_or_404, through_client
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.visits.models import PHRASE_MAX, Interaction, QuickPhrase
from fieldcrm.visits.services import DELETED_LOG

TIMELINE_PAGE = 15
RECENT_PHRASES = 6
# Capabilities built on the card add their own entries to its history (a hand-over, …): each source
# is called as source(db, client, need) and returns up to `need` TimelineEntry, newest first.
_HISTORY_SOURCES: list = []


def register_history_source(source) -> None:
    """Let a higher capability add entries to every card's history (see timeline)."""
    if source not in _HISTORY_SOURCES:
        _HISTORY_SOURCES.append(source)


def shared_phrases(db: Session) -> list[str]:
    return list(db.exec(select(QuickPhrase.text).order_by(QuickPhrase.position, QuickPhrase.id)).all())


def recent_phrases(db: Session, actor: User, exclude: list[str] | None = None) -> list[str]:
    """The actor's own short notes, most recent first (the phrases they keep typing)."""
    rows = db.exec(select(Interaction.note).where(Interaction.author_id == actor.id,
                                                  Interaction.note.is_not(None))
                   .order_by(Interaction.created_at.desc()).limit(40)).all()
    skip = {p.lower() for p in exclude or []}
    phrases: list[str] = []
    for note in rows:
        text = note.strip()
        if text and len(text) <= PHRASE_MAX and "\n" not in text and text.lower() not in skip:
            skip.add(text.lower())
            phrases.append(text)
        if len(phrases) == RECENT_PHRASES:
            break
    return phrases


def contacts_for_log(db: Session, client: Client) -> list[ContactPerson]:
    return list(db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)
                        .order_by(ContactPerson.last_name, ContactPerson.id)).all())


def contact_ids(db: Session, client: Client) -> set[int]:
    """The ids of the client's contact people (the person a log names must be one of them)."""
    return set(db.exec(select(ContactPerson.id).where(ContactPerson.client_id == client.id)).all())


@dataclass
class TimelineEntry:
    kind: str  # "interaction" | "followup" | "appointment" | a registered source's own kind
    at: datetime
    record: object
    author: str | None = None
    correctable: bool = False  # set by the route: the actor may edit or delete this log


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    page: int
    has_more: bool


def _followup_moment(f: FollowUp) -> datetime:
    return timeutil.local_datetime(f.due_date, f.due_time or time(9, 0))


def _newest_of_client(model, person, *order):
    """A client's records of `model` with the name of `person` (their author, assignee, owner), up to
    the bound `need`, in `order`."""
    return (select(model, User.name).join(User, User.id == person)
            .where(model.client_id == bindparam("client_id"))
            .order_by(*order).limit(bindparam("need", type_=Integer)))


# Built once (run with the client and the number wanted as parameters): every card opens its timeline.
_INTERACTIONS = _newest_of_client(Interaction, Interaction.author_id,
                                  Interaction.occurred_at.desc(), Interaction.id.desc())
_FOLLOWUPS = _newest_of_client(FollowUp, FollowUp.assignee_id, FollowUp.due_date.desc(), FollowUp.id.desc())
_APPOINTMENTS = _newest_of_client(Appointment, Appointment.owner_id,
                                  Appointment.starts_at.desc(), Appointment.id.desc())


def timeline(db: Session, client: Client, page: int = 1, page_size: int = TIMELINE_PAGE) -> Timeline:
    """Interactions, follow-ups and appointments of one client, newest (or furthest ahead) first."""
    page = max(page, 1)
    need = page * page_size + 1
    params = {"client_id": client.id, "need": need}
    interactions = db.exec(_INTERACTIONS, params=params).all()
    followups = db.exec(_FOLLOWUPS, params=params).all()
    appointments = db.exec(_APPOINTMENTS, params=params).all()
    entries = [TimelineEntry("interaction", i.occurred_at, i, name) for i, name in interactions]
    entries += [TimelineEntry("followup", _followup_moment(f), f, name) for f, name in followups]
    entries += [TimelineEntry("appointment", a.starts_at, a, name) for a, name in appointments]
    for source in _HISTORY_SOURCES:
        entries += source(db, client, need)
    entries.sort(key=lambda e: e.at, reverse=True)
    start = (page - 1) * page_size
    return Timeline(entries[start:start + page_size], page, has_more=len(entries) > start + page_size)


# --- Reach: an interaction is visible exactly when its client is ------------------------------------------

def can_correct_interaction(actor: User, author_id: int | None) -> bool:
    """Who may correct or delete a log on a client they can see: its author, or a manager or admin.
    A rep never rewrites a colleague's log, even on a client they now own (a card handed over keeps
    its history as written; the colleague or the manager corrects it). Reps only see their own
    portfolio, so this mostly concerns logs written by a manager or by the card's previous owner."""
    return actor.role in ("manager", "admin") or author_id == actor.id


def get_interaction_or_404(db: Session, actor: User, interaction_id: int, *,
                           for_correction: bool = False) -> Interaction:
    """An interaction whose client is in reach; with `for_correction`, also one `actor` may correct
    or delete (see can_correct_interaction), else access.NotVisible."""
    interaction = through_client(db, actor, db.get(Interaction, interaction_id))
    if for_correction and not can_correct_interaction(actor, interaction.author_id):
        raise access.NotVisible()
    return interaction


def get_deleted_interaction_or_404(db: Session, actor: User, deletion_id: int) -> AuditEvent:
    """The audit event of a deleted log, for its undo: in reach when its client is (not deleted) and
    `actor` could have corrected the log."""
    event = db.get(AuditEvent, deletion_id)
    if event is None or event.action != DELETED_LOG or event.subject_id is None:
        raise access.NotVisible()
    get_client_or_404(db, actor, event.subject_id)
    author_id = (json.loads(event.payload or "{}").get("interaction") or {}).get("author_id")
    if not can_correct_interaction(actor, author_id) and event.actor_id != actor.id:
        raise access.NotVisible()
    return event
