"""The people's-rights figures on the demo data: the retention dry run, and the audit entries one working
day writes.

    .venv/bin/python bench/privacy_demo.py [--clients-per-rep 80] [--database-url postgresql://…]

Loads the demo (`fieldcrm demo`'s data, default size) into a database of its own, then:
1. the dry run of every retention rule, today and three years and a day later with no contact meanwhile
   (what an admin reads on the retention page: how many, and a sample);
2. one working day, through the app's own pages on a replaceable clock (Monday after the demo): each rep
   signs in at 8:30 (one typo in the morning), opens the cards of an 8-stop day twice each, looks up six
   other cards, corrects one card, sends one vCard, exports one list, signs out at 17:30; each manager
   opens five cards of the team and exports the team's list; the admin reads the trail and produces one
   access export. Prints the entries by action, per user and in a year of 220 such days (what the
   12-month retention of the trail keeps)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from datetime import UTC, datetime, time, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlmodel import Session, func, select  # noqa: E402

from bench.common import bench_app  # noqa: E402
from fieldcrm import timeutil  # noqa: E402
from fieldcrm.accounts.models import AuthEvent, User  # noqa: E402
from fieldcrm.audit.models import AuditEvent  # noqa: E402
from fieldcrm.clients.models import Client  # noqa: E402
from fieldcrm.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from fieldcrm.privacy import retention  # noqa: E402
from fieldcrm.privacy.retention_rules import RULES  # noqa: E402
from tests.formdata import form_data  # noqa: E402

WORKING_DAYS = 220


class Clock:
    """timeutil.now, replaced: the app reads every moment through it."""

    def __init__(self, moment: datetime):
        self.moment = moment
        self.real = timeutil.now
        timeutil.now = lambda: self.moment

    def at(self, day, hour: int, minute: int = 0) -> None:
        self.moment = timeutil.local_datetime(day, time(hour, minute))

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)

    def restore(self) -> None:
        timeutil.now = self.real


def dry_runs(app, db: Session, clock: Clock) -> None:
    start = clock.moment
    for label, moment in (("today", start), ("in 3 years and a day, no contact meanwhile",
                                             start + timedelta(days=3 * 365 + 1))):
        clock.moment = moment
        print(f"\nRetention dry run, {label}:")
        with app.test_request_context():
            for key in RULES:
                run = retention.dry_run(db, key)
                print(f"  {key:15} {run.count:6}  e.g. {'; '.join(run.sample[:2])[:110]}")
    clock.moment = start


def _login(app, user: User, password: str = DEMO_PASSWORD):
    http = app.test_client()
    answer = http.post("/login", data={"email": user.email, "password": password})
    assert answer.status_code in (303, 422), answer.status_code
    return http


def working_day(app, db: Session, clock: Clock) -> None:
    day = timeutil.today() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    audit_before = db.exec(select(func.max(AuditEvent.id))).one() or 0
    auth_before = db.exec(select(func.max(AuthEvent.id))).one() or 0
    users = db.exec(select(User).where(User.active).order_by(User.role, User.id)).all()
    reps = [u for u in users if u.role == "rep"]
    for n, rep in enumerate(reps):
        cards = db.exec(select(Client.id).where(Client.owner_id == rep.id, Client.deleted_at.is_(None))
                        .order_by(Client.id)).all()
        clock.at(day, 8, 30 + n)
        if n == 0:
            _login(app, rep, "typo")
            clock.advance(minutes=1)
        http = _login(app, rep)
        assert http.get("/").status_code in (200, 302)
        stops = cards[:8]
        for i, card in enumerate(stops):  # an 8-stop day: the card before the visit, and again after it
            clock.at(day, 9 + i, 5 + n)
            assert http.get(f"/clients/{card}").status_code == 200
            clock.advance(minutes=40)
            assert http.get(f"/clients/{card}").status_code == 200
        for card in cards[8:14]:  # looked up between stops
            clock.advance(minutes=2)
            assert http.get(f"/clients/{card}").status_code == 200
        clock.at(day, 17, 10 + n)
        action = f"/clients/{stops[0]}/edit"
        data = form_data(http.get(action).get_data(as_text=True), action)
        data["phone"] = f"04 78 00 00 {10 + n:02d}"
        assert http.post(action, data=data).status_code == 303
        assert http.get(f"/clients/{stops[1]}/vcard.vcf").status_code == 200
        assert http.get("/exports/clients.csv?status=client").status_code == 200
        clock.at(day, 17, 30 + n)
        http.post("/logout")
    for n, manager in enumerate(u for u in users if u.role == "manager"):
        clock.at(day, 8, 45 + n)
        http = _login(app, manager)
        team = db.exec(select(Client.id).where(Client.owner_id.in_([r.id for r in reps if r.team_id == manager.team_id]),
                                               Client.deleted_at.is_(None)).order_by(Client.id.desc()).limit(5)).all()
        for card in team:
            clock.advance(minutes=7)
            assert http.get(f"/clients/{card}").status_code == 200
        assert http.get("/exports/clients.csv").status_code == 200
        clock.at(day, 18, n)
        http.post("/logout")
    for admin in (u for u in users if u.role == "admin"):
        clock.at(day, 11, 0)
        http = _login(app, admin)
        assert http.get("/admin/audit").status_code == 200
        person = db.exec(select(Client.id).where(Client.deleted_at.is_(None)).order_by(Client.id)).first()
        assert http.post(f"/clients/{person}/access-export.json").status_code == 200
        http.post("/logout")
    db.expire_all()
    entries = [(e.action, e.actor_id) for e in db.exec(select(AuditEvent).where(AuditEvent.id > audit_before)).all()]
    entries += [(e.event, e.actor_id or e.user_id) for e in db.exec(select(AuthEvent).where(AuthEvent.id > auth_before)).all()]
    by_action = Counter(action for action, _ in entries)
    roles = Counter(u.role for u in users)
    print(f"\nOne working day ({day:%A %d %B %Y}; {roles['rep']} reps, {roles['manager']} managers, "
          f"{roles['admin']} admin): {len(entries)} entries in the trail")
    for action, count in by_action.most_common():
        print(f"  {count:5}  {action}")
    per_user = Counter(actor for _, actor in entries)
    by_role = Counter()
    for user in users:
        by_role[user.role] += per_user.get(user.id, 0)
    print("  per user: " + ", ".join(f"{role} {by_role[role] / roles[role]:.1f}" for role in sorted(roles)))
    print(f"  a year of {WORKING_DAYS} such days: {len(entries) * WORKING_DAYS:,} entries "
          f"({len(entries) * WORKING_DAYS // max(len(users), 1):,} per user)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients-per-rep", type=int, default=80)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    backend = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    with bench_app(backend, args.database_url) as app:
        engine = app.extensions["fieldcrm.engine"]
        clock = Clock(datetime.now(UTC))
        try:
            with Session(engine, expire_on_commit=False) as db:
                with app.test_request_context():
                    load_demo(db, clients_per_rep=args.clients_per_rep)
                clients = db.exec(select(func.count()).select_from(Client)).one()
                print(f"Demo loaded ({backend}): {clients} clients.")
                dry_runs(app, db, clock)
                working_day(app, db, clock)
        finally:
            clock.restore()


if __name__ == "__main__":
    main()
