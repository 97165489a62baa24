"""Sending a day's queued actions on reconnect: 50 actions (follow-ups made, tour stops done, cards
corrected) queued in Chromium's outbox while offline, then the network returns. Prints the time from
"online" to an empty queue, and checks nothing was lost nor done twice — also after the same 50 are
sent a second time (the phone did not hear the answers) and by two tabs at once.

Target: 50 actions sent in ≤ 5 s, zero lost, zero duplicated.

    .venv/bin/python bench/offline_queue.py [--actions 50] [--tabs 2] [--database-url postgresql://…/own_db]

A PostgreSQL database given is emptied first: give one of its own, never a shared one.

The app is served by gunicorn (2 workers × 4 threads) as in production; the phone is headless Chromium
at 360 px.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from fieldcrm import create_app, timeutil  # noqa: E402
from fieldcrm.accounts import services as accounts  # noqa: E402
from fieldcrm.clients import services as clients  # noqa: E402
from fieldcrm.clients.models import Client  # noqa: E402
from fieldcrm.migrate import upgrade  # noqa: E402
from fieldcrm.tours import services as tours  # noqa: E402
from tests.served import serve  # noqa: E402

PASSWORD = "bench password 2026"

# As actions.js queues a form: an id of its own, the page's address, the form's fields.
QUEUE = """(entries) => entries.map((e) => {
  const entry = Object.assign({ uid: e.uid || crypto.randomUUID(), action: true, at: Date.now() }, e);
  window.FieldCRMOutbox.put(entry);
  return entry;
})"""


def prepare(database_url: str, count: int):
    """A rep with `count` clients and today's tour through a third of them; the queued actions."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench" * 8, "DATABASE_URL": database_url,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
    engine = app.extensions["fieldcrm.engine"]
    if engine.dialect.name == "postgresql":  # a database of its own, emptied first (as bench/common.py does)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(engine)
    with app.test_request_context(), Session(engine, expire_on_commit=False) as db:
        rep = accounts.create_user(db, email="bench@example.fr", name="Bench Rep", password=PASSWORD)
        for i in range(count):
            clients.create_client(db, rep, {"kind": "company", "company_name": f"Client {i}", "status": "client",
                                            "country": "FR", "owner_id": rep.id, "tags": [], "city": "Lyon",
                                            "phone": f"+3347800{i:04d}"})
        people = list(db.exec(select(Client).order_by(Client.id)).all())
        third = count // 3
        tour = tours.tour_for_day(db, rep, timeutil.today())
        tours.add_stops(db, rep, tour, people[:third])
        stops = [stop for stop, _c in tours.stops_of(db, tour)]
    due = (date.today() + timedelta(days=2)).isoformat()
    actions = [{"url": f"/tours/{tour.id}/stops/{s.id}/state", "body": "state=done", "name": "stop"}
               for s in stops]
    for c in people[third:2 * third]:
        actions.append({"url": f"/clients/{c.id}/correct", "name": "correction",
                        "body": f"version={c.version}&seen_phone={c.phone or ''}&phone=0612345678"
                                .replace("+", "%2B")})
    for c in people[len(actions):count]:
        actions.append({"url": f"/clients/{c.id}/followups/new", "name": "follow-up",
                        "body": f"due_date={due}&reason=Bench+{c.id}&assignee_id={rep.id}"})
    return app, rep, actions, tour.id


def counts(app, tour_id: int) -> dict:
    engine = app.extensions["fieldcrm.engine"]
    with engine.connect() as conn:
        one = lambda sql, **p: conn.execute(text(sql), p).scalar()  # noqa: E731
        return {
            "stops done": one("select count(*) from tour_stop where tour_id = :t and state = 'done'", t=tour_id),
            "phones corrected": one("select count(*) from client where phone = '+33612345678'"),
            "follow-ups": one("select count(*) from follow_up where reason like 'Bench %'"),
            "follow-ups twice": one("select count(*) from (select reason from follow_up where reason like "
                                    "'Bench %' group by reason having count(*) > 1) twice"),
            "actions recorded": one("select count(*) from queued_action"),
        }


def send_on_reconnect(context, page, entries) -> tuple[float, list, int]:
    """Queue `entries` offline, then reconnect: seconds until the queue is empty, the entries as
    queued (with their ids), and how many were left."""
    context.set_offline(True)
    queued = page.evaluate(QUEUE, entries)
    start = time.perf_counter()
    context.set_offline(False)  # the "online" event: both tabs send the queue at once
    page.wait_for_function("() => window.FieldCRMQueue.size() === 0", timeout=120_000, polling=20)
    return time.perf_counter() - start, queued, page.evaluate("window.FieldCRMQueue.size()")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--tabs", type=int, default=2, help="tabs open on the app, all sending the queue")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app, rep, actions, tour_id = prepare(url, args.actions)
    with serve(url, workdir) as served, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                      locale="fr-FR")
        answers: dict[int, int] = {}
        context.on("response", lambda r: r.request.method == "POST" and answers.update(
            {r.status: answers.get(r.status, 0) + 1}))
        page = context.new_page()
        page.goto(served.url + "/login")
        page.fill("#email", rep.email)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        page.goto(served.url + "/agenda/today")
        for _ in range(args.tabs - 1):
            context.new_page().goto(served.url + "/agenda/today")

        first, queued, left = send_on_reconnect(context, page, actions)
        after_first = counts(app, tour_id)
        # The same actions again (the answers were lost on the way): answered from the server's record.
        again, _same, _left = send_on_reconnect(context, page, queued)
        after_again = counts(app, tour_id)
        browser.close()
    third = args.actions // 3
    expected = {"stops done": third, "phones corrected": third, "follow-ups": args.actions - 2 * third,
                "follow-ups twice": 0, "actions recorded": args.actions}
    print(f"{args.actions} queued actions ({third} stops done, {third} corrections, "
          f"{args.actions - 2 * third} follow-ups) on {url.split(':')[0]}, gunicorn 2×4, Chromium 360 px, "
          f"{args.tabs} tab(s)")
    print(f"  online -> queue empty: {first:.2f} s (target ≤ 5 s)   left in queue: {left}")
    print(f"  the same {len(queued)} sent again: {again:.2f} s")
    lost = {k: expected[k] - v for k, v in after_first.items() if k != "follow-ups twice" and v < expected[k]}
    twice = {k: v - expected[k] for k, v in after_again.items() if v > expected[k]}
    print(f"  after sending: {after_first}")
    print(f"  answers: {dict(sorted(answers.items()))} (503: the database was busy, sent again later)")
    print(f"  lost: {sum(lost.values())} {lost or ''}   duplicated: {sum(twice.values())} {twice or ''}")


if __name__ == "__main__":
    main()
