"""The background body of an import: check every row, then write them in short batches.

An import is one unit. A first pass validates every row (progress committed as it goes, cancellable);
the second pass writes the clients in short transactions of WRITE_BATCH rows, so that other users' writes
wait a few milliseconds at most, never the whole import. It stays all or nothing through its journal
(imports.undo): cancelled or failed, everything it wrote is undone. While it saves, the rows it has
written appear in the lists; the import page shows the progress and a cancel removes them again.
"""

from __future__ import annotations

import json
import logging
import time

from flask import current_app
from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm import jobs
from fieldcrm.accounts.models import User
from fieldcrm.db import session_scope
from fieldcrm.imports import lease, staging
from fieldcrm.imports.checking import checker_for, default_owner_id, mapping_of, options_of
from fieldcrm.imports.files import (
    discard_files,
    errors_path,
    open_job_sheet,
    purge_upload,
    sign_path,
    staged_path,
)
from fieldcrm.imports.models import ImportJob
from fieldcrm.imports.parsing import ImportFileError
from fieldcrm.imports.purchases import PurchaseWriter
from fieldcrm.imports.undo import undo_import
from fieldcrm.imports.writer import ClientWriter
from fieldcrm.timeutil import utcnow

log = logging.getLogger(__name__)

PROGRESS_EVERY = 500
STAGE_CHUNK = 1000
# Rows per write transaction: on SQLite a batch holds the one write lock for a few tens of milliseconds.
WRITE_BATCH = 100
RUN_TASK = "imports.run"  # the background tasks (imports/tasks.py), enqueued by name
GEOCODE_TASK = "imports.geocode_clients"
UNDO_TASK = "imports.undo"
GEOCODE_BATCH = 200
MAX_REPORTED_WARNINGS = 5000  # rows imported with a flag, listed in the report


class ImportCancelled(Exception):
    """The user cancelled the import while it ran."""


def writer_for(db: Session, actor: User, job: ImportJob):
    if job.kind == "purchases":
        return PurchaseWriter(db, actor, import_id=job.id, batch=WRITE_BATCH)
    options = options_of(job)
    return ClientWriter(db, actor, import_id=job.id, batch=WRITE_BATCH, update_mode=options["update_mode"],
                        owner_id=default_owner_id(db, actor, options))


def undo_stopped_import(job_id: int) -> None:
    """The background body of undoing an import: one whose worker died or that was cancelled while nobody
    ran it, or a finished one the user takes back (then cards with history logged since are kept, and
    counted for the import page). The journal says what it wrote; see imports/undo.py."""
    with session_scope() as db:
        job = db.get(ImportJob, job_id)
        if job is not None and job.status in ("failed", "cancelled"):
            undo_import(db, job)
        elif job is not None and job.status == "undoing":
            result = undo_import(db, job, keep_history=True,
                                 pause=float(current_app.config.get("IMPORT_ROW_DELAY") or 0))
            job = db.get(ImportJob, job_id)
            options = json.loads(job.options or "{}")
            options["kept_after_undo"] = len(result.kept_ids)
            db.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "undoing")
                       .values(status="undone", options=json.dumps(options)))
            db.commit()


def _cancelled(engine, job_id: int) -> bool:
    with Session(engine) as s:
        return bool(s.exec(select(ImportJob.cancel_requested).where(ImportJob.id == job_id)).first())


def run_import(job_id: int) -> None:
    """The background body: validate everything, then write everything in short batches (undone if it
    cannot finish). Only the worker holding the job's lease runs it (a second message does nothing)."""
    engine = current_app.extensions["fieldcrm.engine"]
    held = lease.claim(engine, job_id, lease.lease_seconds())
    if held is None:
        return
    with session_scope(engine) as db:
        job = db.get(ImportJob, job_id)
        actor = db.get(User, job.owner_id)
    try:
        result = _run_claimed(engine, job, actor, held)
    except lease.LeaseLost:  # taken for dead and taken over: the files and the state are no longer ours
        log.warning("import %s: lease lost, left to whoever holds it now", job_id)
        return
    if result is not None and result.new_ids and job.kind == "clients":
        for start in range(0, len(result.new_ids), GEOCODE_BATCH):
            jobs.enqueue(GEOCODE_TASK, job_id, result.new_ids[start:start + GEOCODE_BATCH])


def _end_with(held: lease.Lease, job: ImportJob, status: str, **values) -> None:
    """A failed or cancelled import keeps nothing: files deleted, then the state written."""
    discard_files(job)
    held.end(status=status, finished_at=utcnow(), **values)


def _run_claimed(engine, job: ImportJob, actor: User, held: lease.Lease):
    """Both passes under the lease; returns the writer's result when done, None otherwise."""
    try:
        error_rows = _validate(engine, job, actor, held)
        if error_rows and job.error_mode == "refuse":
            purge_upload(job)  # only the error report stays
            held.end(status="refused", error_count=len(error_rows), finished_at=utcnow())
            return None
        held.renew(status="saving", error_count=len(error_rows))
        result = _write(engine, job, actor, {n for n, _ in error_rows}, held)
    except lease.LeaseLost:
        raise
    except ImportCancelled:
        _end_with(held, job, "cancelled")
        return None
    except ImportFileError as exc:
        _end_with(held, job, "failed", error_code=exc.code, error_params=json.dumps(exc.message_params))
        return None
    except Exception:
        log.exception("import %s failed", job.id)
        _end_with(held, job, "failed", error_code="unexpected")
        return None
    purge_upload(job)  # done: only the error report stays
    return result


