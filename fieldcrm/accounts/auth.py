"""Server-side sessions: the cookie carries a random token whose row can be revoked."""

from __future__ import annotations

import hashlib
import secrets

from flask import flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam
from sqlmodel import select

from fieldcrm.accounts.models import User, UserSession
from fieldcrm.db import get_session
from fieldcrm.extensions import login_manager
from fieldcrm.timeutil import utcnow
from fieldcrm.web.htmx import is_htmx, redirect_for_htmx

SESSION_KEY = "sid"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db, user: User) -> str:
    """Create a fresh server-side session for `user` and return its token (not stored in clear)."""
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            token_hash=_hash(token),
            user_id=user.id,
            user_agent=(request.user_agent.string or "")[:255] if request else None,
        )
    )
    return token


def revoke_token(db, token: str | None) -> None:
    if not token:
        return
    row = db.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.add(row)


def revoke_all(db, user_id: int) -> None:
    """End every session of a user (deactivation, password reset)."""
    rows = db.exec(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for row in rows:
        row.revoked_at = now
        db.add(row)


# One query per request: the live session and its user together. Built once: the request fills in the
# token's hash (building the select anew took as long as running it).
_LIVE_SESSION_USER = (select(User).join(UserSession, UserSession.user_id == User.id)
                      .where(UserSession.token_hash == bindparam("token_hash"), UserSession.revoked_at.is_(None)))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    user = get_session().exec(_LIVE_SESSION_USER, params={"token_hash": _hash(token)}).first()
    if user is None or user.id != int(user_id) or not user.active:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("accounts.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_htmx():
        return redirect_for_htmx(target)
    flash(_l("Please log in to continue."), "info")
    return redirect(target)


def init_app(app) -> None:
    login_manager.session_protection = None  # our own revocable tokens do the job
    login_manager.login_view = "accounts.login"
