"""Import use cases: upload, map, preview, queue, cancel (the run itself: imports.runner; the files an
import keeps and their clean-up: imports.files).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from datetime import UTC, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm import jobs
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.db import exclusive
from fieldcrm.imports import lease, valuemaps, vocab
from fieldcrm.imports.checking import checker_for, custom_fields, mapping_of, options_of, valid_targets
from fieldcrm.imports.files import discard_files, open_job_sheet, sign_path, storage_dir
from fieldcrm.imports.mapping import guess_mapping
from fieldcrm.imports.models import ImportJob
from fieldcrm.imports.parsing import ImportFileError, open_sheet
from fieldcrm.imports.purchases import guess_purchase_mapping
from fieldcrm.imports.review import MatchReview
from fieldcrm.imports.runner import RUN_TASK, UNDO_TASK
from fieldcrm.imports.undo import JOURNAL_DAYS
from fieldcrm.timeutil import utcnow

log = logging.getLogger(__name__)

PREVIEW_ROWS = 10
PREVIEW_SCAN_ROWS = 2000


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
                mapping = valuemaps.remembered_mapping(db, actor, sheet.headers, valid_targets(db))
                if mapping is None:
                    mapping = guess_mapping(sheet.headers, [(f.key, f.label) for f in fields])
                    categories = vocab.category_columns(sheet.headers, mapping)
                    found = valuemaps.scan_values(sheet, {str(i): i for i in categories})
                    mapping = vocab.refine_mapping(mapping, sheet.headers, {int(i): v for i, v in found.items()})
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



def save_choices(db: Session, job: ImportJob, mapping: dict[int, str], error_mode: str,
                 options: dict | None = None) -> None:
    job.mapping = json.dumps({str(k): v for k, v in mapping.items()})
    job.error_mode = error_mode if error_mode in ("skip", "refuse") else "skip"
    if options is not None:
        job.options = json.dumps(options, ensure_ascii=False)
    db.add(job)
    db.commit()


def value_step(db: Session, actor: User, job: ImportJob, mapping: dict[int, str],
               chosen: dict | None = None) -> list[valuemaps.ValueColumn]:
    """The value-mapping step for this mapping: each vocabulary column's values, counts and choices."""
    if job.kind != "clients":
        return []
    columns = valuemaps.vocabulary_columns(mapping)
    with open_job_sheet(job) as sheet:
        headers = sheet.headers
        found = valuemaps.scan_values(sheet, columns) if columns else {}
    return valuemaps.value_columns(db, actor, headers, mapping, found,
                                   options_of(job)["value_maps"] if chosen is None else chosen)


def preview(db: Session, actor: User, job: ImportJob, mapping: dict[int, str], options: dict | None = None) -> dict:
    """The first rows as they would be imported; among the rows scanned, how many go in clean, with a
    field left empty or flagged, or refused (by reason); and the existing cards they would update."""
    options = options_of(job) if options is None else options
    checker = checker_for(db, actor, job, mapping, options)
    review = MatchReview(db, actor, options["update_mode"]) if job.kind == "clients" else None
    first, with_errors, scanned = [], [], 0
    counts, refused, flagged = Counter(), Counter(), Counter()
    with open_job_sheet(job) as sheet:
        headers = sheet.headers
        for row in sheet.rows():
            result = checker.check(row.number, row.values, row.extra) if review else \
                checker.check(row.number, row.values)
            scanned += 1
            if len(first) < PREVIEW_ROWS:
                first.append(result)
            if result.has_errors:
                counts["refused"] += 1
                refused.update(e.message_key for e in result.errors if e.level == "error")
            elif result.errors:
                counts["warned"] += 1
                flagged.update(e.message_key for e in result.errors)
            else:
                counts["clean"] += 1
            if review is not None and not result.has_errors:
                review.add(row.number, result.clean)
            if result.errors and len(with_errors) < 50:
                with_errors.append(result)
            if scanned >= PREVIEW_SCAN_ROWS:
                break
        footer_rows = sheet.footer_rows
    return {"headers": headers, "rows": first, "error_rows": with_errors, "scanned": scanned,
            "error_count": counts["refused"], "counts": counts, "refused": refused.most_common(),
            "flagged": flagged.most_common(), "review": review, "footer_rows": footer_rows,
            "total": job.total_rows, "client_names": _client_names(db, actor, first)}


def _client_names(db: Session, actor: User, rows) -> dict[int, str]:
    """The cards the first purchase rows go to, by name (the preview never shows an id)."""
    ids = {r.clean["client_id"] for r in rows if r.clean.get("client_id")}
    if not ids:
        return {}
    return dict(db.exec(scope(select(Client.id, Client.display_name), actor).where(Client.id.in_(ids))).all())


def start(db: Session, actor: User, job: ImportJob, headers: list[str]) -> None:
    """Remember the value mappings for files with the same headers, and queue the import. The write
    lock is taken first: remembering reads then writes, and on SQLite a read snapshot that another
    request's commit overtook cannot be turned into a write (it fails at once, not after a wait)."""
    with exclusive(db, "imports.start"):
        if job.kind == "clients":
            valuemaps.remember_maps(db, actor, headers, options_of(job)["value_maps"])
            valuemaps.remember_columns(db, actor, headers, mapping_of(job))
        queue(db, job)


def request_undo(db: Session, job: ImportJob) -> bool:
    """Take back a finished import within JOURNAL_DAYS: marked "undoing" once (of two clicks, one wins),
    then undone in the background. False if it cannot (not done, or too old)."""
    cutoff = utcnow() - timedelta(days=JOURNAL_DAYS)
    taken = db.execute(update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == "done",
                                               ImportJob.kind == "clients", ImportJob.finished_at >= cutoff)
                       .values(status="undoing")).rowcount == 1
    db.commit()
    if taken:
        jobs.enqueue(UNDO_TASK, job.id)
    db.refresh(job)
    return taken


def can_undo(job: ImportJob) -> bool:
    finished = job.finished_at
    if job.status != "done" or job.kind != "clients" or finished is None:
        return False
    finished = finished if finished.tzinfo else finished.replace(tzinfo=UTC)
    return finished >= utcnow() - timedelta(days=JOURNAL_DAYS)


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

