"""WHO SEES WHAT: the actor's reach, and nothing about any capability's records.

A rep sees their own portfolio, a manager their team's, an admin everything. Each capability scopes its
own records with these primitives in its `queries.py` (`clients.queries.scope`,
`tours.queries.get_tour_or_404`…). Anything outside the actor's reach raises `NotVisible`, which the
web layer answers with a 404 (never 403: a 403 would tell a stranger the record exists).

The actor is any object with `id`, `role` and `team_id` (an accounts User, or a BoundActor): this
module sits below accounts/ and reads the user table through a light table clause of its own."""

from __future__ import annotations

from sqlalchemy import bindparam, column, table
from sqlalchemy.sql import Select
from sqlmodel import Session, select

# The two columns of accounts' user table (app_user) that the reach depends on.
_users = table("app_user", column("id"), column("team_id"))


class NotVisible(Exception):
    """The record does not exist or is outside the actor's reach (answered 404 on every surface)."""


def first_visible(db: Session, stmt: Select, params: dict | None = None):
    """The first row of a scoped select (run with `params`), or NotVisible (not found, or filtered
    out by the scope)."""
    row = db.exec(stmt, params=params or {}).first()
    if row is None:
        raise NotVisible()
    return row


def get_for_admin(db: Session, actor, model, record_id: int):
    """A record only admins reach, by id: anyone else, or no such record, is NotVisible."""
    require_admin(actor)
    record = db.get(model, record_id)
    if record is None:
        raise NotVisible()
    return record


def visible_owner_ids(actor) -> Select | None:
    """A subquery of the owners whose records `actor` may see; None means everyone (admin)."""
    if actor.role == "admin":
        return None
    if actor.role == "manager" and actor.team_id is not None:
        return select(_users.c.id).where(_users.c.team_id == actor.team_id)
    return select(_users.c.id).where(_users.c.id == actor.id)


def team_member_ids(team_id) -> Select:
    """A subquery of the users of a team."""
    return select(_users.c.id).where(_users.c.team_id == team_id)


def scope_owned(stmt: Select, owner_column, actor) -> Select:
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
    not): the scope functions see its role as usual, and its ids as bound parameters that
    bound_actor_params(actor) fills at execution. Lets a hot page (Today) skip rebuilding its
    selects on every request while scoping through the same functions as everywhere else."""

    def __init__(self, actor):
        self.role = actor.role
        self.id = bindparam("actor_id")
        self.team_id = bindparam("actor_team_id") if actor.team_id is not None else None

    @staticmethod
    def shape(actor) -> tuple:
        return actor.role, actor.team_id is not None


def bound_actor_params(actor) -> dict:
    """The execution parameters of a select built for BoundActor(actor)."""
    params = {"actor_id": actor.id}
    if actor.team_id is not None:
        params["actor_team_id"] = actor.team_id
    return params


def can_see_user(actor, other) -> bool:
    """Whether `actor` may see the user `other` (themselves, their team for a manager, all for an admin)."""
    if actor.role == "admin" or actor.id == other.id:
        return True
    return actor.role == "manager" and actor.team_id is not None and actor.team_id == other.team_id


def require_admin(actor) -> None:
    if actor.role != "admin":
        raise NotVisible()
