"""The client list's database cost as the portfolio grows: every sort and filter, next pages, search.

    .venv/bin/python bench/search_growth.py [--sizes 10000,100000] [--repeat 40] [--backends sqlite,postgresql]
                                            [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each size, a database of its own: a SQLite file in a temporary folder, or on PostgreSQL a database
named `fieldcrm_bench_search_<pid>` created on the server of --pg (or FIELDCRM_BENCH_PG) and dropped at
the end; no other database is touched. One rep owns every client (the worst case for a rep), 80 % of them
contacted at some time in the last two years. It prints, per request, the server time through the WSGI
app (routing, auth, queries, template) and the time of the list's query alone, median and p95, then
the growth from the smallest size to the largest. "chips after …" is the fragment a narrowed list loads
after its first page (its status counts), not part of the page's own time.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import bindparam, create_engine, insert, make_url, update  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from fieldcrm import create_app  # noqa: E402
from fieldcrm.accounts import services as accounts  # noqa: E402
from fieldcrm.clients import queries  # noqa: E402
from fieldcrm.clients.models import Client, ContactPerson  # noqa: E402
from fieldcrm.clients.normalise import build_search_text, fold  # noqa: E402
from fieldcrm.clients.services import display_name  # noqa: E402
from fieldcrm.demo.people import REPS, client_data, communes_for  # noqa: E402
from fieldcrm.migrate import upgrade  # noqa: E402
from fieldcrm.timeutil import utcnow  # noqa: E402

PASSWORD = "bench password 2026"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEARCHES = ["dupont", "helene", "06 12", "lyon", "44000", "boulangerie", "contact@", "zzzz-no-match"]
HTMX = {"HX-Request": "true"}
# (label, query string, list_clients arguments)
LISTS = [
    ("list page (full)", "", {}),
    ("sorted by city", "sort=city", {"sort": "city"}),
    ("sorted by last contact", "sort=last_contact", {"sort": "last_contact"}),
    ("sorted by last update", "sort=updated", {"sort": "updated"}),
    ("status filter", "status=client", {"status": "client"}),
    ("status + by city", "status=prospect&sort=city", {"status": "prospect", "sort": "city"}),
    ("not contacted 180 d", "stale=180", {"stale": 180}),
    ("not contacted, by contact", "stale=180&sort=last_contact", {"stale": 180, "sort": "last_contact"}),
    ("next page 5", "page=5", {"page": 5, "counts": False}),
    ("next page 5 by contact", "page=5&sort=last_contact", {"page": 5, "sort": "last_contact", "counts": False}),
]


class OwnDatabase:
    """A database this script creates for one run and drops after it (PostgreSQL), or a SQLite file."""

    def __init__(self, backend: str, pg_url: str, size: int):
        self.backend, self.admin_url = backend, pg_url
        if backend == "sqlite":
            self.url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
            return
        self.name = f"fieldcrm_bench_search_{os.getpid()}_{size}"
        self.url = make_url(pg_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        if self.backend == "postgresql":
            with self._admin() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc) -> None:
        if self.backend == "postgresql":
            with self._admin() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self):
        return create_engine(self.admin_url, isolation_level="AUTOCOMMIT").connect()


def fill_portfolio(app, n_clients: int, seed: int = 7):
    """One rep owning `n_clients` realistic clients (bulk insert, the search column as the app builds it;
    the database's triggers keep the search index and the status counters as for any write)."""
    rng = random.Random(seed)
    engine = app.extensions["fieldcrm.engine"]
    with app.test_request_context(), Session(engine, expire_on_commit=False) as db:
        rep = accounts.create_user(db, email="bench@example.fr", name="Bench Rep", password=PASSWORD)
        pool = communes_for(REPS[0][2] + REPS[2][2] + REPS[3][2])
        now = utcnow()
        for start in range(0, n_clients, 2000):
            cards, people = [], []
            for _ in range(min(2000, n_clients - start)):
                data, contacts = client_data(rng, rng.choice(pool), rep.id, "02")
                data.pop("tags")
                name = display_name(data)
                parts = [data.get(k) for k in ("company_name", "first_name", "last_name", "city", "postal_code",
                                                "email", "sector", "segment")]
                phones = [data.get("phone"), data.get("mobile")]
                for c in contacts:
                    parts += [c["first_name"], c["last_name"], c["email"], c["function"]]
                    phones += [c["mobile"]]
                cards.append({**data, "display_name": name, "sort_name": fold(name)[:220], "created_at": now,
                              "updated_at": now, "search_text": build_search_text(parts, phones)})
                people.append(contacts)
            columns = set().union(*cards)
            ids = db.execute(insert(Client).returning(Client.id, sort_by_parameter_order=True),
                             [{k: card.get(k) for k in columns} for card in cards]).scalars().all()
            rows = [{"client_id": i, **c} for i, contacts in zip(ids, people, strict=True) for c in contacts]
            if rows:
                keys = set().union(*rows)
                db.execute(insert(ContactPerson), [{k: r.get(k) for k in keys} for r in rows])
            db.commit()
    return rep


def timed(fn, repeat: int) -> list[float]:
    """Wall-clock milliseconds of `repeat` calls, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _contacted(app, seed: int = 3) -> None:
    """80 % of the clients contacted some time in the last two years (the list's last-contact sort)."""
    rng, now = random.Random(seed), utcnow()
    engine = app.extensions["fieldcrm.engine"]
    with Session(engine) as db:
        ids = list(db.exec(select(Client.id)).all())
        rows = [{"cid": i, "at": now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))}
                for i in ids if rng.random() < 0.8]
        db.connection().execute(update(Client).where(Client.id == bindparam("cid")).values(last_contact_at=bindparam("at")),
                                rows)
        db.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")


