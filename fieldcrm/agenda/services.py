"""Calendar feed tokens and default visit cadences."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.agenda.models import CADENCE_FIELDS, CadenceRule, CalendarFeed
from fieldcrm.timeutil import utcnow

CADENCE_MAX_DAYS = 730
# "Last read by your calendar" is kept to the hour: calendar apps poll every few minutes, and a
# read should not write a row each time.
FEED_READ_PRECISION = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(db: Session, user: User) -> str:
    """A new private feed address for `user` (any older one stops working). Returns the secret,
    which is shown once and never stored."""
    revoke_feeds(db, user, commit=False)
    token = secrets.token_urlsafe(32)
    db.add(CalendarFeed(user_id=user.id, token_hash=_hash(token)))
    db.commit()
    return token


def revoke_feeds(db: Session, user: User, commit: bool = True) -> None:
    db.execute(update(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
               .values(revoked_at=utcnow()))
    if commit:
        db.commit()


def active_feed(db: Session, user: User) -> CalendarFeed | None:
    return db.exec(select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                              CalendarFeed.revoked_at.is_(None))).first()


def feed_owner(db: Session, token: str) -> User | None:
    """The active user a feed token belongs to, or None (unknown, revoked, or user deactivated)."""
    if not token or len(token) > 100:
        return None
    feed = db.exec(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token),
                                              CalendarFeed.revoked_at.is_(None))).first()
    if feed is None:
        return None
    user = db.get(User, feed.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    db.execute(update(CalendarFeed)
               .where(CalendarFeed.id == feed.id, or_(CalendarFeed.last_fetched_at.is_(None),
                                                      CalendarFeed.last_fetched_at < now - FEED_READ_PRECISION))
               .values(last_fetched_at=now))
    db.commit()
    return user


def set_cadence_rules(db: Session, rules: dict[tuple[str, str], int]) -> None:
    """Replace the default cadences: {(field, value): days}; 0 or missing removes the rule."""
    for old in db.exec(select(CadenceRule)).all():
        db.delete(old)
    db.flush()
    for (field, value), days in rules.items():
        if field in CADENCE_FIELDS and value and 0 < days <= CADENCE_MAX_DAYS:
            db.add(CadenceRule(field=field, value=value[:120], days=days))
    db.commit()
