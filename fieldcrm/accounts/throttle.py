"""Failed logins per login name, counted in one atomic statement so that parallel guesses (several
workers, several servers) cannot slip past the limit.

A guess is counted *before* its password is checked; a right password then clears the count. Once
the limit is reached the login is locked: a guess at a locked login is not counted and no password
is checked until the lock ends. Each lock after the first lasts twice as long (at most an hour)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, literal, not_
from sqlmodel import Session, select

from fieldcrm.accounts.models import LoginThrottle
from fieldcrm.db import dialect_insert

LONGEST_LOCK_SECONDS = 3600


@dataclass(frozen=True)
class Guess:
    """A counted guess: the failures so far (this one included) and the lock it set, if any."""

    failures: int
    locked_until: datetime | None


def lock_ends(now: datetime, lock_seconds: int) -> list[datetime]:
    """When the 1st, 2nd, … lock would end if set `now`: doubling, the last one capped at an hour."""
    ends, seconds = [], max(1, lock_seconds)
    while seconds < LONGEST_LOCK_SECONDS:
        ends.append(now + timedelta(seconds=seconds))
        seconds *= 2
    ends.append(now + timedelta(seconds=LONGEST_LOCK_SECONDS))
    return ends


def count_guess(db: Session, login: str, now: datetime, *, limit: int, lock_seconds: int) -> Guess | None:
    """Count one guess at `login` and commit; None (nothing counted) when the login is locked."""
    table = LoginThrottle.__table__
    failures = table.c.failures + 1
    ends = [literal(end, table.c.locked_until.type) for end in lock_ends(now, lock_seconds)]
    # The lock is set by the guess that reaches the limit, in the same statement that counts it,
    # so the guesses running alongside already find the login locked.
    new_lock = case(
        *((failures == limit + k, end) for k, end in enumerate(ends[:-1])),
        (failures >= limit + len(ends) - 1, ends[-1]),
        else_=table.c.locked_until,
    )
    locked_now = and_(table.c.locked_until.is_not(None), table.c.locked_until > now)
    statement = (
        dialect_insert(db, table)
        .values(login=login, failures=1, last_failure_at=now,
                locked_until=lock_ends(now, lock_seconds)[0] if limit <= 1 else None)
        .on_conflict_do_update(
            index_elements=[table.c.login],
            set_={"failures": failures, "last_failure_at": now, "locked_until": new_lock},
            where=not_(locked_now),  # a locked login: no row updated, none returned
        )
        .returning(table.c.failures, table.c.locked_until)
    )
    row = db.execute(statement).first()
    db.commit()  # counted for every other worker before the (slow) password check starts
    return Guess(row.failures, row.locked_until) if row else None


def locked_until(db: Session, login: str) -> datetime | None:
    return db.exec(select(LoginThrottle.locked_until).where(LoginThrottle.login == login)).first()


def forget(db: Session, login: str) -> None:
    """A right password clears the count (committed by the caller)."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.login == login))
