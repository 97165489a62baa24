"""WHO SEES WHAT. The only module that knows rep / manager / admin scoping.

A rep sees their own portfolio, a manager their team's, an admin everything. Anything outside the
actor's scope answers 404 (never 403: a 403 would tell a stranger the record exists)."""

from __future__ import annotations

from flask import abort
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client, ContactPerson


def visible_owner_ids(actor: User) -> Select | None:
    """A subquery of the owners whose clients `actor` may see; None means everyone (admin)."""
    if actor.role == "admin":
        return None
    if actor.role == "manager" and actor.team_id is not None:
        return select(User.id).where(User.team_id == actor.team_id)
    return select(User.id).where(User.id == actor.id)


def scope_owned(stmt: Select, owner_column, actor: User) -> Select:
    """Narrow a select over any owned record (client, campaign, tour…) to the owners `actor` may see."""
    owners = visible_owner_ids(actor)
    return stmt if owners is None else stmt.where(owner_column.in_(owners))


def _first_or_404(db: Session, stmt: Select):
    row = db.exec(stmt).first()
    if row is None:
        abort(404)
    return row


def scope(stmt: Select, actor: User, *, include_deleted: bool = False) -> Select:
    """Narrow a select over Client to the clients `actor` may see."""
    stmt = scope_owned(stmt, Client.owner_id, actor)
    if not include_deleted:
        stmt = stmt.where(Client.deleted_at.is_(None))
    return stmt


def can_see_user(actor: User, other: User) -> bool:
    if actor.role == "admin" or actor.id == other.id:
        return True
    return actor.role == "manager" and actor.team_id is not None and actor.team_id == other.team_id


def assignable_owners(db: Session, actor: User) -> list[User]:
    """The users a client may be given to by `actor` (the actor alone for a rep)."""
    stmt = select(User).where(User.active).order_by(User.name)
    owners = visible_owner_ids(actor)
    if owners is not None:
        stmt = stmt.where(User.id.in_(owners))
    return list(db.exec(stmt).all())


def get_client_or_404(db: Session, actor: User, client_id: int, *, include_deleted=False) -> Client:
    return _first_or_404(db, scope(select(Client).where(Client.id == client_id), actor,
                                   include_deleted=include_deleted))


def get_contact_or_404(db: Session, actor: User, client: Client, contact_id: int) -> ContactPerson:
    contact = db.get(ContactPerson, contact_id)
    if contact is None or contact.client_id != client.id:
        abort(404)
    return contact


def can_edit_client(actor: User, client: Client) -> bool:
    """Everyone who can see a client may edit it (the scope already limits what they see)."""
    return client.deleted_at is None


