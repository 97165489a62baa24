"""Background tasks of the import: the import itself, then geocoding of the new addresses."""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab
from sqlalchemy import update
from sqlmodel import select

from fieldcrm.clients.models import Client
from fieldcrm.db import session_scope
from fieldcrm.imports.models import ImportJob
from fieldcrm.jobs import app_task, huey
from fieldcrm.timeutil import utcnow

log = logging.getLogger(__name__)
GEOCODE_BATCH = 200


@huey.task()
@app_task
def run_import_task(job_id: int) -> None:
    from fieldcrm.imports.services import run_import

    run_import(job_id)


@huey.periodic_task(crontab(minute="17"))
@app_task
def purge_import_leftovers_task() -> dict[str, int]:
    """Hourly (RGPD): uploads and staged rows not imported within 24 h, and expired error reports, deleted."""
    from fieldcrm.imports.services import purge_leftovers

    with session_scope() as db:
        return purge_leftovers(db)


def geocode_after_import(job_id: int, client_ids: list[int]) -> None:
    """Hook: geocode the imported addresses in the background, in batches (each batch its own task)."""
    for start in range(0, len(client_ids), GEOCODE_BATCH):
        geocode_clients_task(job_id, client_ids[start:start + GEOCODE_BATCH])


@huey.task()
@app_task
def geocode_clients_task(job_id: int | None, client_ids: list[int]) -> int:
    """Locate clients that have an address but no position, with the configured geocoder chain."""
    from fieldcrm.geo.geocoding import build_chain, geocode_address

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
