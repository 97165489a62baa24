"""Worker CPU per request of the row-heavy pages: the client list (30 rows) and its next page, Today,
the follow-ups and today's tour, on the demo data; then a cProfile of the list page, summed by layer
(templates, Jinja, SQLAlchemy, Babel, Flask/Werkzeug, the app) and the costliest functions.

    .venv/bin/python bench/page_cpu.py [DATABASE_URL] [--clients-per-rep 150] [--repeat 100] [--top 20]

DATABASE_URL (argument, or PAGE_CPU_DATABASE_URL): `sqlite:////tmp/x.sqlite3` or
`postgresql+psycopg://postgres@127.0.0.1:5432/bench_pages`. The bench creates that database, loads the
demo into it, runs VACUUM ANALYZE, measures, and drops it; it refuses a database (or file) that already
exists, so it never touches one it did not create. Without one: a throw-away SQLite file.

Requests go through Flask's test client in this process, one at a time: the CPU time is the worker's
own (routing, SQL building and reading, templates, compression off — the test client asks for none).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import logging
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldcrm import create_app  # noqa: E402
from fieldcrm.db import session_scope  # noqa: E402
from fieldcrm.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from fieldcrm.migrate import upgrade  # noqa: E402

PAGES = {  # name -> (path, what counts as a row in the answer)
    "list (30 rows)": ("/clients", 'class="client-row'),
    "list, next page (htmx)": ("/clients/rows?page=2", 'class="client-row'),
    "today": ("/", "<li"),
    "follow-ups": ("/followups", "<li"),
    "tour of the day": ("/tours/today", "<li"),
}
LAYERS = [("templates", re.compile(r"^templates/|\.html$")), ("jinja2", re.compile(r"/jinja2/")),
          ("sqlalchemy", re.compile(r"/sqlalchemy/|/sqlmodel/")), ("database driver", re.compile(r"sqlite3|psycopg")),
          ("babel", re.compile(r"/babel/|/flask_babel/")), ("flask/werkzeug", re.compile(r"/flask|/werkzeug/")),
          ("fieldcrm", re.compile(r"/fieldcrm/"))]


@contextlib.contextmanager
def own_database(url: str | None):
    """Create the database at `url` (refusing one that exists), yield its URL, drop it afterwards."""
    if not url:
        with tempfile.TemporaryDirectory(prefix="fieldcrm-page-cpu-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or path.exists():
            sys.exit(f"{path} exists (or no file named): the bench only uses a database it creates.")
        try:
            yield url
        finally:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        return
    name = parsed.database
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if conn.execute(text("select 1 from pg_database where datname = :n"), {"n": name}).first():
            sys.exit(f"The database {name!r} exists: the bench only uses a database it creates (and drops).")
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def build_app(url: str, clients_per_rep: int):
    app = create_app({"SECRET_KEY": "page-cpu-bench-secret-key-0123456789", "DATABASE_URL": url,
                      "FIELDCRM_DEMO": True, "GEOCODER_CHAIN": "offline", "WTF_CSRF_ENABLED": False,
                      # no job consumer in this process: it would share the CPU being measured, and
                      # outlive the database the bench drops
                      "JOBS_WORKER": "external"})
    logging.getLogger().setLevel(logging.WARNING)
    engine = app.extensions["fieldcrm.engine"]
    upgrade(engine)
    with app.app_context(), session_scope() as db:
        logins = load_demo(db, clients_per_rep=clients_per_rep)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    rep = sorted(email for email, role in logins.items() if role == "rep")[0]
    return app, rep


def measure(http, path: str, repeat: int, headers: dict) -> tuple[float, float]:
    """Median worker CPU and wall-clock milliseconds of one request."""
    for _ in range(5):  # warm the template and translation caches
        http.get(path, headers=headers)
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        http.get(path, headers=headers)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def layer_of(filename: str) -> str:
    for name, pattern in LAYERS:
        if pattern.search(filename):
            return name
    return "other (stdlib…)"


def profile(http, path: str, repeat: int, top: int) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU, not wall: other processes share the cores
    profiler.enable()
    for _ in range(repeat):
        http.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_layer: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        by_layer[layer_of(filename)] = by_layer.get(layer_of(filename), 0.0) + own
    total = sum(by_layer.values())
    print(f"\ncProfile of {path}: own CPU time by layer (ms per request, profiler overhead included)")
    for name, seconds in sorted(by_layer.items(), key=lambda item: -item[1]):
        print(f"  {name:<18} {seconds * 1000 / repeat:7.2f}  {seconds / total:5.0%}")
    print("\nCostliest functions (own CPU time, ms per request; calls per request):")
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), (_cc, calls, own, cum, _callers) in rows:
        where = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        print(f"  {own * 1000 / repeat:6.2f}  cum {cum * 1000 / repeat:6.2f}  x{calls / repeat:<7.0f} {name} ({where}:{line})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", nargs="?", default=os.environ.get("PAGE_CPU_DATABASE_URL"))
    parser.add_argument("--clients-per-rep", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    with own_database(args.database_url) as url:
        app, email = build_app(url, args.clients_per_rep)
        http = app.test_client()
        login = http.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        if login.status_code != 303:
            sys.exit(f"Login as {email} failed: HTTP {login.status_code}")
        print(f"{make_url(url).get_backend_name()}, demo data ({args.clients_per_rep} clients per rep), "
              f"logged in as {email}; median of {args.repeat} requests\n")
        print(f"  {'page':<24} {'rows':>5} {'KiB':>5} {'CPU ms':>7} {'wall ms':>8}")
        for name, (path, row_marker) in PAGES.items():
            headers = {"HX-Request": "true"} if "htmx" in name else {}
            body = http.get(path, headers=headers).get_data(as_text=True)
            cpu, wall = measure(http, path, args.repeat, headers)
            print(f"  {name:<24} {body.count(row_marker):>5} {len(body.encode()) / 1024:>5.0f} {cpu:>7.2f} {wall:>8.2f}")
        profile(http, "/clients", max(20, args.repeat // 2), args.top)
        app.extensions["fieldcrm.engine"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
