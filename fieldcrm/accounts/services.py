"""Account use cases: log in with throttling, user administration (portfolios move by hand-over)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session, func, select

from fieldcrm import workdays
from fieldcrm.accounts import auth, throttle
from fieldcrm.accounts.models import ROLES, AuthEvent, Team, User
from fieldcrm.accounts.passwords import (
    DEFAULT_METHOD,
    dummy_hash,
    hash_password,
    password_problems,
    verify_password,
)
from fieldcrm.db import exclusive
from fieldcrm.timeutil import utcnow


class AccountError(ValueError):
    """A refused account operation, with a message for the user."""


@dataclass
class LoginResult:
    user: User | None
    token: str | None = None
    error: str | None = None


def log_event(db: Session, event: str, *, login=None, user_id=None, actor_id=None, detail=None) -> None:
    ip = request.remote_addr if request else None
    db.add(AuthEvent(event=event, login=login, user_id=user_id, actor_id=actor_id, ip=ip, detail=detail))
    current_app.logger.info("auth %s login=%s user=%s ip=%s", event, login, user_id, ip)


def _locked_message(until) -> str:
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return ngettext("Too many failed attempts. Try again in %(num)d minute.",
                    "Too many failed attempts. Try again in %(num)d minutes.", minutes)


def authenticate(db: Session, login: str, password: str) -> LoginResult:
    """Check a login; the same answer for an unknown login and a wrong password.

    Each guess is counted before its password is checked (see `throttle`); after LOGIN_MAX_ATTEMPTS
    failures the login is locked, twice as long at each further failure, and no password is checked
    while it is locked."""
    login = (login or "").strip().lower()
    limit = current_app.config["LOGIN_MAX_ATTEMPTS"]
    now = utcnow()
    guess = throttle.count_guess(db, login, now, limit=limit,
                                 lock_seconds=current_app.config["LOGIN_LOCK_SECONDS"])
    if guess is None:
        log_event(db, "login_locked", login=login)
        db.commit()
        return LoginResult(None, error=_locked_message(throttle.locked_until(db, login) or now))

    user = db.exec(select(User).where(User.email == login)).first()
    method = current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD)
    ok = verify_password(user.password_hash if user else dummy_hash(method), password or "")
    if user and ok and user.active:
        throttle.forget(db, login)
        token = auth.start_session(db, user)
        log_event(db, "login", login=login, user_id=user.id)
        db.commit()
        return LoginResult(user, token=token)

    log_event(db, "login_failed", login=login, user_id=user.id if user else None)
    db.commit()
    if guess.failures >= limit and guess.locked_until:
        return LoginResult(None, error=_locked_message(guess.locked_until))
    return LoginResult(None, error=_("Wrong email or password."))


def logout(db: Session, user: User, token: str | None) -> None:
    auth.revoke_token(db, token)
    log_event(db, "logout", login=user.email, user_id=user.id)
    db.commit()


# Creations and reactivations take this lock before counting, so two admins cannot both take the
# last seat.
ACTIVE_USERS_LOCK = "fieldcrm.active-users"


def active_user_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(User).where(User.active)).one()


def _check_capacity(db: Session) -> None:
    """Refuse when no seat is left; call it under `exclusive(db, ACTIVE_USERS_LOCK)`."""
    limit = current_app.config["MAX_ACTIVE_USERS"]
    if active_user_count(db) >= limit:
        raise AccountError(_("The maximum of %(n)d active users is reached.", n=limit))


def _check_password(password: str, email: str, name: str) -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise AccountError(" ".join(problems))


def create_user(
    db: Session, *, email: str, name: str, password: str, role: str = "rep",
    team_id: int | None = None, locale: str | None = None, actor: User | None = None,
) -> User:
    """Create an active user; refuses a taken email, a weak password or a full licence."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    _check_password(password, email, name)
    password_hash = hash_password(password)  # slow on purpose: before taking the lock
    with exclusive(db, ACTIVE_USERS_LOCK):
        if db.exec(select(User).where(User.email == email)).first():
            raise AccountError(_("A user with this email already exists."))
        _check_capacity(db)
        user = User(email=email, name=name.strip(), password_hash=password_hash, role=role,
                    team_id=team_id, locale=locale)
        db.add(user)
        db.flush()
        log_event(db, "user_created", login=email, user_id=user.id, actor_id=actor.id if actor else None)
        db.commit()
    return user


def update_user(db: Session, user: User, *, name: str, role: str, team_id: int | None, actor: User) -> None:
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    if user.id == actor.id and role != "admin":
        raise AccountError(_("You cannot remove your own administrator role."))
    if user.role != role:
        log_event(db, "role_changed", login=user.email, user_id=user.id, actor_id=actor.id,
                  detail=f"{user.role}->{role}")
    user.name, user.role, user.team_id = name.strip(), role, team_id
    db.add(user)
    db.commit()


def set_active(db: Session, user: User, active: bool, actor: User) -> None:
    """Deactivating ends every session of the user at once (checked server-side)."""
    if user.id == actor.id and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    if not active:
        user.active = False
        db.add(user)
        auth.revoke_all(db, user.id)
        log_event(db, "user_deactivated", login=user.email, user_id=user.id, actor_id=actor.id)
        db.commit()
        return
    with exclusive(db, ACTIVE_USERS_LOCK):
        db.refresh(user)  # another admin may have reactivated them while we waited for the lock
        if not user.active:
            _check_capacity(db)
            user.active = True
            db.add(user)
            log_event(db, "user_activated", login=user.email, user_id=user.id, actor_id=actor.id)
        db.commit()


def _set_password(db: Session, user: User, password: str, event: str, actor: User) -> None:
    """A new password ends every session of the user (stolen ones too); the trail says who did it."""
    _check_password(password, user.email, user.name)
    user.password_hash = hash_password(password)
    db.add(user)
    auth.revoke_all(db, user.id)
    log_event(db, event, login=user.email, user_id=user.id, actor_id=actor.id)
    db.commit()


def reset_password(db: Session, user: User, password: str, actor: User) -> None:
    _set_password(db, user, password, "password_reset", actor)


def change_own_password(db: Session, user: User, current: str, new: str) -> None:
    """Change one's password; every session ends (the caller opens a new one)."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is wrong."))
    _set_password(db, user, new, "password_changed", user)


def set_locale(db: Session, user: User, locale: str | None) -> None:
    user.locale = locale if locale in ("fr", "en") else None
    db.add(user)
    db.commit()


def set_preferences(db: Session, user: User, locale: str | None, working_days: set[int]) -> None:
    """The user's language and working days (weekdays, Monday = 0) in one save."""
    user.locale = locale if locale in ("fr", "en") else None
    user.working_days = workdays.format_days(working_days)
    db.add(user)
    db.commit()


def create_team(db: Session, name: str) -> Team:
    name = name.strip()
    if not name:
        raise AccountError(_("Give the team a name."))
    if db.exec(select(Team).where(Team.name == name)).first():
        raise AccountError(_("This team already exists."))
    team = Team(name=name)
    db.add(team)
    db.commit()
    return team
