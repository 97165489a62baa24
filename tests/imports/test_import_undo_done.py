"""A finished import can be taken back for 30 days: the cards it updated get their previous values, the
cards it created go, except those on which something was logged since (kept, and said)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.imports import services
from fieldcrm.imports.models import ImportJob
from fieldcrm.timeutil import utcnow
from fieldcrm.visits.models import Interaction
from tests.factories import make_client, make_interaction, make_user
from tests.imports.helpers import run_file

FILE = ("Raison sociale;Contact;Fonction;E-mail;Ville;Téléphone\n"
        "Salon Rose;Mme Léa Petit;Gérante;rose@ex.fr;Lyon;04 78 00 00 01\n"
        "Bar Neuf;M. Paul Roy;Patron;neuf@ex.fr;Paris;\n"
        "Épicerie Fine;;;fine@ex.fr;Nantes;\n").encode()


def test_undoing_a_finished_import_restores_removes_and_keeps_cards_with_history(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    rose = make_client(db, rep, company_name="Salon Rose", email="rose@ex.fr", city=None)
    login(rep)
    job = run_file(client, db, FILE)
    assert job.status == "done" and (job.created_count, job.updated_count) == (2, 1)
    db.expire_all()
    assert db.get(Client, rose.id).city == "Lyon"  # an empty field filled
    assert len(db.exec(select(ContactPerson)).all()) == 2
    bar = db.exec(select(Client).where(Client.company_name == "Bar Neuf")).one()
    make_interaction(db, rep, bar, note="Première visite")  # logged since the import

    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Undo this import" in page
    summary = client.get(f"/imports/{job.id}/undo").get_data(as_text=True)
    assert "1 card it created will be deleted" in summary
    assert "1 card it updated will get its previous values back" in summary
    assert "1 card it created will be kept" in summary
    assert db.get(ImportJob, job.id).status == "done"  # a GET never writes

    response = client.post(f"/imports/{job.id}/undo")
    assert response.status_code == 303
    db.expire_all()
    assert db.get(ImportJob, job.id).status == "undone"
    assert db.get(Client, rose.id).city is None and db.get(Client, rose.id).version == 1
    names = sorted(c.company_name for c in db.exec(select(Client)).all())
    assert names == ["Bar Neuf", "Salon Rose"]  # the épicerie went; the bar stays with its visit
    assert db.exec(select(Interaction).where(Interaction.client_id == bar.id)).one().note == "Première visite"
    assert [p.last_name for p in db.exec(select(ContactPerson)).all()] == ["Roy"]  # the bar's, kept with it
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Import undone" in page and "1 card it created was kept" in page
    assert client.post(f"/imports/{job.id}/undo").status_code == 303  # a second click changes nothing
    db.expire_all()
    assert db.get(ImportJob, job.id).status == "undone"


def test_an_import_older_than_30_days_can_no_longer_be_undone(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    login(rep)
    job = run_file(client, db, FILE)
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(finished_at=utcnow() - timedelta(days=31)))
    db.commit()
    assert "Undo this import" not in client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "can no longer be undone" in client.get(f"/imports/{job.id}/undo").get_data(as_text=True)
    client.post(f"/imports/{job.id}/undo")
    db.expire_all()
    assert db.get(ImportJob, job.id).status == "done" and len(db.exec(select(Client)).all()) == 3


def test_another_rep_cannot_undo_an_import(app, db, login, client):
    rep, other = make_user(db, "rep", locale="en"), make_user(db, "rep", locale="en")
    login(rep)
    job = run_file(client, db, FILE)
    http = app.test_client()
    login(other, http=http)
    assert http.get(f"/imports/{job.id}/undo").status_code == 404
    assert http.post(f"/imports/{job.id}/undo").status_code == 404
    db.expire_all()
    assert db.get(ImportJob, job.id).status == "done"


def test_two_undo_requests_at_once_take_the_import_back_once(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    login(rep)
    job = run_file(client, db, FILE)
    engine = app.extensions["fieldcrm.engine"]
    barrier, answers = threading.Barrier(4), []

    def press_undo() -> None:
        with app.test_request_context(), Session(engine) as own:
            mine = own.get(ImportJob, job.id)
            barrier.wait()
            answers.append(services.request_undo(own, mine))

    threads = [threading.Thread(target=press_undo) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == [False, False, False, True]
    db.expire_all()
    assert db.get(ImportJob, job.id).status == "undone" and db.exec(select(Client)).all() == []
