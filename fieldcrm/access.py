"""WHO SEES WHAT. The only module that knows rep / manager / admin scoping.

A rep sees their own portfolio, a manager their team's, an admin everything. Anything outside the
actor's scope answers 404 (never 403: a 403 would tell a stranger the record exists)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import false
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
    if owners is None:
        return stmt
    if actor.role != "manager" or actor.team_id is None:
        # Their own records only: a plain equality lets the database use (owner_id, …) indexes
        # directly, and the statement is cheaper to build than the equivalent sub-select.
        return stmt.where(owner_column == actor.id)
    return stmt.where(owner_column.in_(owners))


class BoundActor:
    """An actor for selects built once and run for anyone of the same shape (role, with a team or
    not): the scope functions below see its role as usual, and its ids as bound parameters that
    bound_actor_params(actor) fills at execution. Lets a hot page (Today) skip rebuilding its
    selects on every request without any scoping rule living outside this module."""

    def __init__(self, actor: User):
        from sqlalchemy import bindparam

        self.role = actor.role
        self.id = bindparam("actor_id")
        self.team_id = bindparam("actor_team_id") if actor.team_id is not None else None

    @staticmethod
    def shape(actor: User) -> tuple:
        return actor.role, actor.team_id is not None


def bound_actor_params(actor: User) -> dict:
    """The execution parameters of a select built for BoundActor(actor)."""
    params = {"actor_id": actor.id}
    if actor.team_id is not None:
        params["actor_team_id"] = actor.team_id
    return params


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


def can_erase_client(actor: User) -> bool:
    """An erasure request (for good, no undo) is carried out by an admin only."""
    return actor.role == "admin"


def get_user_or_404(db: Session, actor: User, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None or not can_see_user(actor, user):
        abort(404)
    return user


def require_admin(actor: User) -> None:
    if actor.role != "admin":
        abort(404)


# --- Interactions, follow-ups, appointments: the rep's own day ----------------------------------------
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


def followed_people(db: Session, actor: User) -> list[User]:
    """Whose open follow-ups `actor` may follow on the follow-up list besides their own: a manager
    their team, an admin everyone (deactivated people included: their follow-ups still need someone).
    Empty for a rep (and for a manager without a team)."""
    if actor.role == "rep":
        return []
    stmt = select(User).where(User.id != actor.id).order_by(User.active.desc(), User.name, User.id)
    owners = visible_owner_ids(actor)
    if owners is not None:
        stmt = stmt.where(User.id.in_(owners))
    return list(db.exec(stmt).all())


def get_followed_person_or_404(db: Session, actor: User, user_id: int) -> User:
    """One person whose follow-ups `actor` may follow (themselves, or one of followed_people)."""
    user = db.get(User, user_id)
    if user is None or not (user.id == actor.id or (actor.role != "rep" and can_see_user(actor, user))):
        abort(404)
    return user


def scope_followups(stmt: Select, actor: User, whose: str | User = "me") -> Select:
    """Narrow a select over FollowUp joined to Client to follow-ups on clients `actor` can see and
    assigned to: the actor ("me"), the people they follow and themselves ("team": a manager's team,
    everyone for an admin, the actor alone for a rep), or one person loaded by
    get_followed_person_or_404."""
    from fieldcrm.followups.models import FollowUp

    stmt = scope(stmt, actor)
    if isinstance(whose, User):
        return stmt.where(FollowUp.assignee_id == whose.id)
    if whose == "team" and actor.role != "rep":
        owners = visible_owner_ids(actor)
        return stmt if owners is None else stmt.where(FollowUp.assignee_id.in_(owners))
    return stmt.where(FollowUp.assignee_id == actor.id)


def _through_client(db: Session, actor: User, record):
    if record is None or get_client_or_404(db, actor, record.client_id) is None:
        abort(404)
    return record


def get_interaction_or_404(db: Session, actor: User, interaction_id: int, *, for_correction: bool = False):
    """An interaction whose client is in reach; with `for_correction`, also one `actor` may correct
    or delete (see can_correct_interaction), else 404."""
    from fieldcrm.visits.models import Interaction

    interaction = _through_client(db, actor, db.get(Interaction, interaction_id))
    if for_correction and not can_correct_interaction(actor, interaction.author_id):
        abort(404)
    return interaction


def can_correct_interaction(actor: User, author_id: int | None) -> bool:
    """Who may correct or delete a log on a client they can see: its author, or a manager or admin.
    A rep never rewrites a colleague's log, even on a client they now own (a card handed over keeps
    its history as written; the colleague or the manager corrects it). Reps only see their own
    portfolio, so this mostly concerns logs written by a manager or by the card's previous owner."""
    return actor.role in ("manager", "admin") or author_id == actor.id


