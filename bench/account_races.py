"""Parallel guesses at a login and parallel user creations against gunicorn (2 workers x 4 threads).

    .venv/bin/python bench/account_races.py [--database-url postgresql://…/db]

Without --database-url: a fresh SQLite file. A PostgreSQL database given here is created and dropped
by the bench (its name starts with fieldcrm_bench_; bench/owndb.py refuses any other). Prints, for each scenario: requests sent, 5xx answers, passwords checked (failures stored)
or the final number of active users. A password checked is an auth event "login_failed" (each
check logs one); the failures stored are what the lock is decided on."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlmodel import Session, func, select  # noqa: E402

from bench import owndb  # noqa: E402
from fieldcrm import create_app  # noqa: E402
from fieldcrm.accounts import services as accounts  # noqa: E402
from fieldcrm.accounts.models import AuthEvent, LoginThrottle, User  # noqa: E402
from fieldcrm.migrate import upgrade  # noqa: E402
from tests.served import in_parallel, serve  # noqa: E402

PASSWORD = "bench password 2026"
LIMIT, MAXIMUM = 5, 50


def prepared_app(url: str):
    app = create_app({"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE_URL": url,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "MAX_ACTIVE_USERS": MAXIMUM})
    engine = app.extensions["fieldcrm.engine"]
    upgrade(engine)
    with app.test_request_context(), Session(engine, expire_on_commit=False) as db:
        for n in range(MAXIMUM - 4):
            accounts.create_user(db, email=f"user{n}@example.fr", name=f"User {n}", password=PASSWORD,
                                 role="admin" if n == 0 else "rep")
    return app


def checks_and_failures(engine, login: str) -> tuple[int, int]:
    with Session(engine) as db:
        checks = db.exec(select(func.count()).select_from(AuthEvent)
                         .where(AuthEvent.login == login, AuthEvent.event == "login_failed")).one()
        stored = db.exec(select(LoginThrottle.failures).where(LoginThrottle.login == login)).first()
    return checks, stored or 0


def guesses(served, login: str, total: int, at_once: int) -> Counter:
    """`total` wrong passwords, `at_once` at a time; the answers' status codes."""
    browsers = served.browsers(at_once, "/login")
    statuses: Counter = Counter()
    for start in range(0, total, at_once):
        batch = min(at_once, total - start)

        def guess(i):
            browser, token = browsers[i]
            return browser.post(served.url + "/login", allow_redirects=False, timeout=60, data={
                "email": login, "password": "not the password", "csrf_token": token}).status_code

        statuses.update(in_parallel(guess, batch))
    return statuses


def creations(served, count: int) -> Counter:
    admin = served.session()
    served.log_in(admin, "user0@example.fr", PASSWORD)
    browsers = served.browsers(count, "/admin/users/new", admin)

    def create(i):
        browser, token = browsers[i]
        return browser.post(served.url + "/admin/users/new", allow_redirects=False, timeout=60, data={
            "csrf_token": token, "name": f"Recrue {i}", "email": f"recrue{i}@example.fr", "role": "rep",
            "team_id": "", "password": "une phrase assez longue"}).status_code

    return Counter(in_parallel(create, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    owndb.add_argument(parser)
    args = parser.parse_args()
    with owndb.own_database(args.database_url, owndb.backend_of(args.database_url)) as url:
        run(url)


def run(url: str) -> None:
    workdir = Path(tempfile.mkdtemp())
    app = prepared_app(url)
    engine = app.extensions["fieldcrm.engine"]
    env = {"FIELDCRM_LOGIN_MAX_ATTEMPTS": str(LIMIT), "FIELDCRM_MAX_ACTIVE_USERS": str(MAXIMUM)}
    print(f"{engine.dialect.name}; lock after {LIMIT} failures; maximum {MAXIMUM} active users")
    with serve(url, workdir, workers=2, threads=4, env=env) as served:
        for label, login, total, at_once in [("30 at once", "user1@example.fr", 30, 30),
                                             ("100, 8 at a time", "user2@example.fr", 100, 8),
                                             ("100, one at a time", "user3@example.fr", 100, 1)]:
            statuses = guesses(served, login, total, at_once)
            fives = sum(n for code, n in statuses.items() if code >= 500)
            checks, stored = checks_and_failures(engine, login)
            print(f"wrong passwords {label:18}: {total} sent, {fives} 5xx, {checks} passwords checked, "
                  f"{stored} failures stored, answers {dict(statuses)}")
        statuses = creations(served, 8)
        with Session(engine) as db:
            active = db.exec(select(func.count()).select_from(User).where(User.active)).one()
        print(f"8 creations at once from {MAXIMUM - 4} active: {dict(statuses)}, {active} active at the end")
    engine.dispose()


if __name__ == "__main__":
    main()
