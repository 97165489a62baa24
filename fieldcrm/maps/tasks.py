"""Background jobs of the map: bulk geocoding."""

from __future__ import annotations

from flask import current_app

from fieldcrm import jobs
from fieldcrm.db import session_scope
from fieldcrm.maps import services

GEOCODE_RUN = "maps.geocode_run"


@jobs.task(GEOCODE_RUN)
def geocode_run_task(run_id: int) -> None:
    """Geocode every client left in the run (see maps.services.continue_run)."""
    with session_scope() as db:
        services.continue_run(db, run_id, current_app.config)
