"""Shared helpers for the benchmarks: a migrated app in a database of the bench's own (bench/owndb.py) on
SQLite or PostgreSQL, timing, a big portfolio."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from bench.owndb import backend_of, own_database, vacuum_analyze
from fieldcrm import create_app
from fieldcrm.accounts import services as accounts
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.clients.normalise import build_search_text, fold
from fieldcrm.clients.services import display_name
from fieldcrm.demo.people import REPS, client_data, communes_for
from fieldcrm.migrate import upgrade

PASSWORD = "bench password 2026"


@contextmanager
def bench_app(backend: str, database_url: str | None = None, **settings) -> Iterator:
    """A migrated app on a database this bench creates (refusing one it did not), dropped on exit.
    `database_url` is only used when its backend is `backend` (scripts run both backends)."""
    url = database_url if database_url and backend_of(database_url) == backend else None
    with own_database(url, backend) as made, tempfile.TemporaryDirectory(prefix="fieldcrm_bench_") as folder:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE_URL": made,
                          "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", **settings})
        app.instance_path = folder
        engine = app.extensions["fieldcrm.engine"]
        try:
            upgrade(engine)
            yield app
        finally:
            engine.dispose()


def fill_portfolio(app, n_clients: int, seed: int = 7, email: str = "bench@example.fr", analyse: bool = True):
    """One rep owning `n_clients` realistic clients (bulk insert, same search column as the app);
    `analyse`: VACUUM ANALYZE afterwards (the last of several loads only)."""
    rng = random.Random(seed)
    engine = app.extensions["fieldcrm.engine"]
    with app.test_request_context(), Session(engine, expire_on_commit=False) as db:
        rep = accounts.create_user(db, email=email, name=f"Rep {email.split('@')[0]}", password=PASSWORD)
        pool = communes_for(REPS[0][2] + REPS[2][2] + REPS[3][2])
        batch = []
        for _ in range(n_clients):
            data, contacts = client_data(rng, rng.choice(pool), rep.id, "02")
            data.pop("tags")
            client = Client(**data, display_name=display_name(data), sort_name="")
            client.sort_name = fold(client.display_name)
            parts = [client.company_name, client.first_name, client.last_name, client.city, client.postal_code,
                     client.email, client.sector, client.segment]
            phones = [client.phone, client.mobile]
            for c in contacts:
                parts += [c["first_name"], c["last_name"], c["email"], c["function"]]
                phones += [c["mobile"]]
            client.search_text = build_search_text(parts, phones)
            batch.append((client, contacts))
            if len(batch) == 1000:
                _flush(db, batch)
        _flush(db, batch)
    if analyse:
        vacuum_analyze(engine)  # a live database has planner statistics (autovacuum)
    return rep


def _flush(db: Session, batch: list) -> None:
    db.add_all([c for c, _ in batch])
    db.flush()
    db.add_all([ContactPerson(client_id=c.id, **contact) for c, contacts in batch for contact in contacts])
    db.commit()
    batch.clear()


def timed(fn, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of `repeat` calls (CPU time shows the app's own cost when
    other processes share the 2 cores; PostgreSQL's own CPU is not in it)."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def summary(samples) -> str:
    """'median … p95 …' of wall-clock samples, or of the (wall, cpu) pair that `timed` returns."""
    wall, cpu = samples if isinstance(samples, tuple) else (samples, None)
    wm, wp = _median_p95(wall)
    text = f"median {wm:6.1f} ms   p95 {wp:6.1f} ms"
    if cpu:
        cm, cp = _median_p95(cpu)
        text += f"   (cpu median {cm:5.1f}, p95 {cp:5.1f})"
    return f"{text}   n={len(wall)}"
