"""Background jobs of the map: bulk geocoding (huey)."""

from __future__ import annotations

from flask import current_app

from fieldcrm.db import session_scope
from fieldcrm.jobs import app_task, huey
from fieldcrm.maps import services


@huey.task()
@app_task
def geocode_run_task(run_id: int) -> None:
    """Geocode every client left in the run (see maps.services.continue_run)."""
    with session_scope() as db:
        services.continue_run(db, run_id, current_app.config)
