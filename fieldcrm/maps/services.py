"""Geocoding client addresses (after a save, in bulk) and fixing a pin by hand.

Positions are written with a targeted UPDATE of the geo columns only, guarded by the address that
was geocoded and by the precision not being "manual": a background run never overwrites a card
someone is editing, a pin placed by hand, or a position for an address that has changed since.
The client's `version` is not bumped: a position is not an edit a colleague could conflict with.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients import registry as client_registry
from fieldcrm.clients.models import Client
from fieldcrm.geo.bounds import within_country
from fieldcrm.geo.geocoding import GeocoderChain, build_chain, geocode_address
from fieldcrm.maps.models import GeocodeRun
from fieldcrm.timeutil import utcnow

log = logging.getLogger(__name__)

INLINE_TIMEOUT_SECONDS = 2.0  # geocoding right after a save: the rep is waiting for the card
BATCH = 25


class PositionRejected(ValueError):
    """A hand-placed position outside the client's country."""


def make_chain(config: Mapping, *, inline: bool = False) -> GeocoderChain:
    """The provider chain from the app settings; `inline` caps each provider's timeout."""
    settings = dict(config)
    if inline:
        limit = float(config.get("GEOCODER_INLINE_TIMEOUT", INLINE_TIMEOUT_SECONDS))
        settings["GEOCODER_TIMEOUT"] = min(float(config.get("GEOCODER_TIMEOUT") or limit), limit)
    return build_chain(settings)


def _address_guard(client: Client):
    return [
        (Client.street == client.street) if client.street is not None else Client.street.is_(None),
        (Client.postal_code == client.postal_code) if client.postal_code is not None
        else Client.postal_code.is_(None),
        (Client.city == client.city) if client.city is not None else Client.city.is_(None),
        Client.country == client.country,
        or_(Client.geo_precision.is_(None), Client.geo_precision != "manual"),
    ]


def locate(db: Session, client: Client, chain: GeocoderChain) -> bool:
    """Geocode the client's current address and store the answer (or "not located"); commits.

    Returns True when located. Never raises for a provider problem (the chain turns those into
    notes); the caller's save has already been committed."""
    try:
        result = geocode_address(client.street, client.postal_code, client.city, client.country, chain)
    except Exception:  # a bug in a provider must not break the page after a successful save
        log.exception("Geocoding failed for client %s", client.id)
        result = None
    now = utcnow()
    if result is None:
        values = {"latitude": None, "longitude": None, "geo_precision": None, "geo_source": None,
                  "geocoded_at": now}
    else:
        values = {"latitude": result.lat, "longitude": result.lon, "geo_precision": result.precision,
                  "geo_source": result.source[:40], "geocoded_at": now}
    written = db.execute(update(Client).where(Client.id == client.id, *_address_guard(client))
                         .values(**values).execution_options(synchronize_session=False))
    db.commit()
    if written.rowcount:
        for key, value in values.items():
            setattr(client, key, value)
    return result is not None


def geocode_after_save(db: Session, client: Client, config: Mapping, address_changed: bool) -> None:
    """After a create/edit: locate the client when its address changed (or was never tried)."""
    if client.geo_precision == "manual" and not address_changed:
        return
    if not address_changed and client.geocoded_at is not None:
        return
    if not (client.postal_code or client.city or client.street):
        return
    locate(db, client, make_chain(config, inline=True))


