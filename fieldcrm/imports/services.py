"""Import use cases: upload, map, preview, queue, cancel (the run itself: imports.runner; the files an
import keeps and their clean-up: imports.files).
"""

from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import update
from sqlmodel import Session

from fieldcrm import jobs
from fieldcrm.accounts.models import User
from fieldcrm.imports import lease
from fieldcrm.imports.checking import checker_for, custom_fields
from fieldcrm.imports.files import discard_files, open_job_sheet, sign_path, storage_dir
from fieldcrm.imports.mapping import guess_mapping
from fieldcrm.imports.models import ImportJob
from fieldcrm.imports.parsing import ImportFileError, open_sheet
from fieldcrm.imports.purchases import guess_purchase_mapping
from fieldcrm.imports.runner import RUN_TASK, UNDO_TASK
from fieldcrm.timeutil import utcnow

log = logging.getLogger(__name__)

PREVIEW_ROWS = 10
PREVIEW_SCAN_ROWS = 300


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



def save_choices(db: Session, job: ImportJob, mapping: dict[int, str], error_mode: str) -> None:
    job.mapping = json.dumps({str(k): v for k, v in mapping.items()})
    job.error_mode = error_mode if error_mode in ("skip", "refuse") else "skip"
    db.add(job)
    db.commit()


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

