"""The Pareto page on 10,000 clients and 200,000 purchases (SQLite by default).

    .venv/bin/python -m bench.pareto [--clients 10000] [--purchases 200000] [--database-url …/fieldcrm_bench_pareto]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from bench import owndb
from bench.common import PASSWORD, backend_of, bench_app, fill_portfolio, summary
from fieldcrm.accounts.models import User
from fieldcrm.analyses import queries
from fieldcrm.clients.models import Client
from fieldcrm.sales.models import Purchase


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--purchases", type=int, default=200_000)
    owndb.add_argument(parser)
    args = parser.parse_args()
    with bench_app(backend_of(args.database_url), args.database_url) as app:
        measure(app, args)


def measure(app, args) -> None:
    engine = app.extensions["fieldcrm.engine"]
    start = time.perf_counter()
    rep = fill_portfolio(app, args.clients)
    rng = random.Random(9)
    with Session(engine) as db:
        ids = db.exec(select(Client.id)).all()
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(ids))]  # a long tail, like real sales
        batch = []
        for _ in range(args.purchases):
            batch.append({"client_id": rng.choices(ids, weights)[0],
                          "purchased_on": date(2026, 11, 1) - timedelta(days=rng.randrange(1500)),
                          "amount": Decimal(rng.randrange(500, 500000)) / 100, "product": rng.choice("ABCDEFGH")})
            if len(batch) == 10_000:
                db.execute(insert(Purchase), batch)
                batch.clear()
        if batch:
            db.execute(insert(Purchase), batch)
        db.commit()
    owndb.vacuum_analyze(engine)
    print(f"{args.clients:,} clients, {args.purchases:,} purchases ({engine.dialect.name}) "
          f"built in {time.perf_counter() - start:.0f} s")
    with app.test_request_context(), Session(engine) as db:
        actor = db.get(User, rep.id)
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            result = queries.pareto(db, actor)
            samples.append((time.perf_counter() - t) * 1000)
    print(f"pareto query: {summary(samples)}; {len(result.top):,} clients make 80% "
          f"({result.share_for_80:.0%} of {result.clients:,})")
    http = app.test_client()
    http.post("/login", data={"email": rep.email, "password": PASSWORD})
    for url in ("/analyses/pareto", "/analyses", "/clients?sort=revenue"):
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            response = http.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"GET {url:24s} {summary(samples)}  ({len(response.data) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