def _median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _p95(samples) -> str:
    median, p95 = _median_p95(samples)
    return f"{median:6.1f} / {p95:6.1f}"


def run(backend: str, size: int, repeat: int, pg_url: str) -> dict[str, float]:
    """Figures for one backend at one size: label -> p95 of the query alone (ms)."""
    logging.disable(logging.INFO)  # the migrations' and logins' lines
    with OwnDatabase(backend, pg_url, size) as url:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE_URL": url,
                          "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
        engine = app.extensions["fieldcrm.engine"]
        upgrade(engine)
        rep = fill_portfolio(app, size)
        _contacted(app)
        http = app.test_client()
        assert http.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
        print(f"\n{backend}, {size:,} clients           request median / p95 ms   query alone median / p95 ms")
        p95s = {}

        def report(label, request, query, n):
            wall = timed(request, n)
            alone = timed(query, n)
            p95s[label] = _median_p95(alone)[1]
            print(f"  {label:<26} {_p95(wall):>20}   {_p95(alone):>24}")

        with app.test_request_context(), Session(engine) as db:
            actor = db.get(type(rep), rep.id)
            for label, qs, kwargs in LISTS:
                url_path = "/clients/rows" if kwargs.get("counts") is False else "/clients"
                report(label, lambda path=f"{url_path}?{qs}": _ok(http.get(path, headers=HTMX)),
                       lambda kw=kwargs: queries.list_clients(db, actor, **kw), repeat)
            turn = {"i": 0}

            def next_search():
                turn["i"] += 1
                return SEARCHES[turn["i"] % len(SEARCHES)]

            report("chips after 'du' (load)", lambda: _ok(http.get("/clients/counts", query_string={"q": "du"},
                                                                headers=HTMX)),
                   lambda: queries.list_counts(db, actor, q="du"), max(3, repeat // 4))
            report("chips after stale (load)", lambda: _ok(http.get("/clients/counts?stale=180", headers=HTMX)),
                   lambda: queries.list_counts(db, actor, stale=180), max(3, repeat // 4))
            report("search (mixed)", lambda: _ok(http.get("/clients", query_string={"q": next_search()},
                                                          headers=HTMX)),
                   lambda: queries.list_clients(db, actor, q=next_search()), repeat * 2)
            for q in ("zzzz-no-match", "lyon", "06 12", "du", "dupont", "contact@"):
                report(f"search {q!r}", lambda q=q: _ok(http.get("/clients", query_string={"q": q}, headers=HTMX)),
                       lambda q=q: queries.list_clients(db, actor, q=q), repeat)
            _print_plans(db, actor)
        engine.dispose()
        return p95s


def _print_plans(db, actor) -> None:
    """The database's plan of a search that matches nothing, of the last-contact sort, of "not contacted
    for" and of a search with many matches (walked in the list's order, see clients/search.py)."""
    sqlite = db.bind.dialect.name == "sqlite"
    for label, kwargs in (("search matching nothing", {"q": "zzzz-no-match"}),
                          ("by last contact", {"sort": "last_contact"}),
                          ("not contacted 180 d by last contact", {"stale": 180, "sort": "last_contact"}),
                          ("search 'du' (walked)", {"q": "du", "walk": True})):
        stmt, _counts, order = queries._listed(actor, kwargs.get("q"), None, kwargs.get("stale"),
                                               kwargs.get("sort", "name"), {}, walk=kwargs.get("walk", False))
        compiled = stmt.with_only_columns(Client.id).order_by(*order).limit(31).compile(db.bind)
        params = tuple(compiled.params[n] for n in compiled.positiontup) if sqlite else compiled.params
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
        plan = db.connection().exec_driver_sql(explain + str(compiled), params).all()
        print(f"  plan, {label}: " + " | ".join(str(row[-1]).strip() for row in plan))


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default=os.environ.get("FIELDCRM_BENCH_PG", DEFAULT_PG),
                        help="a PostgreSQL server URL to create the bench's own database on")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for backend in args.backends.split(","):
        figures = {size: run(backend, size, args.repeat, args.pg) for size in sizes}
        small, large = figures[sizes[0]], figures[sizes[-1]]
        print(f"\n{backend}: growth of the query's p95 from {sizes[0]:,} to {sizes[-1]:,} clients")
        for label in large:
            print(f"  {label:<26} {large[label] / max(small[label], 0.01):5.2f}x")


if __name__ == "__main__":
    main()