def place_by_hand(db: Session, actor: User, client: Client, lat: float, lon: float) -> None:
    """A rep drags the pin: precision "manual", kept until the address changes."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not within_country(
            client.country or "FR", client.postal_code, lat, lon):
        raise PositionRejected(f"({lat:.4f}, {lon:.4f}) is outside {client.country}")
    values = {"latitude": round(lat, 7), "longitude": round(lon, 7), "geo_precision": "manual",
              "geo_source": f"manual:{actor.id}", "geocoded_at": utcnow()}
    db.execute(update(Client).where(Client.id == client.id).values(**values)
               .execution_options(synchronize_session=False))
    db.commit()
    for key, value in values.items():
        setattr(client, key, value)


# --- bulk geocoding ------------------------------------------------------------------------------

def _pending(run: GeocodeRun):
    stmt = select(Client).where(
        Client.deleted_at.is_(None),
        or_(Client.postal_code.is_not(None), Client.city.is_not(None)),
        or_(Client.geo_precision.is_(None), Client.geo_precision != "manual"),
        or_(Client.geocoded_at.is_(None), Client.geocoded_at < run.started_at),
    )
    if not run.scope_all:
        stmt = stmt.where(or_(Client.latitude.is_(None), Client.geo_precision == "city"))
    return stmt


def pending_count(db: Session, run: GeocodeRun) -> int:
    return db.exec(select(func.count()).select_from(_pending(run).subquery())).one()


def start_run(db: Session, actor: User | None, *, scope_all: bool = False) -> GeocodeRun:
    """A new bulk run over every client not located yet (or every client with `scope_all`)."""
    run = GeocodeRun(started_by_id=actor.id if actor else None, scope_all=scope_all)
    run.total = pending_count(db, run)
    db.add(run)
    db.commit()
    return run


def latest_run(db: Session) -> GeocodeRun | None:
    return db.exec(select(GeocodeRun).order_by(GeocodeRun.id.desc())).first()


def unfinished_run(db: Session) -> GeocodeRun | None:
    return db.exec(select(GeocodeRun).where(GeocodeRun.status.in_(("queued", "running", "interrupted")))
                   .order_by(GeocodeRun.id.desc())).first()


def stop_run(db: Session, run: GeocodeRun) -> None:
    """Ask a running run to stop after the client it is on; it can be resumed later."""
    run.status = "interrupted"
    run.updated_at = utcnow()
    db.add(run)
    db.commit()


@dataclass
class RunProgress:
    handled: int
    located: int
    not_located: int
    finished: bool


def continue_run(db: Session, run_id: int, config: Mapping, *, limit: int | None = None,
                 on_progress=None) -> RunProgress:
    """Geocode the run's remaining clients, committing after each one (so an interruption loses
    nothing); providers' rate limits are honoured by the chain's throttles. `limit` stops early."""
    run = db.get(GeocodeRun, run_id)
    if run is None:
        raise LookupError(run_id)
    if not claim_run(db, run_id):  # stopped, done, or another worker has it
        db.refresh(run)
        return RunProgress(run.handled, run.located, run.not_located, run.status == "done")
    db.refresh(run)
    chain = make_chain(config)
    done_now = 0
    last_id = 0  # a cursor too: a client whose address changed under us is not retried forever
    while True:
        db.refresh(run)
        if run.status != "running":  # stopped by the admin, or taken for dead and handed to another worker
            break
        batch = db.exec(_pending(run).where(Client.id > last_id).order_by(Client.id).limit(BATCH)).all()
        if not batch:
            run.status, run.finished_at = "done", utcnow()
            break
        for client in batch:
            last_id = client.id
            located = locate(db, client, chain)
            db.refresh(run)
            run.handled += 1
            run.located += int(located)
            run.not_located += int(not located)
            run.total = max(run.total, run.handled)
            run.updated_at = utcnow()
            db.add(run)
            db.commit()
            done_now += 1
            if on_progress is not None:
                on_progress(run)
            if run.status == "interrupted" or (limit is not None and done_now >= limit):
                break
        if run.status == "interrupted" or (limit is not None and done_now >= limit):
            if run.status != "interrupted":
                run.status = "interrupted"
            break
    run.updated_at = utcnow()
    db.add(run)
    db.commit()
    return RunProgress(run.handled, run.located, run.not_located, run.status == "done")


def claim_run(db: Session, run_id: int) -> bool:
    """Take a queued run (one atomic UPDATE): of two workers handed the same run, one geocodes it."""
    written = db.execute(update(GeocodeRun).where(GeocodeRun.id == run_id, GeocodeRun.status == "queued")
                         .values(status="running", updated_at=utcnow()).execution_options(synchronize_session=False))
    db.commit()
    return written.rowcount == 1


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


GEOCODE_RUN = "maps.geocode_run"  # the background task of a run (maps/tasks.py), enqueued by name


def stale_after_seconds(config) -> float:
    """How long a run may go without finishing a client before its worker is taken for dead."""
    return 3 * float(config.get("JOB_LEASE_SECONDS") or 20)


def run_stalled(run: GeocodeRun | None, stale_seconds: float, now: datetime | None = None) -> bool:
    """A run said to be running whose worker has not finished a client for `stale_seconds`: it died.
    (A run commits after each client, so `updated_at` is its heartbeat.)"""
    return (run is not None and run.status == "running"
            and _aware(run.updated_at) + timedelta(seconds=stale_seconds) < (now or utcnow()))


def resume_stalled_runs(db: Session, enqueue, stale_seconds: float, now: datetime | None = None) -> list[int]:
    """Hand back to the queue the runs whose worker died, and the queued ones whose message was lost
    (a run is safe to resume: every client handled is committed). Returns the runs handed back."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=stale_seconds)
    stale = db.exec(select(GeocodeRun.id).where(GeocodeRun.status.in_(("queued", "running")),
                                                GeocodeRun.updated_at < cutoff)).all()
    handed = []
    for run_id in stale:
        written = db.execute(update(GeocodeRun).where(
            GeocodeRun.id == run_id, GeocodeRun.status.in_(("queued", "running")), GeocodeRun.updated_at < cutoff)
            .values(status="queued", updated_at=now).execution_options(synchronize_session=False))
        db.commit()
        if written.rowcount == 1:
            handed.append(run_id)
            enqueue(run_id)
    return handed


def resume_run(db: Session, run: GeocodeRun) -> GeocodeRun:
    """Put an interrupted run back in the queue (its total recounted)."""
    run.status = "queued"
    run.total = run.handled + pending_count(db, run)
    run.updated_at = utcnow()
    db.add(run)
    db.commit()
    return run


def init_app(app) -> None:
    """Locate a client card's address after it is saved (see geocode_after_save)."""
    client_registry.on_client_saved("maps", geocode_after_save)
