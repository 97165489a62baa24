"""The duplicate scan on 10,000 clients (SQLite; one rep), with a few hundred planted duplicates.

    .venv/bin/python -m bench.dedupe [--clients 10000]
"""

from __future__ import annotations

import argparse
import random
import time

from sqlmodel import Session, select

from bench.common import bench_app, fill_portfolio
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.dedupe import queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10_000)
    args = parser.parse_args()
    with bench_app("sqlite") as app:
        measure(app, args)


def measure(app, args) -> None:
    start = time.perf_counter()
    rep = fill_portfolio(app, args.clients)
    engine = app.extensions["fieldcrm.engine"]
    rng = random.Random(3)
    with Session(engine) as db:  # plant duplicates: same phone, same email, a typo in the name
        rows = db.exec(select(Client).limit(300)).all()
        for i, c in enumerate(rows):
            twin = Client(**{k: v for k, v in c.model_dump().items() if k != "id"})
            if i % 3 == 0:
                twin.email = None
                twin.siret = None
            elif i % 3 == 1:
                twin.phone = twin.mobile = None
                twin.siret = None
            else:
                twin.email = twin.phone = twin.mobile = twin.siret = None
                name = list(twin.display_name)
                name[rng.randrange(len(name))] = "x"
                twin.display_name = "".join(name)
            db.add(twin)
        db.commit()
    print(f"{args.clients:,} clients (+300 planted duplicates) built in {time.perf_counter() - start:.1f} s")
    with app.test_request_context(), Session(engine) as db:
        actor = db.get(User, rep.id)
        timings = []
        for _ in range(3):
            t = time.perf_counter()
            pairs = queries.find_duplicates(db, actor, limit=None)
            timings.append(time.perf_counter() - t)
    reasons = {}
    for p in pairs:
        for r in p.reasons:
            reasons[r] = reasons.get(r, 0) + 1
    print(f"scan: best {min(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms; {len(pairs):,} pairs")
    print("reasons:", reasons)


if __name__ == "__main__":
    main()
