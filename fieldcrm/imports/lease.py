"""Who runs an import right now: a lease the running worker renews, so a dead worker is noticed.

A worker takes a queued import with one conditional UPDATE (`claim`): of two consumers handed the same
job, one gets it and the other does nothing. While it runs it renews the lease every third of
JOB_LEASE_SECONDS (`Lease.beat`); every status it writes is guarded by its token, so a worker taken for
dead that wakes up finds it has lost the job (LeaseLost) and leaves it alone.

On SQLite the save holds the database's write lock until its commit, so no renewal can be written then:
the worker touches a sign file next to the upload instead (the import folder is shared by every process
already: the worker reads the upload there), and a lease counts as expired only if that file is stale too.

A lease not renewed in time means the worker died (killed, out of memory, machine gone). The page then
shows what will happen (`fate`) without writing; `sweep` (a periodic task, every consumer's start, and a
cancel) writes it: a check of the rows simply starts again, a save (or a job that already died too
often) is marked failed and its files deleted.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from fieldcrm.imports.models import ImportJob
from fieldcrm.timeutil import utcnow

MAX_ATTEMPTS = 3  # a check of the rows that killed its worker this often is not tried again
RESUMABLE = ("validating",)  # the save is not resumed: it may have written part of the rows


class LeaseLost(Exception):
    """Another worker (or the sweep) took the import over: this worker must stop touching it."""


def lease_seconds() -> float:
    return float(current_app.config.get("JOB_LEASE_SECONDS") or 20)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@dataclass
class Lease:
    engine: Engine
    job_id: int
    token: str
    seconds: float
    _last_beat: float = field(default_factory=time.monotonic)
    sign_file: Path | None = None  # set while the database cannot be written (SQLite save)

    def _guarded(self):
        return update(ImportJob).where(ImportJob.id == self.job_id, ImportJob.lease_owner == self.token)

    def renew(self, **values) -> None:
        """Extend the lease, writing `values` (progress, next status) with it; LeaseLost if taken over."""
        now = utcnow()
        with Session(self.engine) as db:
            written = db.execute(self._guarded().values(
                lease_until=now + timedelta(seconds=self.seconds), heartbeat_at=now, **values))
            db.commit()
        self._last_beat = time.monotonic()
        if written.rowcount != 1:
            raise LeaseLost(self.job_id)

    def beat(self, **values) -> None:
        """Renew the lease when a third of it has gone by (cheap to call for every row)."""
        if time.monotonic() - self._last_beat < self.seconds / 3:
            return
        if self.sign_file is None:
            self.renew(**values)
        else:
            self.sign_file.touch()
            self._last_beat = time.monotonic()

    def renew_in(self, db: Session, **values) -> None:
        """Extend the lease inside the caller's transaction (a batch commits with it, or not at all)."""
        now = utcnow()
        written = db.execute(self._guarded().values(
            lease_until=now + timedelta(seconds=self.seconds), heartbeat_at=now, **values))
        if written.rowcount != 1:
            raise LeaseLost(self.job_id)
        self._last_beat = time.monotonic()

    def end_in(self, db: Session, **values) -> None:
        """Write the job's final state inside the caller's transaction (the save commits both at once)."""
        written = db.execute(self._guarded().values(lease_owner=None, lease_until=None, **values))
        if written.rowcount != 1:
            raise LeaseLost(self.job_id)

    def end(self, **values) -> None:
        """Write the job's final state and let the lease go."""
        with Session(self.engine) as db:
            self.end_in(db, **values)
            db.commit()


def claim(engine: Engine, job_id: int, seconds: float) -> Lease | None:
    """Take a queued import (one atomic UPDATE); None when it is not queued or someone else took it."""
    token, now = uuid.uuid4().hex, utcnow()
    with Session(engine) as db:
        written = db.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "queued").values(
            status="validating", lease_owner=token, lease_until=now + timedelta(seconds=seconds),
            heartbeat_at=now, attempts=ImportJob.attempts + 1, processed_rows=0, started_at=now))
        db.commit()
    return Lease(engine, job_id, token, seconds) if written.rowcount == 1 else None


