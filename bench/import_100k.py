"""Import of 100,000 rows through the real pipeline (upload, validation pass, one-transaction write).

    .venv/bin/python -m bench.import_100k [--rows 100000] [--database-url postgresql://…/fieldcrm_bench_import]

Prints the time of each phase (wall clock, and CPU seconds of this process: the figure to compare on a
busy machine) and the process's peak memory (ru_maxrss) before and after the import.
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import tempfile
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from bench import owndb
from fieldcrm import create_app, jobs
from fieldcrm.accounts import services as accounts
from fieldcrm.clients.models import Client
from fieldcrm.imports import runner, services
from fieldcrm.imports.models import ImportJob
from fieldcrm.migrate import upgrade

TOWNS = [("69001", "Lyon"), ("13001", "Marseille"), ("75011", "Paris"), ("33000", "Bordeaux"),
         ("44000", "Nantes"), ("31000", "Toulouse"), ("59000", "Lille"), ("67000", "Strasbourg")]
WORDS = ["Boulangerie", "Garage", "Pharmacie", "Café", "Épicerie", "Fromagerie", "Cave", "Salon"]
NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]


def make_csv(path: Path, rows: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write("Raison sociale;Nom;Prénom;Adresse;CP;Ville;Tél.;Portable;E-mail;Secteur;Statut;Client depuis\r\n")
        for i in range(rows):
            cp, city = rng.choice(TOWNS)
            name = rng.choice(NAMES)
            phone = f"04 {rng.randint(10, 99)} {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
            mobile = f"06 {rng.randint(10, 79)} {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
            email = f"contact{i}@exemple.fr" if i % 50 else "pas-un-email"  # 2% invalid rows
            day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2000, 2025)}"
            out.write(f"{rng.choice(WORDS)} {name} {i};{name};Jean;{rng.randint(1, 200)} rue de la Paix;{cp};{city};"
                      f"{phone};{mobile};{email};Commerce;client;{day}\r\n")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    owndb.add_argument(parser)
    args = parser.parse_args()
    with owndb.own_database(args.database_url, owndb.backend_of(args.database_url)) as url:
        run(url, args)


def run(url: str, args) -> None:
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE_URL": url,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "GEOCODER_CHAIN": "offline"})
    app.instance_path = str(tmp / "instance")
    engine = app.extensions["fieldcrm.engine"]
    upgrade(engine)
    csv_path = tmp / "clients.csv"
    make_csv(csv_path, args.rows)
    print(f"{args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB, {engine.dialect.name}")
    with app.test_request_context(), Session(engine, expire_on_commit=False) as db:
        rep = accounts.create_user(db, email="bench@example.fr", name="Bench", password="bench password 2026")
        before = peak_mb()
        start = time.perf_counter()
        with csv_path.open("rb") as fh:
            job = services.upload(db, rep, "clients.csv", io.BytesIO(fh.read()))
        uploaded = time.perf_counter()
        job.status = "queued"
        db.add(job)
        db.commit()
        # The bench times the import; locating the new cards is a later background task, not run here.
        real_enqueue = jobs.enqueue
        jobs.enqueue = lambda name, *a: None if name == runner.GEOCODE_TASK else real_enqueue(name, *a)
        phases = {}

        def timed(name, fn):
            def wrapper(*args):
                t, cpu = time.perf_counter(), time.process_time()
                try:
                    return fn(*args)
                finally:
                    phases[name] = time.perf_counter() - t
                    phases[name + " cpu"] = time.process_time() - cpu
            return wrapper

        real_validate, real_write = runner._validate, runner._write
        runner._validate, runner._write = timed("validate", real_validate), timed("write", real_write)
        runner.run_import(job.id)
        runner._validate, runner._write = real_validate, real_write
        jobs.enqueue = real_enqueue
        done = time.perf_counter()
        db.expire_all()
        job = db.get(ImportJob, job.id)
        clients = db.exec(select(func.count()).select_from(Client)).one()
    print(f"upload + checks + mapping guess: {uploaded - start:6.1f} s")
    print(f"validate + write (one transaction): {done - uploaded:6.1f} s   total {done - start:6.1f} s")
    print(f"  of which validation pass {phases['validate']:6.1f} s, write pass {phases['write']:6.1f} s")
    # CPU seconds of this process: what to compare on a machine other jobs keep busy.
    print(f"  CPU time: validation pass {phases['validate cpu']:6.1f} s, write pass {phases['write cpu']:6.1f} s")
    print(f"status {job.status}: created {job.created_count:,}, skipped {job.skipped_count:,}, clients {clients:,}")
    print(f"peak RSS: {before:.0f} MB before the import, {peak_mb():.0f} MB after")


if __name__ == "__main__":
    main()