def _pace() -> None:
    """Test-only slowness (IMPORT_ROW_DELAY seconds a row), so a test can stop a worker mid-import."""
    delay = current_app.config.get("IMPORT_ROW_DELAY")
    if delay:
        time.sleep(float(delay))


def _validate(engine, job: ImportJob, actor: User, held: lease.Lease) -> list[tuple[int, list]]:
    """First pass: every row checked. The rows with errors are saved for the report (their original
    cells and reasons); the clean values of the others are staged as JSON lines next to the upload, so
    the write pass does not normalise everything a second time. Returns the rows with errors."""
    error_rows: list[tuple[int, list]] = []
    report: list[tuple[int, list, list]] = []
    warned: list[tuple[int, list, list]] = []
    with session_scope(engine) as db:
        checker = checker_for(db, actor, job, mapping_of(job))
    count = warnings = 0
    chunk: list[tuple[int, dict]] = []
    staged = staged_path(job)
    staged.unlink(missing_ok=True)
    with open_job_sheet(job) as sheet:
        headers = sheet.headers
        for row in sheet.rows():
            result = checker.check(row.number, row.values, row.extra) if job.kind == "clients" else \
                checker.check(row.number, row.values)
            if result.has_errors:
                reasons = [(e.target, e.message_key) for e in result.errors if e.level == "error"]
                error_rows.append((row.number, reasons))
                report.append((row.number, list(row.values), reasons))
            else:
                if result.errors and len(warned) < MAX_REPORTED_WARNINGS:
                    warned.append((row.number, list(row.values) + list(row.extra),
                                   [(e.target, e.message_key) for e in result.errors]))
                warnings += bool(result.errors)
                chunk.append((row.number, result.clean))
                if len(chunk) == STAGE_CHUNK:
                    staging.write_rows(staged, chunk)
                    chunk = []
            count += 1
            _pace()
            if count % PROGRESS_EVERY == 0:
                if _cancelled(engine, job.id):
                    raise ImportCancelled
                held.renew(processed_rows=count)
            else:
                held.beat(processed_rows=count)
        staging.write_rows(staged, chunk)
        total = count
    staging.write_report(errors_path(job), headers, report, warned)
    if _cancelled(engine, job.id):
        raise ImportCancelled
    held.renew(processed_rows=total, total_rows=total, warning_count=warnings)
    job.total_rows = total
    return error_rows


def _staged_rows(job: ImportJob):
    return staging.read_rows(staged_path(job))


def _write(engine, job: ImportJob, actor: User, skip: set[int], held: lease.Lease):
    """Second pass: create or update every valid row, committing every WRITE_BATCH rows with their
    journal entries and a renewal of the lease (so a worker taken for dead commits nothing more); the last
    batch commits with the job's "done". Cancelled or failed, what was committed is undone before the
    exception goes on; a lost lease leaves that to whoever settled the job."""
    with session_scope(engine) as db:
        writer = writer_for(db, actor, job)
        kind_mapped = "kind" in mapping_of(job).values()
        if engine.dialect.name == "sqlite":  # within a batch the write lock is ours: signs of life go to a file
            held.sign_file = sign_path(job)
        writer.skipped = len(skip)
        try:
            for index, (_number, clean) in enumerate(_staged_rows(job), start=1):
                writer.upsert(clean, kind_given=kind_mapped)
                _pace()
                held.beat()
                if index % WRITE_BATCH == 0:
                    _commit_batch(engine, db, writer, job, index, held)
            if _cancelled(engine, job.id):  # asked during the last batch
                raise ImportCancelled
            result = writer.finish()
            held.end_in(db, status="done", created_count=result.created, updated_count=result.updated,
                        skipped_count=result.skipped, objected_count=result.objected,
                        processed_rows=job.total_rows, finished_at=utcnow())
            db.commit()
        except lease.LeaseLost:
            db.rollback()
            raise
        except BaseException:
            db.rollback()
            _undo_after_failure(db, job)
            raise
        finally:
            staged_path(job).unlink(missing_ok=True)
    return result


def _commit_batch(engine, db: Session, writer, job: ImportJob, saved_rows: int, held: lease.Lease) -> None:
    if _cancelled(engine, job.id):
        raise ImportCancelled
    writer.flush()
    held.renew_in(db, processed_rows=saved_rows)
    db.commit()
    db.expunge_all()  # the cards of saved batches are not needed again: the session stays small


def _undo_after_failure(db: Session, job: ImportJob) -> None:
    try:
        undo_import(db, job)
    except Exception:  # the journal stays: whoever finds the import failed can undo it again
        log.exception("undoing import %s failed", job.id)
        db.rollback()

