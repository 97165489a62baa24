"""Read-only selects over users: who an actor may see, give a record to, or follow."""

from __future__ import annotations

from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User


def get_user_or_404(db: Session, actor: User, user_id: int) -> User:
    """A user `actor` may see (access.can_see_user), else NotVisible."""
    user = db.get(User, user_id)
    if user is None or not access.can_see_user(actor, user):
        raise access.NotVisible()
    return user


def assignable_owners(db: Session, actor: User) -> list[User]:
    """The users a client may be given to by `actor` (the actor alone for a rep)."""
    stmt = select(User).where(User.active).order_by(User.name)
    owners = access.visible_owner_ids(actor)
    if owners is not None:
        stmt = stmt.where(User.id.in_(owners))
    return list(db.exec(stmt).all())


def followed_people(db: Session, actor: User) -> list[User]:
    """Whose open follow-ups `actor` may follow on the follow-up list besides their own: a manager
    their team, an admin everyone (deactivated people included: their follow-ups still need someone).
    Empty for a rep (and for a manager without a team)."""
    if actor.role == "rep":
        return []
    stmt = select(User).where(User.id != actor.id).order_by(User.active.desc(), User.name, User.id)
    owners = access.visible_owner_ids(actor)
    if owners is not None:
        stmt = stmt.where(User.id.in_(owners))
    return list(db.exec(stmt).all())


def get_followed_person_or_404(db: Session, actor: User, user_id: int) -> User:
    """One person whose follow-ups `actor` may follow (themselves, or one of followed_people)."""
    user = db.get(User, user_id)
    if user is None or not (user.id == actor.id or (actor.role != "rep" and access.can_see_user(actor, user))):
        raise access.NotVisible()
    return user
