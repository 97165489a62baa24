"""The audit trail: what a working day writes to it, the admin's screen with its filters and CSV, views
recorded at most once per user, card and hour (also under parallel requests)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.audit.models import AuditEvent
from fieldcrm.handover import services as handover_services
from fieldcrm.handover.models import HandOver
from tests.factories import PASSWORD, hand_over, logged_in_http, make_client, make_user
from tests.formdata import form_data
from tests.served import in_parallel, serve

MORNING = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 8:30 in Paris


@pytest.fixture
def clock(monkeypatch):
    moment = {"now": MORNING}
    monkeypatch.setattr(timeutil, "now", lambda: moment["now"])

    def advance(**delta):
        moment["now"] += timedelta(**delta)

    return advance


def trail(db) -> list[tuple]:
    db.expire_all()
    return [(e.action, e.actor_id, e.subject_id, json.loads(e.payload))
            for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def _client_form(http, client_id: int, **changes) -> dict:
    """The card's edit form as the browser would send it, with the rep's changes."""
    action = f"/clients/{client_id}/edit"
    data = form_data(http.get(action).get_data(as_text=True), action)
    data.update(changes)
    return data


def test_a_reps_working_day_in_the_trail(app, db, clock, capsys):
    """Log in (after one typo), open cards, correct one, export, delete and restore, hand over: each step
    leaves one line, and opening the same card all morning leaves one line an hour."""
    rep, admin = make_user(db, "rep", name="Rémi Rep"), make_user(db, "admin", name="Ada Admin")
    heir = make_user(db, "rep", name="Hugo Heir")
    bakery = make_client(db, rep, company_name="Boulangerie Hélène", email="helene@example.fr",
                         postal_code="69001", city="Lyon")
    garage = make_client(db, rep, company_name="Garage Bernard", status="prospect")
    http = app.test_client()
    assert http.post("/login", data={"email": rep.email, "password": "wrong"}).status_code == 422
    clock(minutes=1)
    assert http.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 303
    for _ in range(3):  # the morning: the card opened again and again
        assert http.get(f"/clients/{bakery.id}").status_code == 200
        clock(minutes=10)
    assert http.get(f"/clients/{garage.id}").status_code == 200
    clock(hours=1)
    assert http.get(f"/clients/{bakery.id}").status_code == 200  # an hour later: a new line
    clock(minutes=5)
    edited = http.post(f"/clients/{bakery.id}/edit", data=_client_form(
        http, bakery.id, email="contact@boulangerie-helene.fr", city="Villeurbanne", postal_code="69100"))
    assert edited.status_code == 303, edited.data[:300]
    clock(minutes=5)
    assert http.get("/exports/clients.csv?q=boulangerie&status=client").status_code == 200
    clock(minutes=5)
    assert http.get(f"/clients/{bakery.id}/vcard.vcf").status_code == 200
    clock(minutes=5)
    assert http.post(f"/clients/{garage.id}/delete").status_code == 303
    clock(minutes=1)
    assert http.post(f"/clients/{garage.id}/restore").status_code == 303
    clock(hours=7)
    http.post("/logout")
    clock(minutes=5)
    boss = logged_in_http(app, admin)
    clock(minutes=5)
    assert boss.get("/admin/users").status_code == 200
    with app.test_request_context():
        hand_over(db, admin, rep, heir)  # what the hand-over's confirmation does

    entries = trail(db)
    actions = [a for a, *_ in entries]
    assert actions == ["client.viewed", "client.viewed", "client.viewed", "client.updated", "export.list",
                       "client.exported", "client.deleted", "client.restored"]
    [change] = [p for a, _u, _s, p in entries if a == "client.updated"]
    assert change["changes"] == {"city": ["Lyon", "Villeurbanne"], "postal_code": ["69001", "69100"],
                                 "email": ["helene@example.fr", "contact@boulangerie-helene.fr"]}
    [export] = [p for a, _u, _s, p in entries if a == "export.list"]
    assert export == {"list": "clients", "q": "boulangerie", "status": "client", "format": "csv", "rows": 1}
    assert {u for _a, u, _s, _p in entries} == {rep.id}

    # The admin's screen shows those and the logins, the failure and the hand-over, newest first.
    page = boss.get("/admin/audit").get_data(as_text=True)
    for label in ("Card viewed", "Card changed", "List exported", "vCard exported", "Card deleted",
                  "Card restored", "Login", "Failed login", "Logout", "Portfolio handed over"):
        assert label in page, label
    assert "helene@example.fr → contact@boulangerie-helene.fr" in page
    assert "Rémi Rep → Hugo Heir: 2" in page
    listing = boss.get("/admin/audit", query_string={"user": rep.id, "client": bakery.id}).get_data(as_text=True)
    assert listing.count("<tr>") == 1 + 4  # the header, two views (8:31 and 10:01), the change, the vCard
    # Read for one card, the trail also says who handed it to whom (from the hand-over's journal), and
    # an undo; the whole trail keeps one line per hand-over, with its size.
    with app.test_request_context():
        handover_services.undo(db, admin, db.exec(select(HandOver)).one())
    about_bakery = boss.get("/admin/audit", query_string={"client": bakery.id}).get_data(as_text=True)
    assert ">Card handed over</td>" in about_bakery and ">Hand-over undone</td>" in about_bakery
    assert "Rémi Rep → Hugo Heir" in about_bakery and "Hugo Heir → Rémi Rep" in about_bakery
    assert about_bakery.count("<tr>") == 1 + 6  # 2 views, the change, the vCard, handed over and back
    whole = boss.get("/admin/audit").get_data(as_text=True)
    assert ">Card handed over</td>" not in whole and whole.count(">Portfolio handed over</td>") == 1
    handed = boss.get("/admin/audit", query_string={"client": bakery.id, "action": "client.handed_over",
                                                    "user": admin.id}).get_data(as_text=True)
    assert handed.count("<tr>") == 1 + 1
    only_logins = boss.get("/admin/audit", query_string={"action": "login_failed"}).get_data(as_text=True)
    assert ">Failed login</td>" in only_logins and ">Card viewed</td>" not in only_logins
    with capsys.disabled():  # the day as the admin reads it (see the report)
        print("\n--- a rep's working day in the audit trail ---")
        exported = boss.get("/admin/audit.csv").data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(exported), delimiter=";"))[1:]
        for row in reversed(rows):
            print(" | ".join(row))
        print("--- entries by action ---")
        for action, count in Counter(row[2] for row in rows).most_common():
            print(f"{count:3}  {action}")
    by_action = Counter(row[2] for row in rows)
    assert by_action["Card viewed"] == 3 and by_action["Login"] == 2 and by_action["Failed login"] == 1
    assert sum(by_action.values()) == len(rows) == len(entries) + len(
        [r for r in rows if r[2] in ("Login", "Failed login", "Logout", "Portfolio handed over", "User created")])


def test_views_are_kept_to_one_per_user_card_and_hour(app, db, clock):
    rep = make_user(db, "rep")
    card = make_client(db, rep)
    http = logged_in_http(app, rep)
    for minutes in (0, 20, 20, 15):  # 8:30, 8:50, 9:10 (the next hour), 9:25
        clock(minutes=minutes)
        assert http.get(f"/clients/{card.id}", headers={"HX-Request": "true"}).status_code == 200
    assert [a for a, *_ in trail(db)] == ["client.viewed", "client.viewed"]


def test_dates_in_the_filters_follow_the_users_day_and_a_bad_date_is_said(app, db, clock):
    admin = make_user(db, "admin")
    card = make_client(db, admin)
    http = logged_in_http(app, admin)
    http.get(f"/clients/{card.id}")
    body = http.get("/admin/audit", query_string={"from": "2026-11-23", "to": "2026-11-23"}).get_data(as_text=True)
    assert ">Card viewed</td>" in body
    later = http.get("/admin/audit", query_string={"from": "2026-11-24"}).get_data(as_text=True)
    assert ">Card viewed</td>" not in later
    answer = http.get("/admin/audit", query_string={"from": "23/11/2026"})
    assert answer.status_code == 200 and "is not a date" in answer.get_data(as_text=True)


def test_the_csv_of_the_trail_is_formula_safe(app, db, clock):
    admin = make_user(db, "admin")
    card = make_client(db, admin, company_name='=HYPERLINK("http://evil.example","x")')
    http = logged_in_http(app, admin)
    http.get(f"/clients/{card.id}")
    response = http.get("/admin/audit.csv", query_string={"client": card.id})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][3].startswith("'=HYPERLINK")
    assert len(rows) == 2


def test_the_trail_pages_by_fifty_with_htmx(app, db, clock):
    admin = make_user(db, "admin")
    cards = [make_client(db, admin, company_name=f"Carte {i:02d}") for i in range(55)]
    http = logged_in_http(app, admin)
    for card in cards:
        http.get(f"/clients/{card.id}")
    first = http.get("/admin/audit", query_string={"action": "client.viewed"}).get_data(as_text=True)
    assert first.count("Card viewed") == 50 + 1  # fifty rows and the filter's option
    second = http.get("/admin/audit", query_string={"action": "client.viewed", "page": 2},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.count("Card viewed") == 5 and "<html" not in second and "Carte 00" in second


@pytest.mark.fault
def test_parallel_openings_of_a_card_write_one_view(database_url, tmp_path, db):
    rep = make_user(db, "rep")
    card = make_client(db, rep)
    with serve(database_url, tmp_path, workers=2, threads=4) as served:
        http = served.session()
        assert served.log_in(http, rep.email, PASSWORD).status_code == 303
        browsers = served.browsers(8, "/clients", http)
        answers = in_parallel(lambda i: browsers[i][0].get(f"{served.url}/clients/{card.id}", timeout=60), 8)
        log = served.log()
    assert {a.status_code for a in answers} == {200}
    assert "Traceback" not in log
    views = db.exec(select(AuditEvent).where(AuditEvent.action == "client.viewed")).all()
    assert [(v.actor_id, v.subject_id) for v in views] == [(rep.id, card.id)]
