"""Read-only selects over follow-ups, each starting from the actor's reach."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import load_only
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import CLIENT_LINE, scope, through_client
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.paging import count_rows, cut_page, numbered_keys, run_page


def open_followup_due_by(db: Session, actor: User, client_id: int, day: date) -> FollowUp | None:
    """The actor's oldest open follow-up on the client due on `day` or before: the one a visit made
    that day answers (a tour stop marked done)."""
    stmt = select(FollowUp).join(Client, Client.id == FollowUp.client_id)
    stmt = scope_followups(stmt, actor).where(
        FollowUp.client_id == client_id, FollowUp.status == "open", FollowUp.due_date <= day)
    return db.exec(stmt.order_by(FollowUp.due_date, FollowUp.id).limit(1)).first()


# --- Reach: a follow-up or an appointment is visible exactly when its client is ------------------------

def scope_followups(stmt: Select, actor: User, whose: str | User = "me") -> Select:
    """Narrow a select over FollowUp joined to Client to follow-ups on clients `actor` can see and
    assigned to: the actor ("me"), the people they follow and themselves ("team": a manager's team,
    everyone for an admin, the actor alone for a rep), or one person loaded by
    accounts.queries.get_followed_person_or_404."""
    stmt = scope(stmt, actor)
    if isinstance(whose, User):
        return stmt.where(FollowUp.assignee_id == whose.id)
    if whose == "team" and actor.role != "rep":
        owners = access.visible_owner_ids(actor)
        return stmt if owners is None else stmt.where(FollowUp.assignee_id.in_(owners))
    return stmt.where(FollowUp.assignee_id == actor.id)


def get_followup_or_404(db: Session, actor: User, followup_id: int) -> FollowUp:
    return through_client(db, actor, db.get(FollowUp, followup_id))


def get_made_followup_or_404(db: Session, actor: User, uid) -> FollowUp:
    """A follow-up by the id the actor's phone gave it when it was made there (possibly offline, before
    its number was known): the phone's later actions on it name it so. Only its maker reaches it so."""
    found = db.exec(select(FollowUp).where(FollowUp.uid == str(uid).lower(),
                                           FollowUp.created_by_id == actor.id)).first()
    return through_client(db, actor, found)


def get_appointment_or_404(db: Session, actor: User, appointment_id: int) -> Appointment:
    return through_client(db, actor, db.get(Appointment, appointment_id))


# --- Open follow-ups, a page at a time (the follow-up list; Today and the week reuse the selects) ------

FOLLOWUP_ORDER = (FollowUp.due_date, FollowUp.due_time.is_(None), FollowUp.due_time, FollowUp.id)
OVERDUE_ORDER = (FollowUp.due_date, FollowUp.id)  # by day only: the (assignee, status, due_date) index's order
# What a list line shows of a follow-up or an appointment (fewer columns to read and to map).
FOLLOWUP_LINE = load_only(FollowUp.id, FollowUp.client_id, FollowUp.assignee_id, FollowUp.due_date,
                          FollowUp.due_time, FollowUp.reason, FollowUp.status)


def open_followups_select(actor: User, whose="me"):
    """Open follow-ups (with their client's list line) in reach, assigned as `whose` says (see scope_followups)."""
    stmt = select(FollowUp, Client).join(Client, Client.id == FollowUp.client_id).options(CLIENT_LINE)
    return scope_followups(stmt, actor, whose).where(FollowUp.status == "open")


def followup_page(actor, *, before=None, on=None, limit=None, offset=0, cap=None, whose="me"):
    """The select of one page of open follow-ups (with their total), and the plain select to count
    them when a page past the end comes back empty."""
    stmt = open_followups_select(actor, whose)
    order = FOLLOWUP_ORDER
    if before is not None:
        stmt, order = stmt.where(FollowUp.due_date < before), OVERDUE_ORDER
    elif on is not None:
        stmt = stmt.where(FollowUp.due_date == on)
    numbered = numbered_keys(stmt, FollowUp.id, order, cap)
    page = (select(FollowUp, Client, numbered.c.total).join(numbered, numbered.c.key == FollowUp.id)
            .join(Client, Client.id == FollowUp.client_id).options(CLIENT_LINE, FOLLOWUP_LINE))
    return cut_page(page, numbered, limit, offset), stmt.with_only_columns(FollowUp.id)


def open_followups(db: Session, actor: User, *, before: date | None = None, on: date | None = None,
                   limit: int | None = None, offset: int = 0, cap: int | None = None, whose="me"):
    """Open follow-ups, oldest due first, and how many there are (counted up to `cap`): the actor's
    own, or — for a manager or an admin — their team's or one person's (see scope_followups).
    Due before a day (overdue), on a day, or all."""
    page, counted = followup_page(actor, before=before, on=on, limit=limit, offset=offset, cap=cap,
                                  whose=whose)
    rows, total = run_page(db, page)
    if total is None:
        total = 0 if offset == 0 else count_rows(db, counted, cap)
    return rows, total
