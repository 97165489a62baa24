"""Today's server time with 10,000 clients and 200,000 interactions, on SQLite and PostgreSQL.

    .venv/bin/python bench/today.py [--clients 10000] [--interactions 200000] [--repeat 60]
                                    [--backends sqlite,postgresql] [--database-url postgresql://…]

PostgreSQL goes to a database of the bench's own (bench/owndb.py: --database-url or
FIELDCRM_BENCH_DATABASE_URL, named fieldcrm_bench_…), created and dropped by it. Server time = the whole request through the WSGI app (routing, auth, queries,
template), no network. One rep owns every client (the worst case for a rep's Today)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bench import owndb  # noqa: E402
from bench.common import PASSWORD, bench_app, fill_portfolio, summary  # noqa: E402
from fieldcrm import timeutil as clock  # noqa: E402
from fieldcrm.agenda.models import CadenceRule  # noqa: E402
from fieldcrm.clients.models import Client  # noqa: E402
from fieldcrm.demo.people import SEGMENTS  # noqa: E402
from fieldcrm.followups.models import Appointment, FollowUp  # noqa: E402
from fieldcrm.visits.models import KINDS, OUTCOMES, Interaction  # noqa: E402

NOTES = ["Commande passée", "Gérant absent, revoir la semaine prochaine", "Catalogue remis", None, None,
         "Intéressé par la nouvelle gamme", "Devis à envoyer"]


def fill_activity(app, rep, n_interactions: int, seed: int = 11) -> None:
    """Interactions over the last two years, open follow-ups and appointments around today, and
    the maintained last-contact columns, as the app would have left them."""
    rng = random.Random(seed)
    engine = app.extensions["fieldcrm.engine"]
    with app.app_context():
        now, today = clock.now(), clock.today()
    with Session(engine) as db:
        client_ids = list(db.exec(select(Client.id)).all())
        batch = []
        for _ in range(n_interactions):
            batch.append({
                "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "client_id": rng.choice(client_ids),
                "author_id": rep.id, "kind": rng.choices(KINDS, weights=[50, 30, 8, 4, 6, 2])[0],
                "outcome": rng.choices(OUTCOMES, weights=[50, 15, 10, 5, 10, 5, 5])[0],
                "occurred_at": now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
                "note": rng.choice(NOTES), "created_at": now})
            if len(batch) == 10_000:
                db.execute(insert(Interaction), batch)
                batch.clear()
        if batch:
            db.execute(insert(Interaction), batch)
        db.execute(insert(FollowUp), [
            {"client_id": rng.choice(client_ids), "assignee_id": rep.id, "created_by_id": rep.id,
             "due_date": today + timedelta(days=rng.randrange(-30, 60)), "reason": "Relance",
             "status": rng.choice(["open", "open", "done"]), "snoozed_count": 0, "created_at": now}
            for _ in range(3000)])
        db.execute(insert(Appointment), [
            {"client_id": rng.choice(client_ids), "owner_id": rep.id, "created_by_id": rep.id,
             "starts_at": (start := now + timedelta(hours=rng.randrange(-60 * 24, 60 * 24))),
             "ends_at": start + timedelta(hours=1), "created_at": now}
            for _ in range(1000)])
        db.add_all([CadenceRule(field="segment", value=SEGMENTS[0], days=30),
                    CadenceRule(field="status", value="client", days=60)])
        # The maintained columns, as visits.services.log_interaction keeps them.
        db.execute(text("""UPDATE client SET
            last_contact_at = (SELECT max(i.occurred_at) FROM interaction i WHERE i.client_id = client.id
                               AND i.kind <> 'note' AND i.outcome <> 'not_reached'),
            last_visit_at = (SELECT max(i.occurred_at) FROM interaction i WHERE i.client_id = client.id
                             AND i.kind = 'visit' AND i.outcome <> 'not_reached')"""))
        db.commit()
    owndb.vacuum_analyze(engine)


def measured(fn, repeat: int) -> str:
    """Wall-clock server time (median/p95), and the CPU time of this process: on a shared machine the
    wall time includes waiting for a core, the CPU time is what the request itself costs."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start_wall) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    cpu.sort()
    return f"{summary(wall)}   cpu median {statistics.median(cpu):5.1f} p95 {cpu[int(0.95 * len(cpu)) - 1]:5.1f}"


def run(backend: str, n_clients: int, n_interactions: int, repeat: int, database_url: str | None = None) -> None:
    with bench_app(backend, database_url) as app:
        measure(app, backend, n_clients, n_interactions, repeat)


def measure(app, backend: str, n_clients: int, n_interactions: int, repeat: int) -> None:
    rep = fill_portfolio(app, n_clients)
    fill_activity(app, rep, n_interactions)
    http = app.test_client()
    assert http.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
    htmx = {"HX-Request": "true"}
    with Session(app.extensions["fieldcrm.engine"]) as db:
        busiest = db.exec(text("SELECT client_id FROM interaction GROUP BY client_id "
                               "ORDER BY count(*) DESC LIMIT 1")).scalar()

    def check(url, **kw):
        response = http.get(url, **kw)
        assert response.status_code == 200, (url, response.status_code)
        return response

    page = check("/").get_data(as_text=True)
    print(f"\n{backend}: {n_clients:,} clients, {n_interactions:,} interactions, 3,000 follow-ups, "
          f"1,000 appointments")
    print(f"  (Today shows {page.count('agenda-item')} lines; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")
    print(f"  Today (full page)       {measured(lambda: check('/'), repeat)}")
    print(f"  Today (htmx fragment)   {measured(lambda: check('/', headers=htmx), repeat)}")
    print(f"  week view               {measured(lambda: check('/week'), repeat)}")
    print(f"  list by last contact    {measured(lambda: check('/clients?sort=last_contact', headers=htmx), repeat)}")
    print(f"  not contacted 60 days   {measured(lambda: check('/clients?stale=60', headers=htmx), repeat)}")
    print(f"  timeline, busiest card  {measured(lambda: check(f'/clients/{busiest}/timeline', headers=htmx), repeat)}")

    def log_visit():
        response = http.post(f"/clients/{busiest}/log", headers=htmx,
                             data={"uid": str(uuid.uuid4()), "outcome": "reached", "note": "bench"})
        assert response.status_code == 201, response.status_code

    print(f"  log a visit (POST)      {measured(log_visit, repeat)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--backends", default="sqlite,postgresql")
    owndb.add_argument(parser)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run(backend, args.clients, args.interactions, args.repeat, args.database_url)


if __name__ == "__main__":
    main()
