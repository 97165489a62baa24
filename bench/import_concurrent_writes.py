"""A 100,000-row import saving while other users write: how long do they wait, do they get errors?

    PYTHONPATH=$PWD .venv/bin/python -m bench.import_concurrent_writes [--rows 100000] [--users 4]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--max-minutes 20]

The app is served by gunicorn (2 workers, tests/served.py) on a database of the bench's own: a file in a
temporary folder for SQLite; for PostgreSQL, the database fieldcrm_bench_imports created on the server of
--database-url and dropped at the end (refused if it exists without the bench's mark). The import runs in this process, as the job worker runs it, while
N users log quick visits and log in again through the served app for the whole import. Past
--max-minutes the import is cancelled (and undone). Prints the import's times, how long its write
transactions held the database, and the other users' writes: count, p50/p95/max latency, 5xx.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench import owndb
from bench.import_100k import make_csv
from fieldcrm import create_app
from fieldcrm.accounts import services as accounts
from fieldcrm.clients import services as clients
from fieldcrm.imports import runner, services, tasks
from fieldcrm.imports.models import ImportJob
from fieldcrm.migrate import upgrade
from tests.busy_users import BusyUsers
from tests.served import serve

BENCH_DATABASE = "fieldcrm_bench_imports"
PASSWORD = "bench password 2026"
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def bench_database(database_url: str | None, folder: Path):
    """The URL of a database only this bench uses (bench/owndb.py: made, marked, dropped; one of the
    same name it did not make is refused)."""
    if not database_url:
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    with owndb.own_database(make_url(database_url).set(database=BENCH_DATABASE).render_as_string(
            hide_password=False)) as url:
        yield url


def watch_write_transactions(engine) -> dict[str, list[float]]:
    """Seconds from each transaction's first write to its commit, on this process's connections: how
    long the import keeps other writers waiting on SQLite. "batches" writes import rows, "progress" the
    one-statement updates of the import's state."""
    held: dict[str, list[float]] = {"batches": [], "progress": []}

    @event.listens_for(engine, "before_cursor_execute")
    def first_write(conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(WRITES):
            conn.info.setdefault("write_started", time.perf_counter())
            conn.info["writes"] = conn.info.get("writes", 0) + 1

    @event.listens_for(engine, "commit")
    def committed(conn):
        started, writes = conn.info.pop("write_started", None), conn.info.pop("writes", 0)
        if started is not None:
            held["batches" if writes > 1 else "progress"].append(time.perf_counter() - started)

    @event.listens_for(engine, "rollback")
    def rolled_back(conn):
        conn.info.pop("write_started", None)
        conn.info.pop("writes", None)

    return held


def percentiles(seconds: list[float]) -> str:
    millis = sorted(s * 1000 for s in seconds) or [0.0]
    p95 = millis[max(0, round(0.95 * len(millis)) - 1)]
    return f"p50 {statistics.median(millis):7.1f} ms   p95 {p95:7.1f} ms   max {millis[-1]:7.1f} ms   n={len(millis)}"


def prepare(app, rows: int, users: int, folder: Path):
    """The importing rep with the uploaded file queued, and `users` other reps with a client each."""
    engine = app.extensions["fieldcrm.engine"]
    upgrade(engine)
    csv_path = folder / "clients.csv"
    make_csv(csv_path, rows)
    with app.test_request_context(), Session(engine, expire_on_commit=False) as db:
        importer = accounts.create_user(db, email="importer@example.fr", name="Importer", password=PASSWORD)
        others = []
        for n in range(users):
            rep = accounts.create_user(db, email=f"rep{n}@example.fr", name=f"Rep {n}", password=PASSWORD)
            client = clients.create_client(db, rep, {"company_name": f"Client de {n}", "owner_id": rep.id,
                                                     "tags": []})
            others.append((rep.email, PASSWORD, client.id))
        with csv_path.open("rb") as fh:
            job = services.upload(db, importer, "clients.csv", io.BytesIO(fh.read()))
        job.status = "queued"
        db.add(job)
        db.commit()
    return job.id, others


def run(args) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    try:
        with bench_database(args.database_url, folder) as url:
            app = create_app({"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE_URL": url,
                              "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "GEOCODER_CHAIN": "offline"})
            app.instance_path = str(folder / "instance")
            engine = app.extensions["fieldcrm.engine"]
            job_id, others = prepare(app, args.rows, args.users, folder)
            tasks.geocode_after_import = lambda *_args: None  # the bench times the import, not the geocoder
            held = watch_write_transactions(engine)
            save = {}
            real_write = runner._write

            def timed_write(*write_args):
                save["start"] = time.monotonic()
                try:
                    return real_write(*write_args)
                finally:
                    save["end"] = time.monotonic()

            runner._write = timed_write

            def run_import():
                with app.app_context():
                    runner.run_import(job_id)

            print(f"{args.rows:,} rows, {args.users} other users, {engine.dialect.name}, gunicorn 2 workers")
            with serve(url, folder, workers=2) as served, BusyUsers(served, others) as busy:
                time.sleep(1.0)
                start = time.monotonic()
                importing = threading.Thread(target=run_import, daemon=True)
                importing.start()
                importing.join(timeout=args.cancel_after or args.max_minutes * 60)
                if importing.is_alive():
                    print(f"import still running after {args.cancel_after or args.max_minutes * 60:.0f} s: "
                          "cancelled (and undone)")
                    with Session(engine) as db:
                        services.request_cancel(db, db.get(ImportJob, job_id))
                    cancelled_at = time.monotonic()
                    importing.join(timeout=args.max_minutes * 60)
                    print(f"cancel to undone: {time.monotonic() - cancelled_at:6.1f} s")
                end = time.monotonic()
            runner._write = real_write
            with Session(engine) as db:
                job = db.get(ImportJob, job_id)
                status, created, skipped = job.status, job.created_count, job.skipped_count
            engine.dispose()
        print(f"import: {end - start:6.1f} s, of which the save {save.get('end', end) - save.get('start', end):6.1f} s;"
              f" status {status}, created {created:,}, skipped {skipped:,}")
        for kind, seconds in held.items():
            print(f"import's write transactions, {kind} (first write to commit): {percentiles(seconds)}")
        for label, answers in (("during the whole import", busy.between(start, end)),
                               ("during the save", busy.between(save.get("start", end), save.get("end", end)))):
            s = busy.summary(answers)
            print(f"others' writes {label}: {s['writes']} ({s['visits']} visit logs, {s['logins']} logins)  "
                  f"p50 {s['p50_ms']:.0f} ms  p95 {s['p95_ms']:.0f} ms  max {s['max_ms']:.0f} ms  "
                  f"5xx {s['5xx']}  unexpected {s['unexpected']}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (its database is not used)")
    parser.add_argument("--max-minutes", type=float, default=20)
    parser.add_argument("--cancel-after", type=float, default=None, help="seconds; measures the undo")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
