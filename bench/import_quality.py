"""How well the import does on messy real-world files (bench/messy_files.py), with the guessed column
mapping and the default value mapping, run through the real pipeline (upload, check, write) on SQLite.

    .venv/bin/python -m bench.import_quality [--seed 12]

Prints, per file and in total: importable rows imported, anomalies flagged per kind out of those planted,
wrong merges (cards holding rows of different real businesses), and the duplicate list's precision and
recall (pairs of cards of one real business, found by dedupe). Targets: >= 98 % of importable rows
imported, 0 wrong merges, recall >= 0.95 at precision >= 0.98.
"""

from __future__ import annotations

import argparse
import io
import itertools
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from sqlmodel import Session, select

from bench.messy_files import REPS, World, make_world
from fieldcrm import create_app
from fieldcrm.accounts import services as accounts
from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client, ClientTag, Tag
from fieldcrm.dedupe.queries import find_duplicates
from fieldcrm.imports import checking, files, runner, services, validation
from fieldcrm.imports.models import ImportJob
from fieldcrm.imports.valuemaps import default_maps
from fieldcrm.migrate import upgrade

FLAGS = {"partial_date": validation.PARTIAL_DATE, "two_phones": validation.TWO_PHONES,
         "postal_city_mismatch": validation.POSTAL_CITY_MISMATCH, "mojibake": validation.TEXT_REPAIRED,
         "invalid_email": validation.INVALID_EMAIL, "too_many_fields": validation.EXTRA_CELLS}


def _app(tmp: Path):
    app = create_app({"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE_URL": f"sqlite:///{tmp / 'q.sqlite3'}",
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "GEOCODER_CHAIN": "offline"})
    app.instance_path = str(tmp / "instance")
    upgrade(app.extensions["fieldcrm.engine"])
    return app


def _people(db: Session):
    admin = accounts.create_user(db, email="admin@bench.example", name="Ada Admin", password="bench password 2026",
                                 role="admin")
    for name, email in REPS:
        accounts.create_user(db, email=email, name=name, password="bench password 2026")
    return admin


def _existing_cards(db: Session, admin, world: World) -> None:
    for b in world.existing:
        clients.create_client(db, admin, {
            "kind": "company", "company_name": b.name, "siret": b.siret, "email": b.email, "phone": b.phone,
            "postal_code": b.postal_code, "city": b.city, "status": b.status, "country": "FR",
            "owner_id": admin.id, "tags": [f"gt{b.id}"]})


def _import(db: Session, admin, name: str, data: bytes) -> ImportJob:
    """Upload, keep the guessed mapping and the pre-filled value mapping, run: what a hurried user does."""
    job = services.upload(db, admin, name, io.BytesIO(data))
    mapping = checking.mapping_of(job)
    options = checking.options_of(job)
    options["value_maps"] = default_maps(services.value_step(db, admin, job, mapping))
    services.save_choices(db, job, mapping, "skip", options)
    with files.open_job_sheet(job) as sheet:
        services.start(db, admin, job, sheet.headers)
    runner.run_import(job.id)
    db.expire_all()
    return db.get(ImportJob, job.id)


def _ground_truth(db: Session) -> dict[int, set[int]]:
    """{card id: real businesses whose rows it holds} (from the gt<id> tags)."""
    truth: dict[int, set[int]] = defaultdict(set)
    for client_id, name in db.exec(select(ClientTag.client_id, Tag.name).join(Tag, Tag.id == ClientTag.tag_id)).all():
        if name.startswith("gt") and name[2:].isdigit():
            truth[client_id].add(int(name[2:]))
    return truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--verbose", action="store_true", help="list the pairs missed and the wrong ones")
    args = parser.parse_args()
    world = make_world(args.seed)
    app = _app(Path(tempfile.mkdtemp()))
    engine = app.extensions["fieldcrm.engine"]
    rows = []
    planted, flagged = Counter(), Counter()
    with app.test_request_context(), Session(engine, expire_on_commit=False) as db:
        admin = _people(db)
        _existing_cards(db, admin, world)
        for messy in world.files:
            job = _import(db, admin, messy.name, messy.data)
            refused = {n for n, _reasons in files.error_rows(job)}
            for _n, _cells, problems in files.warning_rows(job):
                for kind, key in FLAGS.items():
                    flagged[kind] += any(k == key for _t, k in problems)
            planted.update(messy.planted)
            imported = job.created_count + job.updated_count + job.skipped_count - len(refused)
            rows.append((messy.name, job.status, messy.importable, min(imported, messy.importable),
                         len(refused), messy.unimportable, job.created_count, job.updated_count))
        truth = _ground_truth(db)
        cards = db.exec(select(Client.id)).all()
        pairs = find_duplicates(db, admin, limit=None)
        names = {c.id: (c.display_name, c.postal_code, c.phone) for c in db.exec(select(Client)).all()}
    wrong = [card for card, real in truth.items() if len(real) > 1]
    by_real: dict[int, list[int]] = defaultdict(list)
    for card, real in truth.items():
        if len(real) == 1:
            by_real[next(iter(real))].append(card)
    true_pairs = {tuple(sorted(p)) for ids in by_real.values() for p in itertools.combinations(ids, 2)}
    known = {card for card, real in truth.items() if len(real) == 1}  # a shifted row may lose its tag
    found = {tuple(sorted((p.first.id, p.second.id))) for p in pairs if {p.first.id, p.second.id} <= known}
    hits = len(found & true_pairs)
    if args.verbose:
        for a, b in sorted(true_pairs - found):
            print("missed:", names[a], names[b])
        for a, b in sorted(found - true_pairs):
            print("wrong pair:", names[a], names[b])
    print(f"seed {args.seed}: {len(world.businesses)} real businesses, {len(world.existing)} already cards; "
          f"{len(cards)} cards after the imports\n")
    print("| file | status | importable rows imported | refused (not importable) | created | updated |")
    print("|---|---|---|---|---|---|")
    total_importable = total_imported = 0
    for name, status, importable, imported, refused, unimportable, created, updated in rows:
        total_importable += importable
        total_imported += imported
        print(f"| {name} | {status} | {imported}/{importable} ({100 * imported / importable:.1f} %) | "
              f"{refused} ({unimportable}) | {created} | {updated} |")
    print(f"| all | | {total_imported}/{total_importable} ({100 * total_imported / total_importable:.1f} %) | | | |")
    print("\n| anomaly | planted rows | flagged rows (a shifted row also flags the cells it pushed) |")
    print("|---|---|---|")
    for kind in FLAGS:
        print(f"| {kind} | {planted[kind]} | {flagged[kind]} |")
    print(f"\nwrong merges (cards holding rows of different real businesses): {len(wrong)}")
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    print(f"duplicates: {len(true_pairs)} true pairs, {len(found)} listed, {hits} right: "
          f"precision {precision:.3f}, recall {recall:.3f}")


if __name__ == "__main__":
    main()
