"""The growth table: server time of the list, search, Today and the map's pins as one rep's portfolio
grows from 1,000 to 10,000 (and, with --with-100k, 100,000) clients, on SQLite and PostgreSQL.

    .venv/bin/python bench/growth.py [--sizes 1000,10000] [--with-100k] [--repeat 30]
                                     [--backends sqlite,postgresql] [--database-url postgresql://…]

Each size gets a database of its own (bench/owndb.py: created, VACUUM ANALYZEd after the bulk load,
dropped at the end); PostgreSQL's is named by --database-url / FIELDCRM_BENCH_DATABASE_URL (a
fieldcrm_bench_… name) or fieldcrm_bench_<pid>. Server time = the whole request through the WSGI app
(routing, auth, queries, template), no network; "cpu" is this process's CPU for it (the database's own
CPU is not in it on PostgreSQL). Each portfolio has two interactions per client, 3,000 follow-ups and
1,000 appointments (Today's inputs) and every card located on the map.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import owndb  # noqa: E402
from bench.common import PASSWORD, bench_app, fill_portfolio, timed  # noqa: E402
from bench.map_load import locate_everyone  # noqa: E402
from bench.today import fill_activity  # noqa: E402

SEARCHES = ["dupont", "helene", "06 12", "lyon", "44000", "boulangerie", "contact@", "zzzz-no-match"]
HTMX = {"HX-Request": "true"}


def steps(http) -> dict:
    """Each step of the table: a function doing one request (asserting it answered 200)."""
    turn = {"i": 0}

    def get(url, **kw):
        response = http.get(url, **kw)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def search():
        turn["i"] += 1
        get("/clients", query_string={"q": SEARCHES[turn["i"] % len(SEARCHES)]}, headers=HTMX)

    return {
        "list (page)": lambda: get("/clients"),
        "list next page": lambda: get("/clients/rows?page=5", headers=HTMX),
        "list by last contact": lambda: get("/clients?sort=last_contact", headers=HTMX),
        "list by town": lambda: get("/clients?sort=city", headers=HTMX),
        "list of one status": lambda: get("/clients?status=client", headers=HTMX),
        "list, status, page 5": lambda: get("/clients/rows?status=client&page=5", headers=HTMX),
        "search (mixed)": search,
        "Today": lambda: get("/"),
        "map pins": lambda: get("/map/pins.json"),
    }


def measure(backend: str, n_clients: int, repeat: int, database_url: str | None) -> dict:
    """{step: (median ms, p95 ms, cpu median ms)} for one backend at one size."""
    with bench_app(backend, database_url) as app:
        start = time.perf_counter()
        rep = fill_portfolio(app, n_clients)
        fill_activity(app, rep, 2 * n_clients)
        locate_everyone(app)
        print(f"  {backend} {n_clients:>7,}: built in {time.perf_counter() - start:5.0f} s", file=sys.stderr)
        http = app.test_client()
        assert http.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
        figures = {}
        for name, fn in steps(http).items():
            wall, cpu = timed(fn, repeat)
            wall.sort()
            figures[name] = (statistics.median(wall), wall[max(0, round(0.95 * len(wall)) - 1)],
                             statistics.median(cpu))
        return figures


def print_table(results: dict, sizes: list[int], backends: list[str]) -> None:
    columns = [(b, n) for b in backends for n in sizes]
    header = "".join(f"{f'{b[:6]} {n // 1000}k' if n >= 1000 else f'{b[:6]} {n}':>22}" for b, n in columns)
    print(f"\n{'median / p95 ms (cpu)':24}{header}")
    for step in next(iter(results.values())):
        cells = []
        for column in columns:
            median, p95, cpu = results[column][step]
            cells.append(f"{f'{median:.1f} / {p95:.1f} ({cpu:.1f})':>22}")
        print(f"{step:24}{''.join(cells)}")
    if len(sizes) > 1:
        print()
        for backend in backends:
            ratios = ", ".join(f"{s} {results[(backend, sizes[-1])][s][1] / results[(backend, sizes[-2])][s][1]:.2f}x"
                               for s in results[(backend, sizes[-1])])
            print(f"  {backend}: p95 growth {sizes[-2]:,} -> {sizes[-1]:,}: {ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--with-100k", action="store_true", help="add 100,000 clients (a long build)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    owndb.add_argument(parser)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([100_000] if args.with_100k else [])
    backends = args.backends.split(",")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start", file=sys.stderr)
    results = {(b, n): measure(b, n, args.repeat, args.database_url) for b in backends for n in sizes}
    print_table(results, sizes, backends)
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end)")


if __name__ == "__main__":
    main()