def get_deleted_interaction_or_404(db: Session, actor: User, deletion_id: int):
    """The audit event of a deleted log, for its undo: in reach when its client is (not deleted) and
    `actor` could have corrected the log."""
    import json

    from fieldcrm.audit.models import AuditEvent
    from fieldcrm.visits.services import DELETED_LOG

    event = db.get(AuditEvent, deletion_id)
    if event is None or event.action != DELETED_LOG or event.subject_id is None:
        abort(404)
    get_client_or_404(db, actor, event.subject_id)
    author_id = (json.loads(event.payload or "{}").get("interaction") or {}).get("author_id")
    if not can_correct_interaction(actor, author_id) and event.actor_id != actor.id:
        abort(404)
    return event


def get_followup_or_404(db: Session, actor: User, followup_id: int):
    from fieldcrm.followups.models import FollowUp

    return _through_client(db, actor, db.get(FollowUp, followup_id))


def get_appointment_or_404(db: Session, actor: User, appointment_id: int):
    from fieldcrm.followups.models import Appointment

    return _through_client(db, actor, db.get(Appointment, appointment_id))


# ---- Data quality: imports, segments, campaigns, merges

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


def get_clients_or_404(db: Session, actor: User, client_ids) -> list[Client]:
    """Several clients at once (a bulk action): all in reach, or 404 — one forged id spoils the lot."""
    wanted = set(client_ids)
    clients = list(db.exec(scope(select(Client).where(Client.id.in_(wanted)), actor).order_by(Client.id)).all()) \
        if wanted else []
    if len(clients) != len(wanted):
        abort(404)
    return clients


def get_merge_or_404(db: Session, actor: User, merge_id: int):
    """A merge is in reach when its surviving client is (deleted or not)."""
    from fieldcrm.audit.models import AuditEvent

    event = db.get(AuditEvent, merge_id)
    if event is None or event.action != "merge" or event.subject_id is None:
        abort(404)
    get_client_or_404(db, actor, event.subject_id, include_deleted=True)
    return event


# --- Tours: a tour is visible to its rep, their manager (same team) and admins. ------------------

def scope_tours(stmt: Select, actor: User) -> Select:
    """Narrow a select over Tour to the tours `actor` may see."""
    from fieldcrm.tours.models import Tour

    return scope_owned(stmt, Tour.owner_id, actor)


def get_tour_or_404(db: Session, actor: User, tour_id: int):
    from fieldcrm.tours.models import Tour

    return _first_or_404(db, scope_tours(select(Tour).where(Tour.id == tour_id), actor))


def scope_tour_stops(stmt: Select, db: Session, tour, viewer: User | None = None) -> Select:
    """Narrow a select over TourStop joined to Client to the stops whose client is still in the tour
    owner's portfolio (and, given a viewer, in the viewer's too). A client given to another rep or
    deleted leaves the tour: its stop stays, shown as "client transferred or deleted" without anything
    of the client, and is left out of the route."""
    owner = db.get(User, tour.owner_id)
    if owner is None:
        return stmt.where(false())
    stmt = scope(stmt, owner)
    return stmt if viewer is None or viewer.id == owner.id else scope(stmt, viewer)


def tour_stop_client_in_scope(db: Session, tour, stop, viewer: User | None = None) -> bool:
    """Whether the stop's client is still in the tour's scope (see scope_tour_stops)."""
    return db.exec(scope_tour_stops(select(Client.id).where(Client.id == stop.client_id), db, tour,
                                    viewer)).first() is not None


def get_tour_stop_or_404(db: Session, actor: User, tour, stop_id: int, *, allow_gone: bool = False):
    """A stop of `tour` (already scope-checked); 404 when its client left the tour's scope, unless
    `allow_gone` (removing such a stop is all that can be done with it)."""
    from fieldcrm.tours.models import TourStop

    stop = db.get(TourStop, stop_id)
    if stop is None or stop.tour_id != tour.id:
        abort(404)
    if not allow_gone and not tour_stop_client_in_scope(db, tour, stop, actor):
        abort(404)
    return stop


def can_edit_tour(actor: User, tour) -> bool:
    """Only the rep drives and edits their tour; their manager and admins look."""
    return actor.id == tour.owner_id
