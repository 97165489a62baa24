"""Background tasks of privacy: the daily erasure of clients past their undo period."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from fieldcrm import jobs
from fieldcrm.db import session_scope
from fieldcrm.privacy.erasure import purge_deleted
from fieldcrm.timeutil import utcnow

PURGE_TASK = "privacy.purge_deleted"


@jobs.periodic(PURGE_TASK, crontab(hour="3", minute="41"))
def purge_deleted_task() -> dict:
    """Daily (RGPD): clients deleted longer ago than UNDO_DELETE_DAYS erased for good, with the
    content of the logs deleted that long ago."""
    before = utcnow() - timedelta(days=current_app.config["UNDO_DELETE_DAYS"])
    with session_scope() as db:
        report = purge_deleted(db, before)
    return {"purged": len(report.purged), "failed": sorted(report.failed), "logs": report.logs_forgotten}
