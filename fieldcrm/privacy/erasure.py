"""The daily erasure: clients deleted longer ago than the undo period, each in its own transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from fieldcrm.clients.models import Client
from fieldcrm.clients.services import purge_client
from fieldcrm.visits.services import purge_deleted_logs

log = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    purged: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # client id -> why
    logs_forgotten: int = 0


def purge_deleted(db: Session, before: datetime) -> PurgeReport:
    """Erase every client deleted before `before`, one transaction each: a client that cannot be
    erased is logged and reported, and the others still go. Then forget the content of the logs
    deleted before `before`."""
    report = PurgeReport()
    ids = db.exec(select(Client.id).where(Client.deleted_at < before).order_by(Client.id)).all()
    db.rollback()
    for client_id in ids:
        try:
            if purge_client(db, client_id, deleted_before=before):
                db.commit()
                report.purged.append(client_id)
            else:
                db.rollback()  # restored (or erased) meanwhile
        except Exception as exc:  # whatever one card's erasure meets, the next cards are still erased
            db.rollback()
            log.exception("client %s could not be erased", client_id)
            report.failed[client_id] = f"{type(exc).__name__}: {exc}"[:300]
    report.logs_forgotten = purge_deleted_logs(db, before)
    db.commit()
    return report