def get_user_or_404(db: Session, actor: User, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None or not can_see_user(actor, user):
        abort(404)
    return user


def require_admin(actor: User) -> None:
    if actor.role != "admin":
        abort(404)


# --- Issue 4: interactions, follow-ups, appointments, the rep's own day -------------------------------
# Each record is reached through its client: visible exactly when its client is visible.

def own_clients(stmt: Select, actor: User) -> Select:
    """Narrow a select over Client to the clients `actor` personally owns (their Today, not the team's)."""
    return stmt.where(Client.owner_id == actor.id, Client.deleted_at.is_(None))


def user_can_see_client(db: Session, user: User, client: Client) -> bool:
    """Whether `user` (not necessarily the actor) has `client` in their scope."""
    if not user.active:
        return False
    owners = visible_owner_ids(user)
    if owners is None:
        return True
    return client.owner_id in set(db.exec(owners).all())


def assignable_assignees(db: Session, actor: User, client: Client) -> list[User]:
    """Who `actor` may give a follow-up or appointment on `client` to: themselves for a rep; for a
    manager or admin, the users in their reach who can see the client."""
    if actor.role == "rep":
        return [actor]
    return [u for u in assignable_owners(db, actor) if user_can_see_client(db, u, client)]


def _through_client(db: Session, actor: User, record):
    if record is None or get_client_or_404(db, actor, record.client_id) is None:
        abort(404)
    return record


def get_interaction_or_404(db: Session, actor: User, interaction_id: int):
    from fieldcrm.visits.models import Interaction

    return _through_client(db, actor, db.get(Interaction, interaction_id))


def get_followup_or_404(db: Session, actor: User, followup_id: int):
    from fieldcrm.followups.models import FollowUp

    return _through_client(db, actor, db.get(FollowUp, followup_id))


def get_appointment_or_404(db: Session, actor: User, appointment_id: int):
    from fieldcrm.followups.models import Appointment

    return _through_client(db, actor, db.get(Appointment, appointment_id))


# ---- issue 6: imports, segments, campaigns, merges (data quality)

def get_import_or_404(db: Session, actor: User, import_id: int):
    """An import is seen by the user who ran it, their team's manager and an admin."""
    from fieldcrm.imports.models import ImportJob

    job = db.get(ImportJob, import_id)
    owner = db.get(User, job.owner_id) if job is not None else None
    if job is None or owner is None or not can_see_user(actor, owner):
        abort(404)
    return job


def visible_segments(stmt: Select, actor: User) -> Select:
    """Segments `actor` may use: their own, and those shared by someone of their team (admin: all)."""
    from sqlalchemy import or_

    from fieldcrm.segments.models import Segment

    if actor.role == "admin":
        return stmt
    shared = Segment.shared & Segment.owner_id.in_(select(User.id).where(User.team_id == actor.team_id)) \
        if actor.team_id is not None else False
    return stmt.where(or_(Segment.owner_id == actor.id, shared))


def get_segment_or_404(db: Session, actor: User, segment_id: int, *, for_edit: bool = False):
    """A segment in reach; editing is for its owner (and an admin). Applying it still goes through scope()."""
    from fieldcrm.segments.models import Segment

    segment = db.exec(visible_segments(select(Segment).where(Segment.id == segment_id), actor)).first()
    if segment is None or (for_edit and segment.owner_id != actor.id and actor.role != "admin"):
        abort(404)
    return segment


def visible_campaigns(stmt: Select, actor: User) -> Select:
    from fieldcrm.sales.models import Campaign

    return scope_owned(stmt, Campaign.owner_id, actor)


def get_campaign_or_404(db: Session, actor: User, campaign_id: int):
    from fieldcrm.sales.models import Campaign

    return _first_or_404(db, visible_campaigns(select(Campaign).where(Campaign.id == campaign_id), actor))


def get_merge_or_404(db: Session, actor: User, merge_id: int):
    """A merge is in reach when its surviving client is (deleted or not)."""
    from fieldcrm.audit.models import AuditEvent

    event = db.get(AuditEvent, merge_id)
    if event is None or event.action != "merge" or event.subject_id is None:
        abort(404)
    get_client_or_404(db, actor, event.subject_id, include_deleted=True)
    return event


# --- Tours (issue 5): a tour is visible to its rep, their manager (same team) and admins. ---------

def scope_tours(stmt: Select, actor: User) -> Select:
    """Narrow a select over Tour to the tours `actor` may see."""
    from fieldcrm.tours.models import Tour

    return scope_owned(stmt, Tour.owner_id, actor)


def get_tour_or_404(db: Session, actor: User, tour_id: int):
    from fieldcrm.tours.models import Tour

    return _first_or_404(db, scope_tours(select(Tour).where(Tour.id == tour_id), actor))


def get_tour_stop_or_404(db: Session, actor: User, tour, stop_id: int):
    from fieldcrm.tours.models import TourStop

    stop = db.get(TourStop, stop_id)
    if stop is None or stop.tour_id != tour.id:
        abort(404)
    return stop


def can_edit_tour(actor: User, tour) -> bool:
    """Only the rep drives and edits their tour; their manager and admins look."""
    return actor.id == tour.owner_id
