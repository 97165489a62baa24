"""Client list and search server time with 10,000 clients, on SQLite and PostgreSQL.

    .venv/bin/python bench/list_search.py [--clients 10000] [--repeat 60] [--backends sqlite,postgresql]
                                          [--database-url postgresql://…/fieldcrm_bench_lists]

Server time = the whole request through the WSGI app (routing, auth, queries, template), no network."""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import owndb  # noqa: E402
from bench.common import PASSWORD, bench_app, fill_portfolio, summary, timed  # noqa: E402

QUERIES = ["dupont", "helene", "06 12", "lyon", "44000", "boulangerie", "contact@", "zzzz-no-match"]


def run(backend: str, n_clients: int, repeat: int, database_url: str | None = None) -> None:
    with bench_app(backend, database_url) as app:
        measure(app, backend, n_clients, repeat)


def measure(app, backend: str, n_clients: int, repeat: int) -> None:
    rep = fill_portfolio(app, n_clients)
    http = app.test_client()
    assert http.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
    htmx = {"HX-Request": "true"}

    def check(url, **kw):
        response = http.get(url, **kw)
        assert response.status_code == 200, response.status_code
        return response

    print(f"\n{backend}: {n_clients:,} clients")
    print(f"  list page (full)        {summary(timed(lambda: check('/clients'), repeat))}")
    print(f"  list sorted by city     {summary(timed(lambda: check('/clients?sort=city', headers=htmx), repeat))}")
    print(f"  status filter fragment  {summary(timed(lambda: check('/clients?status=client', headers=htmx), repeat))}")
    state = {"i": 0}

    def search():
        state["i"] += 1
        check("/clients", query_string={"q": QUERIES[state["i"] % len(QUERIES)]}, headers=htmx)

    print(f"  search fragment (mixed) {summary(timed(search, repeat * 2))}")
    print(f"  next page (infinite)    {summary(timed(lambda: check('/clients/rows?page=5', headers=htmx), repeat))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--backends", default="sqlite,postgresql")
    owndb.add_argument(parser)
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run(backend, args.clients, args.repeat, args.database_url)


if __name__ == "__main__":
    main()
