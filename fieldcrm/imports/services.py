"""Import use cases: upload, map, preview, run in the background, report.

An import is one unit. A first pass validates every row (progress committed as it goes, cancellable);
the second pass writes the clients in short transactions of WRITE_BATCH rows, so that other users' writes
wait a few milliseconds at most, never the whole import. It stays all or nothing through its journal
(imports.undo): cancelled or failed, everything it wrote is undone. While it saves, the rows it has
written appear in the lists; the import page shows the progress and a cancel removes them again.

Uploaded personal data does not linger (RGPD): the uploaded file and the staged rows are deleted as soon as
the import is done, refused, cancelled or failed; only the error report (the rows NOT imported, with their
reasons) is kept, for ERROR_REPORT_DAYS. An import left on the mapping screen, or stuck, is closed and its
files deleted after LEFTOVER_HOURS by the hourly `purge_leftovers` task (imports/tasks.py).
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm import jobs
from fieldcrm.accounts.models import User
from fieldcrm.accounts.queries import assignable_owners
from fieldcrm.clients.models import CustomFieldDef
from fieldcrm.db import session_scope
from fieldcrm.imports import N_, lease, staging
from fieldcrm.imports.mapping import CUSTOM_PREFIX, IGNORE, TARGETS, apply_mapping, guess_mapping
from fieldcrm.imports.models import RUNNING_STATES, ImportJob
from fieldcrm.imports.parsing import ImportFileError, ParsedSheet, open_sheet
from fieldcrm.imports.purchases import (
    PURCHASE_TARGETS,
    PurchaseChecker,
    PurchaseWriter,
    guess_purchase_mapping,
)
from fieldcrm.imports.undo import undo_import
from fieldcrm.imports.validation import CellError, normalise_row
from fieldcrm.imports.writer import ClientWriter
from fieldcrm.timeutil import utcnow

log = logging.getLogger(__name__)

UNKNOWN_OWNER = N_("Unknown sales rep, or one outside your team")
PROGRESS_EVERY = 500
PREVIEW_ROWS = 10
PREVIEW_SCAN_ROWS = 300
STAGE_CHUNK = 1000
# Rows per write transaction: on SQLite a batch holds the one write lock for a few tens of milliseconds.
WRITE_BATCH = 100
ERROR_REPORT_DAYS = 7  # how long the error report of a finished import is kept
LEFTOVER_HOURS = 24  # an upload not imported by then is deleted, its import closed
RUN_TASK = "imports.run"  # the background tasks (imports/tasks.py), enqueued by name
GEOCODE_TASK = "imports.geocode_clients"
UNDO_TASK = "imports.undo"
GEOCODE_BATCH = 200


class ImportCancelled(Exception):
    """The user cancelled the import while it ran."""


@dataclass
class RowCheck:
    number: int
    values: tuple
    clean: dict
    errors: list[CellError] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(e.level == "error" for e in self.errors)


def storage_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(job: ImportJob) -> Path:
    return storage_dir() / job.stored_name


def staged_path(job: ImportJob) -> Path:
    return storage_dir() / f"{job.stored_name}.staged"


def sign_path(job: ImportJob) -> Path:
    """Touched by the worker while it saves on SQLite (see imports/lease.py)."""
    return storage_dir() / f"{job.stored_name}.alive"


def worker_stopped(job: ImportJob) -> bool:
    """The import says it runs, but nothing runs it any more (read only: the sweep settles it)."""
    return lease.stalled(job, sign_path(job))


def errors_path(job: ImportJob) -> Path:
    return storage_dir() / f"{job.stored_name}.errors.json"


def custom_fields(db: Session) -> list[CustomFieldDef]:
    return list(db.exec(select(CustomFieldDef).where(CustomFieldDef.active)
                        .order_by(CustomFieldDef.position, CustomFieldDef.id)).all())


def valid_targets(db: Session, kind: str = "clients") -> set[str]:
    if kind == "purchases":
        return {IGNORE, *PURCHASE_TARGETS}
    return {IGNORE, *TARGETS, *(f"{CUSTOM_PREFIX}{f.key}" for f in custom_fields(db))}


def checker_for(db: Session, actor: User, job: ImportJob, mapping: dict[int, str]):
    if job.kind == "purchases":
        return PurchaseChecker(db, actor, mapping, utcnow().date())
    return RowChecker(db, actor, mapping)


def writer_for(db: Session, actor: User, job: ImportJob):
    if job.kind == "purchases":
        return PurchaseWriter(db, actor, import_id=job.id, batch=WRITE_BATCH)
    return ClientWriter(db, actor, import_id=job.id, batch=WRITE_BATCH)


def upload(db: Session, actor: User, filename: str, stream, kind: str = "clients") -> ImportJob:
    """Store an uploaded file, check it is a readable spreadsheet within the limits, guess the mapping.
    Raises ImportFileError (and keeps nothing) when the file is refused."""
    head = stream.read(4)
    # openpyxl goes by the file name's extension: name the stored copy after its content.
    stored = uuid.uuid4().hex + (".xlsx" if head.startswith(b"PK") else ".csv")
    path = storage_dir() / stored
    with path.open("wb") as out:
        out.write(head)
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    try:
        with open_sheet(path) as sheet:
            if kind == "purchases":
                mapping = guess_purchase_mapping(sheet.headers)
            else:
                fields = custom_fields(db)
                mapping = guess_mapping(sheet.headers, [(f.key, f.label) for f in fields])
            total, sheet_name = sheet.row_count, sheet.sheet_name
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    except Exception as exc:  # a reader crashing on a hostile file is a refused file, not a 500
        path.unlink(missing_ok=True)
        log.warning("import upload refused: %r", exc)
        raise ImportFileError("corrupt_file") from exc
    job = ImportJob(owner_id=actor.id, filename=(filename or "import")[:255], stored_name=stored,
                    kind="purchases" if kind == "purchases" else "clients",
                    mapping=json.dumps({str(k): v for k, v in mapping.items()}), total_rows=total,
                    sheet_name=sheet_name)
    db.add(job)
    db.commit()
    return job


def mapping_of(job: ImportJob) -> dict[int, str]:
    return {int(k): v for k, v in json.loads(job.mapping or "{}").items()}


def open_job_sheet(job: ImportJob) -> ParsedSheet:
    path = file_path(job)
    if not path.exists():  # already purged: finished, or left for more than LEFTOVER_HOURS
        raise ImportFileError("file_gone", {"hours": LEFTOVER_HOURS})
    return open_sheet(path, job.sheet_name)


def save_choices(db: Session, job: ImportJob, mapping: dict[int, str], error_mode: str) -> None:
    job.mapping = json.dumps({str(k): v for k, v in mapping.items()})
    job.error_mode = error_mode if error_mode in ("skip", "refuse") else "skip"
    db.add(job)
    db.commit()


class RowChecker:
    """Validates rows against the mapping: cell normalisation plus the owner the actor may assign."""

    def __init__(self, db: Session, actor: User, mapping: dict[int, str]):
        self.mapping = mapping
        fields = custom_fields(db)
        self.custom_types = {f.key: ("number" if f.field_type == "number" else
                                     "date" if f.field_type == "date" else "text") for f in fields}
        self.owners = {u.email.lower(): u.id for u in assignable_owners(db, actor)}
        self.today = utcnow().date()

    def check(self, number: int, values: tuple) -> RowCheck:
        raw = apply_mapping(values, self.mapping)
        clean, errors = normalise_row(raw, custom_types=self.custom_types, today=self.today)
        email = clean.pop("owner_email", None)
        if email is not None:
            owner_id = self.owners.get(email.lower())
            if owner_id is None:
                errors.append(CellError("owner_email", raw.get("owner_email"), UNKNOWN_OWNER))
            else:
                clean["owner_id"] = owner_id
        return RowCheck(number, values, clean, errors)


def preview(db: Session, actor: User, job: ImportJob, mapping: dict[int, str]) -> dict:
    """The first rows as they would be imported, and every invalid cell among the first rows scanned."""
    checker = checker_for(db, actor, job, mapping)
    first, with_errors, scanned, error_rows = [], [], 0, 0
    with open_job_sheet(job) as sheet:
        headers = sheet.headers
        for row in sheet.rows():
            result = checker.check(row.number, row.values)
            scanned += 1
            if len(first) < PREVIEW_ROWS:
                first.append(result)
            if result.errors:
                error_rows += result.has_errors
                if len(with_errors) < 50:
                    with_errors.append(result)
            if scanned >= PREVIEW_SCAN_ROWS:
                break
    return {"headers": headers, "rows": first, "error_rows": with_errors, "scanned": scanned,
            "error_count": error_rows, "total": job.total_rows}


def queue(db: Session, job: ImportJob) -> None:
    """Hand the import to the job queue (run at once in tests)."""
    job.status, job.processed_rows, job.cancel_requested = "queued", 0, False
    job.error_code = job.error_params = None
    job.heartbeat_at, job.attempts = utcnow(), 0  # queued at: the sweep re-sends a message lost long ago
    db.add(job)
    db.commit()
    jobs.enqueue(RUN_TASK, job.id)


def request_cancel(db: Session, job: ImportJob) -> bool:
    """Stop an import. Queued, or its worker dead: cancelled at once, what it saved undone (in the
    background), files deleted. Being checked or saved: asked to stop; its worker stops at the next
    batch and undoes what it saved."""
    now = utcnow()
    if lease.stalled(job, sign_path(job), now):
        cancelled = lease.settle_stalled(db, job, sign_path(job), now, status_if_failed="cancelled") is not None
        if cancelled:
            jobs.enqueue(UNDO_TASK, job.id)
    elif job.status == "queued":
        cancelled = db.execute(update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "queued")
                               .values(status="cancelled", cancel_requested=True, finished_at=now)).rowcount == 1
        db.commit()
    else:
        cancelled = False
    if cancelled:
        discard_files(job)
        db.refresh(job)
        return True
    if job.status not in ("validating", "saving"):
        return False
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(cancel_requested=True))
    db.commit()
    db.refresh(job)
    return True


def sweep_stalled(db: Session) -> lease.SweepResult:
    """Resume or fail the imports whose worker died (see imports/lease.py); failed ones lose their files
    and what they had saved (undone in the background, in short transactions)."""
    result = lease.sweep(db, lambda job_id: jobs.enqueue(RUN_TASK, job_id), sign_path)
    for job in result.failed:
        discard_files(job)
        jobs.enqueue(UNDO_TASK, job.id)
    return result


def undo_stopped_import(job_id: int) -> None:
    """The background body of undoing an import whose worker died or that was cancelled while nobody ran
    it (the journal says what it wrote; see imports/undo.py)."""
    with session_scope() as db:
        job = db.get(ImportJob, job_id)
        if job is not None and job.status in ("failed", "cancelled"):
            undo_import(db, job)


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
    with session_scope(engine) as db:
        checker = checker_for(db, actor, job, mapping_of(job))
    count = 0
    chunk: list[tuple[int, dict]] = []
    staged = staged_path(job)
    staged.unlink(missing_ok=True)
    with open_job_sheet(job) as sheet:
        headers = sheet.headers
        for row in sheet.rows():
            result = checker.check(row.number, row.values)
            if result.has_errors:
                reasons = [(e.target, e.message_key) for e in result.errors if e.level == "error"]
                error_rows.append((row.number, reasons))
                report.append((row.number, list(row.values), reasons))
            else:
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
    staging.write_report(errors_path(job), headers, report)
    if _cancelled(engine, job.id):
        raise ImportCancelled
    held.renew(processed_rows=total, total_rows=total)
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
                        skipped_count=result.skipped, processed_rows=job.total_rows, finished_at=utcnow())
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


def error_report(job: ImportJob):
    """(headers, [(row number, original cells, [(target, message key)])]) of the rows not imported."""
    return staging.read_report(errors_path(job))


def error_rows(job: ImportJob) -> list[tuple[int, list[tuple[str, str]]]]:
    return [(number, reasons) for number, _cells, reasons in error_report(job)[1]]


def report_available(job: ImportJob) -> bool:
    return errors_path(job).exists()


def report_kept_until(job: ImportJob) -> datetime | None:
    """When the error report of a finished import will be deleted (None: there is none)."""
    if job.finished_at is None or not report_available(job):
        return None
    return job.finished_at + timedelta(days=ERROR_REPORT_DAYS)


def purge_upload(job: ImportJob) -> None:
    """Delete the uploaded file and the staged rows (the error report stays)."""
    file_path(job).unlink(missing_ok=True)
    staged_path(job).unlink(missing_ok=True)
    sign_path(job).unlink(missing_ok=True)


def discard_files(job: ImportJob) -> None:
    """Delete everything an import stored: upload, staged rows and error report."""
    purge_upload(job)
    errors_path(job).unlink(missing_ok=True)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def purge_leftovers(db: Session, now: datetime | None = None) -> dict[str, int]:
    """The hourly clean-up (RGPD): imports left unfinished for LEFTOVER_HOURS are closed and their files
    deleted; error reports older than ERROR_REPORT_DAYS are deleted; any other file in the import folder
    older than LEFTOVER_HOURS that no open import needs (an orphan) is deleted. Returns what was done."""
    now = _aware(now or utcnow())
    cutoff, report_cutoff = now - timedelta(hours=LEFTOVER_HOURS), now - timedelta(days=ERROR_REPORT_DAYS)
    done = {"closed": 0, "files": 0}
    stale = db.exec(select(ImportJob).where(ImportJob.status.in_(("mapping", *RUNNING_STATES)),
                                            ImportJob.created_at < cutoff)).all()
    for job in stale:
        job.status = "cancelled" if job.status in ("mapping", "queued") else "failed"
        job.error_code, job.finished_at, job.cancel_requested = "expired", now, True
        job.error_params = json.dumps({"hours": LEFTOVER_HOURS})
        db.add(job)
        done["closed"] += 1
    db.commit()
    for job in stale:
        discard_files(job)
    folder = storage_dir()
    files = [p for p in folder.iterdir() if p.is_file()]
    names = {p.name.split(".", 1)[0] for p in files}
    jobs: dict[str, ImportJob] = {}
    names_list = sorted(names)
    for start in range(0, len(names_list), 500):
        prefixes = names_list[start:start + 500]
        candidates = [f"{n}.csv" for n in prefixes] + [f"{n}.xlsx" for n in prefixes]
        for job in db.exec(select(ImportJob).where(ImportJob.stored_name.in_(candidates))).all():
            jobs[job.stored_name.split(".", 1)[0]] = job
    for path in files:
        job = jobs.get(path.name.split(".", 1)[0])
        modified = datetime.fromtimestamp(os.path.getmtime(path), tz=now.tzinfo)
        if path.name.endswith(".errors.json"):  # kept while its import runs, then ERROR_REPORT_DAYS
            finished = _aware(job.finished_at) if job is not None and job.finished_at else modified
            expired = job is None or job.status in ("cancelled", "failed") or (
                job.status in ("done", "refused") and finished < report_cutoff)
        else:
            open_import = job is not None and job.status in ("mapping", *RUNNING_STATES)
            expired = modified < cutoff and not open_import
        if expired:
            path.unlink(missing_ok=True)
            done["files"] += 1
    return done
