"""Background tasks of privacy: the daily run of the retention rules (which include the erasure of the
clients deleted longer ago than their undo period), and that erasure alone, on demand."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from fieldcrm import jobs
from fieldcrm.db import session_scope
from fieldcrm.privacy.erasure import purge_deleted
from fieldcrm.privacy.retention import DAILY_AT, run_enabled_rules
from fieldcrm.timeutil import utcnow

PURGE_TASK = "privacy.purge_deleted"
RETENTION_TASK = "privacy.retention"


@jobs.task(PURGE_TASK)
def purge_deleted_task() -> dict:
    """Clients deleted longer ago than UNDO_DELETE_DAYS erased for good, with the content of the logs
    deleted that long ago (the daily run does it as its "deleted items" rule)."""
    before = utcnow() - timedelta(days=current_app.config["UNDO_DELETE_DAYS"])
    with session_scope() as db:
        report = purge_deleted(db, before)
    return {"purged": len(report.purged), "failed": sorted(report.failed), "logs": report.logs_forgotten}


@jobs.periodic(RETENTION_TASK, crontab(hour=str(DAILY_AT.hour), minute=str(DAILY_AT.minute)))
def retention_task() -> dict:
    """Daily (RGPD): every enabled retention rule, each in its own transaction, logged."""
    with session_scope() as db:
        return run_enabled_rules(db)