def stalled(job: ImportJob, sign_file: Path | None = None, now: datetime | None = None) -> bool:
    """The import says it runs but its worker stopped renewing the lease (nor touched its sign file)."""
    now = now or utcnow()
    until = _aware(job.lease_until)
    if job.status not in ("validating", "saving") or until is None or until >= now:
        return False
    try:
        signed = datetime.fromtimestamp(sign_file.stat().st_mtime, tz=UTC) if sign_file else None
    except FileNotFoundError:
        signed = None
    granted = until - (_aware(job.heartbeat_at) or until)  # the lease length its worker runs with
    return signed is None or signed + granted < now


def waiting_long(job: ImportJob, now: datetime | None = None) -> bool:
    """Queued for more than two minutes: no worker took it (or a long import goes first)."""
    queued_at = _aware(job.heartbeat_at)
    return job.status == "queued" and queued_at is not None and queued_at + timedelta(minutes=2) < (now or utcnow())


def fate(job: ImportJob) -> str:
    """What the sweep does with a stalled import: "resume" (check the rows again) or "fail"."""
    return "resume" if job.status in RESUMABLE and job.attempts < MAX_ATTEMPTS else "fail"


@dataclass
class SweepResult:
    resumed: list[int] = field(default_factory=list)
    failed: list[ImportJob] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)


def _settle(db: Session, job: ImportJob, now: datetime, status: str, **values) -> bool:
    """Move a stalled job on, unless its worker renewed the lease (or another sweep acted) meanwhile."""
    written = db.execute(update(ImportJob).where(
        ImportJob.id == job.id, ImportJob.status == job.status, ImportJob.lease_owner == job.lease_owner,
        ImportJob.lease_until < now).values(status=status, lease_owner=None, lease_until=None, **values))
    db.commit()
    return written.rowcount == 1


def settle_stalled(db: Session, job: ImportJob, sign_file: Path | None = None, now: datetime | None = None,
                   status_if_failed: str = "failed") -> str | None:
    """Write what `fate` says for one stalled job; returns "resume", "fail" or None (it was alive)."""
    now = now or utcnow()
    if not stalled(job, sign_file, now):
        return None
    outcome = "fail" if status_if_failed != "failed" else fate(job)
    if outcome == "resume":
        done = _settle(db, job, now, "queued", heartbeat_at=now, processed_rows=0)
    else:
        done = _settle(db, job, now, status_if_failed, finished_at=now,
                       error_code=None if status_if_failed == "cancelled" else "worker_died")
    return outcome if done else None


def sweep(db: Session, enqueue: Callable[[int], None], sign_of: Callable[[ImportJob], Path],
          now: datetime | None = None) -> SweepResult:
    """Resume or fail every stalled import; hand again to the queue the imports queued long ago
    (a worker killed between taking the message and claiming the job loses the message; a second
    message for a job someone runs is harmless: its claim fails)."""
    now = now or utcnow()
    result = SweepResult()
    running = db.exec(select(ImportJob).where(ImportJob.status.in_(("validating", "saving")),
                                              ImportJob.lease_until < now)
                      .execution_options(populate_existing=True)).all()  # the lease as it is now
    for job in running:
        try:
            outcome = settle_stalled(db, job, sign_of(job), now)
        except OperationalError:  # SQLite: a writer kept the lock past the busy timeout; next sweep
            db.rollback()
            continue
        if outcome == "resume":
            result.resumed.append(job.id)
            enqueue(job.id)
        elif outcome == "fail":
            result.failed.append(job)
    forgotten = now - timedelta(seconds=2 * lease_seconds())
    for job in db.exec(select(ImportJob).where(ImportJob.status == "queued",
                                               ImportJob.heartbeat_at < forgotten)).all():
        written = db.execute(update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "queued",
                                                     ImportJob.heartbeat_at < forgotten).values(heartbeat_at=now))
        db.commit()
        if written.rowcount == 1:
            result.requeued.append(job.id)
            enqueue(job.id)
    return result
