"""Background tasks of the import: the import itself, geocoding of the new addresses, the clean-ups."""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab
from sqlalchemy import update
from sqlmodel import select

from fieldcrm import jobs
from fieldcrm.clients.models import Client
from fieldcrm.db import session_scope
from fieldcrm.geo.geocoding import build_chain, geocode_address
from fieldcrm.imports import files, runner, services
from fieldcrm.imports.models import ImportJob
from fieldcrm.imports.undo import forget_old_journals
from fieldcrm.timeutil import utcnow

log = logging.getLogger(__name__)


@jobs.task(runner.RUN_TASK)
def run_import_task(job_id: int) -> None:
    runner.run_import(job_id)


@jobs.task(runner.UNDO_TASK)
def undo_stopped_import_task(job_id: int) -> None:
    runner.undo_stopped_import(job_id)


@jobs.periodic("imports.purge_leftovers", crontab(minute="17"))
def purge_import_leftovers_task() -> dict[str, int]:
    """Hourly (RGPD): uploads and staged rows not imported within 24 h, expired error reports and the
    journals of imports past their undo period, deleted."""
    with session_scope() as db:
        done = files.purge_leftovers(db)
        done["journal_entries"] = forget_old_journals(db)  # imports past their undo period
        return done


@jobs.periodic("imports.sweep_stalled", crontab())
@jobs.on_consumer_start
def sweep_stalled_imports_task() -> None:
    """Every minute, and when a consumer starts: imports whose worker died are resumed or failed."""
    with session_scope() as db:
        result = services.sweep_stalled(db)
    if result.resumed or result.failed:
        log.warning("imports whose worker died: resumed %s, failed %s", result.resumed,
                    [job.id for job in result.failed])


@jobs.task(runner.GEOCODE_TASK)
def geocode_clients_task(job_id: int | None, client_ids: list[int]) -> int:
    """Locate clients that have an address but no position, with the configured geocoder chain."""
    chain = build_chain(current_app.config)
    located = 0
    with session_scope() as db:
        clients = db.exec(select(Client).where(Client.id.in_(client_ids), Client.latitude.is_(None),
                                               Client.geo_precision.is_distinct_from("manual"))).all()
        for client in clients:
            if not (client.postal_code or client.city):
                continue
            try:
                result = geocode_address(client.street, client.postal_code, client.city, client.country, chain)
            except Exception:  # network trouble never fails the import
                log.exception("geocoding client %s", client.id)
                result = None
            if result is None:
                continue
            client.latitude, client.longitude = result.lat, result.lon
            client.geo_precision, client.geo_source = result.precision, result.source[:40]
            client.geocoded_at = utcnow()
            db.add(client)
            located += 1
        if job_id is not None and located:
            db.execute(update(ImportJob).where(ImportJob.id == job_id)
                       .values(geocoded_count=ImportJob.geocoded_count + located))
        db.commit()
    return located
