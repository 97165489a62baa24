"""Reach over imports: an import is seen by the user who ran it, their team's manager and an admin."""

from __future__ import annotations

from sqlmodel import Session

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.imports.models import ImportJob


def get_import_or_404(db: Session, actor: User, import_id: int) -> ImportJob:
    job = db.get(ImportJob, import_id)
    owner = db.get(User, job.owner_id) if job is not None else None
    if job is None or owner is None or not access.can_see_user(actor, owner):
        raise access.NotVisible()
    return job
