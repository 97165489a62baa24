"""Per-endpoint request pacing and back-off, shared by every chain in the process.

Public services set rules (Nominatim: at most 1 request per second; BAN: 50 per second per IP).
A ``Throttle`` spaces the calls made through it by a minimum interval, from any number of threads,
and remembers when the service asked us to back off (HTTP 429) or stopped answering.

Inside an app, the pace is also kept in the database (table ``provider_pace``): every gunicorn
worker, every job-queue thread and every host of the deployment takes its turn from the same row, so
several processes together still send Nominatim at most one request per second, and a 429 seen by one
pauses them all. Outside an app (or if that table cannot be reached) the pacing is per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from fieldcrm.db import dialect_insert
from fieldcrm.geo.models import ProviderPace

logger = logging.getLogger(__name__)

# After this many failures in a row (timeouts, connection refused, 5xx) the endpoint is skipped…
FAILURES_BEFORE_PAUSE = 3
# …for this long, so a dead service does not cost a full timeout on every address of a batch.
PAUSE_AFTER_FAILURES_SECONDS = 30.0
DEFAULT_RATE_LIMITED_PAUSE_SECONDS = 60.0


class Throttle:
    """Thread-safe minimum interval between calls, plus a "come back later" deadline."""

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = max(0.0, min_interval)
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._failures = 0

    def wait(self) -> None:
        """Block until this caller's turn; each caller reserves the next free slot."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.min_interval
        if slot > now:
            self._sleep(slot - now)

    def paused_for(self) -> float:
        """Seconds left before the endpoint may be called again (0 if it may)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Do not call the endpoint for ``seconds`` (e.g. a 429's Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0

    def record_failure(self) -> None:
        """Count a failure; pause the endpoint after a few in a row."""
        with self._lock:
            self._failures += 1
            if self._failures >= FAILURES_BEFORE_PAUSE:
                self._failures = 0
                self._paused_until = max(self._paused_until, self._clock() + PAUSE_AFTER_FAILURES_SECONDS)


# --- one pace for the whole deployment -------------------------------------------------------------

def _table():
    return ProviderPace.__table__


def _greatest(conn: Connection, *values):
    # PostgreSQL's GREATEST; SQLite's scalar max() with several arguments does the same.
    return (func.greatest if conn.dialect.name == "postgresql" else func.max)(*values)


def _ensure_row(conn: Connection, key: str) -> None:
    conn.execute(dialect_insert(conn, _table()).values(key=key, next_slot_at=0.0, paused_until=0.0).on_conflict_do_nothing())


def reserve_slot(engine: Engine, key: str, min_interval: float, now: float) -> float:
    """Take the next free turn for ``key`` and return when it starts (a Unix time, ``now`` or later).

    One atomic UPDATE … RETURNING moves the row's next slot on by the interval, so two processes
    asking at the same moment get turns ``min_interval`` apart, on SQLite and on PostgreSQL alike."""
    table = _table()
    with engine.begin() as conn:
        for _attempt in range(2):
            taken = conn.execute(
                update(table).where(table.c.key == key)
                .values(next_slot_at=_greatest(conn, table.c.next_slot_at, now) + min_interval)
                .returning(table.c.next_slot_at)
            ).scalar()
            if taken is not None:
                return float(taken) - min_interval
            _ensure_row(conn, key)
    raise RuntimeError(f"no pace row for {key}")  # pragma: no cover - the insert above makes it


def shared_paused_until(engine: Engine, key: str) -> float:
    table = _table()
    with engine.connect() as conn:
        return float(conn.execute(select(table.c.paused_until).where(table.c.key == key)).scalar() or 0.0)


def shared_pause(engine: Engine, key: str, until: float) -> None:
    table = _table()
    with engine.begin() as conn:
        _ensure_row(conn, key)
        conn.execute(update(table).where(table.c.key == key)
                     .values(paused_until=_greatest(conn, table.c.paused_until, until)))


def _app_engine() -> Engine | None:
    return current_app.extensions.get("fieldcrm.engine") if has_app_context() else None


class SharedThrottle(Throttle):
    """A ``Throttle`` whose turns and pauses are taken from the database when an app is running.

    Failures in a row are still counted per process (a dead service is noticed by each one)."""

    def __init__(self, key: str, min_interval: float, *, engine: Callable[[], Engine | None] = _app_engine,
                 wall_clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(min_interval, **kwargs)
        self.key, self._engine, self._wall_clock = key, engine, wall_clock
        self._warned = False

    def _shared(self, action: Callable[[Engine], float | None]):
        engine = self._engine()
        if engine is None:
            return None
        try:
            return action(engine)
        except SQLAlchemyError:
            if not self._warned:
                self._warned = True
                logger.warning("Geocoder pacing for %s falls back to this process only (database unavailable)",
                               self.key, exc_info=True)
            return None

    def wait(self) -> None:
        now = self._wall_clock()
        slot = self._shared(lambda engine: reserve_slot(engine, self.key, self.min_interval, now))
        if slot is None:
            super().wait()
            return
        delay = slot - self._wall_clock()  # measured after the reservation, which took its own time
        if delay > 0:
            self._sleep(delay)

    def paused_for(self) -> float:
        local = super().paused_for()
        until = self._shared(lambda engine: shared_paused_until(engine, self.key))
        return max(local, (until or 0.0) - self._wall_clock())

    def pause(self, seconds: float) -> None:
        super().pause(seconds)
        until = self._wall_clock() + max(0.0, seconds)
        self._shared(lambda engine: shared_pause(engine, self.key, until))

    def record_failure(self) -> None:
        before = super().paused_for()
        super().record_failure()
        paused = super().paused_for()
        if paused > before:  # this process just gave up on the endpoint: so do the others
            until = self._wall_clock() + paused
            self._shared(lambda engine: shared_pause(engine, self.key, until))


_throttles: dict[str, Throttle] = {}
_throttles_lock = threading.Lock()


def shared_throttle(key: str, min_interval: float) -> Throttle:
    """The throttle for an endpoint (e.g. ``"nominatim https://…"``), one per process, paced through
    the database inside an app (see the module's docstring).

    Chains built from the same settings share it, so building a chain per request is safe.
    """
    with _throttles_lock:
        throttle = _throttles.get(key)
        if throttle is None:
            throttle = _throttles[key] = SharedThrottle(key, min_interval)
        else:
            throttle.min_interval = max(0.0, min_interval)
        return throttle


def reset_throttles() -> None:
    """Forget every shared throttle (tests)."""
    with _throttles_lock:
        _throttles.clear()
