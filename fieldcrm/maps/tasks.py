"""Background jobs of the map: bulk geocoding."""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from fieldcrm import jobs
from fieldcrm.db import session_scope
from fieldcrm.maps import services

log = logging.getLogger(__name__)


@jobs.task(services.GEOCODE_RUN)
def geocode_run_task(run_id: int) -> None:
    """Geocode every client left in the run (see maps.services.continue_run)."""
    with session_scope() as db:
        services.continue_run(db, run_id, current_app.config)


@jobs.periodic("maps.resume_stalled_runs", crontab())
@jobs.on_consumer_start
def resume_stalled_runs_task() -> None:
    """Every minute, and when a consumer starts: runs whose worker died go on."""
    with session_scope() as db:
        handed = services.resume_stalled_runs(db, lambda run_id: jobs.enqueue(services.GEOCODE_RUN, run_id),
                                              services.stale_after_seconds(current_app.config))
    if handed:
        log.warning("geocoding runs handed back to the queue: %s", handed)
