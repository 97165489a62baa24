"""Where an import keeps its files, and when they go (RGPD).

Uploaded personal data does not linger: the uploaded file and the staged rows are deleted as soon as
the import is done, refused, cancelled or failed; only the error report (the rows NOT imported, with their
reasons) is kept, for ERROR_REPORT_DAYS. An import left on the mapping screen, or stuck, is closed and its
files deleted after LEFTOVER_HOURS by the hourly `purge_leftovers` task (imports/tasks.py).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlmodel import Session, select

from fieldcrm.imports import lease, staging
from fieldcrm.imports.models import RUNNING_STATES, ImportJob
from fieldcrm.imports.parsing import ImportFileError, ParsedSheet, open_sheet
from fieldcrm.timeutil import utcnow

ERROR_REPORT_DAYS = 7  # how long the error report of a finished import is kept
LEFTOVER_HOURS = 24  # an upload not imported by then is deleted, its import closed


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


def open_job_sheet(job: ImportJob) -> ParsedSheet:
    path = file_path(job)
    if not path.exists():  # already purged: finished, or left for more than LEFTOVER_HOURS
        raise ImportFileError("file_gone", {"hours": LEFTOVER_HOURS})
    return open_sheet(path, job.sheet_name)


def error_report(job: ImportJob):
    """(headers, [(row number, original cells, [(target, message key)])]) of the rows not imported."""
    return staging.read_report(errors_path(job))


def error_rows(job: ImportJob) -> list[tuple[int, list[tuple[str, str]]]]:
    return [(number, reasons) for number, _cells, reasons in error_report(job)[1]]


def warning_rows(job: ImportJob) -> list[tuple[int, list, list[tuple[str, str]]]]:
    """The rows imported with a field left empty or flagged: (row number, cells, [(target, message key)])."""
    return staging.read_warnings(errors_path(job))


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
                job.status in ("done", "refused", "undoing", "undone") and finished < report_cutoff)
        else:
            open_import = job is not None and job.status in ("mapping", *RUNNING_STATES)
            expired = modified < cutoff and not open_import
        if expired:
            path.unlink(missing_ok=True)
            done["files"] += 1
    return done
