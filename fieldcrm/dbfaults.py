"""Database faults that pass: the database out of reach, or too busy to take a write right now.

Only these deserve "try again in a moment" (503 with Retry-After) and a brief retry of the unit of
work; any other database error is a bug and stays a 500.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)

UNREACHABLE = "unreachable"
BUSY = "busy"

RETRY_BUDGET_SECONDS = 2.0
FIRST_PAUSE_SECONDS = 0.05

# PostgreSQL: lost a race and nothing was done (serialization failure, deadlock, lock timeout).
_PG_BUSY = {"40001", "40P01", "55P03"}
# PostgreSQL: connection exceptions (08…) and the server shutting down or starting up (57P0…).
_PG_UNREACHABLE_CLASSES = ("08", "57P")
_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")
_SQLITE_UNREACHABLE = ("SQLITE_CANTOPEN", "SQLITE_IOERR")

T = TypeVar("T")


def classify(error: BaseException) -> str | None:
    """UNREACHABLE, BUSY, or None when `error` is not a passing database fault."""
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return UNREACHABLE
    orig = error.orig
    sqlite_name = getattr(orig, "sqlite_errorname", None)
    if sqlite_name:
        if sqlite_name.startswith(_SQLITE_BUSY):
            return BUSY
        return UNREACHABLE if sqlite_name.startswith(_SQLITE_UNREACHABLE) else None
    if not type(orig).__module__.startswith("psycopg"):
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_BUSY:
        return BUSY
    if sqlstate is not None:
        return UNREACHABLE if sqlstate.startswith(_PG_UNREACHABLE_CLASSES) else None
    # No SQLSTATE: the server never answered (refused, reset, closed mid-query), unless it is a
    # mistake psycopg caught itself (a placeholder missing), which is not an operational error.
    return UNREACHABLE if isinstance(error, OperationalError | InterfaceError) else None


def retry_transient(*, idempotent: bool = False, budget: float = RETRY_BUDGET_SECONDS):
    """Run a use case `fn(db, …)` again, briefly, when the database was busy: its transaction was
    rolled back, so running it again is safe. With `idempotent=True` a lost connection is retried
    too: the commit may or may not have happened, which only a use case that finds its own earlier
    work (a client-generated uid) can tell. Pauses double from 50 ms (with jitter) until `budget`
    seconds are spent; then the error goes up and the request is answered 503."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @wraps(fn)
        def wrapper(db, *args, **kwargs) -> T:
            started, pause = time.monotonic(), FIRST_PAUSE_SECONDS
            while True:
                try:
                    return fn(db, *args, **kwargs)
                except DBAPIError as error:
                    kind = classify(error)
                    db.rollback()
                    again = kind == BUSY or (kind == UNREACHABLE and idempotent)
                    if not again or time.monotonic() - started + pause > budget:
                        raise
                    log.warning("%s: database %s, trying again in %.2f s", fn.__qualname__, kind, pause)
                    time.sleep(pause * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto
                    pause *= 2

        return wrapper

    return decorate
