"""Background task of the opposition list: every night, the entries past their period are forgotten."""

from __future__ import annotations

from huey import crontab

from fieldcrm import jobs
from fieldcrm.db import session_scope
from fieldcrm.privacy.opposition import purge_expired

EXPIRY_TASK = "privacy.opposition_expiry"


@jobs.periodic(EXPIRY_TASK, crontab(hour="3", minute="53"))
def opposition_expiry_task() -> dict:
    """Daily (RGPD): fingerprints kept longer than OPPOSITION_YEARS are deleted."""
    with session_scope() as db:
        return {"expired": purge_expired(db)}
