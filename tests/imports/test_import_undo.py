"""An import saves in short transactions yet stays all or nothing: failed or cancelled half-way through
the save, everything it wrote is undone (created rows gone, updated cards back as they were)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from fieldcrm.clients import services as client_services
from fieldcrm.clients.models import Client, CustomFieldDef, CustomFieldValue
from fieldcrm.imports import runner, services
from fieldcrm.imports.models import ImportJob, ImportRow
from fieldcrm.imports.undo import JOURNAL_DAYS, forget_old_journals, undo_import
from fieldcrm.sales.models import Purchase
from tests.factories import make_client, make_user

TABLES = ("client", "client_tag", "tag", "custom_field_value", "purchase")
ROWS = 3 * runner.WRITE_BATCH + 50  # the save commits three batches before its last rows


@pytest.fixture
def rep(db):
    return make_user(db, "rep", locale="en")


@pytest.fixture
def cards(db, rep):
    """Three cards the file updates (new city, a new tag, a new custom value), one it leaves alone."""
    field = CustomFieldDef(key="potentiel", label="Potentiel")
    db.add(field)
    db.commit()
    made = [make_client(db, rep, company_name=f"Salon {n}", email=f"salon{n}@ex.fr", city="Lyon",
                        postal_code="69001", tags=["fidèle"]) for n in range(3)]
    made.append(make_client(db, rep, company_name="Cave", email="cave@ex.fr", city="Nantes"))
    db.add(CustomFieldValue(client_id=made[0].id, field_id=field.id, value="A"))
    db.commit()
    return made


def _csv(rows: int) -> bytes:
    lines = ["Raison sociale;E-mail;CP;Ville;Mots-clés;Potentiel"]
    lines += [f"Salon {n};salon{n}@ex.fr;75011;Paris;salon-2026;B" for n in range(3)]
    lines += [f"Boutique {i};boutique{i}@ex.fr;33000;Bordeaux;nouveau;C" for i in range(rows - 3)]
    return "\n".join(lines).encode("utf-8")


def _snapshot(db: Session) -> dict[str, list]:
    """Every row of the tables an import writes, as a user of the database would compare them."""
    db.expire_all()
    return {table: sorted(map(tuple, db.execute(text(f"SELECT * FROM {table}")).all()), key=repr)
            for table in TABLES}


def _start(client, db, data: bytes, kind: str = "clients") -> ImportJob:
    client.post("/imports", data={"file": (io.BytesIO(data), "fichier.csv"), "kind": kind},
                content_type="multipart/form-data")
    db.expire_all()
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = {f"col-{i}": target for i, target in json.loads(job.mapping).items()}
    if kind == "clients":
        form["col-5"] = "custom:potentiel"
    client.post(f"/imports/{job.id}/mapping", data={**form, "action": "run"})
    db.expire_all()
    return db.get(ImportJob, job.id)


def _on_third_batch(monkeypatch, app, action, after_commit=False):
    """Run `action` when the save reaches its third batch (before or after committing it), after
    checking that the first two batches are really committed (seen from another connection)."""
    real, calls, seen = runner._commit_batch, {"n": 0}, {}

    def commit_batch(engine, db, writer, job, saved_rows, held):
        calls["n"] += 1
        if calls["n"] == 3:
            with Session(engine) as other:
                seen["clients"] = len(other.exec(select(Client.id)).all())
                seen["purchases"] = len(other.exec(select(Purchase.id)).all())
            if not after_commit:
                action(engine, db, writer, job)
        real(engine, db, writer, job, saved_rows, held)
        if calls["n"] == 3 and after_commit:
            action(engine, db, writer, job)

    monkeypatch.setattr(runner, "_commit_batch", commit_batch)
    return seen


def test_a_save_failing_in_its_third_batch_leaves_the_database_as_before(app, db, login, client, rep, cards,
                                                                         monkeypatch):
    before = _snapshot(db)

    def fail(engine, db, writer, job):
        writer.flush()  # the third batch is in the transaction when the disk fills up
        raise RuntimeError("disk full")

    seen = _on_third_batch(monkeypatch, app, fail)
    login(rep)
    job = _start(client, db, _csv(ROWS))
    assert seen["clients"] >= len(cards) + 2 * runner.WRITE_BATCH - 3  # two batches were committed
    assert job.status == "failed"
    assert _snapshot(db) == before  # created clients, tags, values gone; the cards as they were
    salon = db.exec(select(Client).where(Client.email == "salon0@ex.fr")).one()
    assert (salon.city, salon.postal_code, salon.version) == ("Lyon", "69001", cards[0].version)
    assert db.exec(select(ImportRow)).all() == []
    assert "Nothing was imported" in client.get(f"/imports/{job.id}").get_data(as_text=True)


def test_a_cancel_during_the_save_undoes_what_was_saved(app, db, login, client, rep, cards, monkeypatch):
    before = _snapshot(db)

    def cancel(engine, _db, _writer, job):
        with Session(engine) as other:  # the rep presses "Cancel the import" on the progress page
            assert services.request_cancel(other, other.get(ImportJob, job.id))

    seen = _on_third_batch(monkeypatch, app, cancel, after_commit=True)
    login(rep)
    job = _start(client, db, _csv(ROWS))
    assert seen["clients"] > len(cards)
    assert job.status == "cancelled"
    assert _snapshot(db) == before
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Import cancelled: nothing was imported." in page


def test_a_purchases_import_failing_half_way_adds_no_purchase(app, db, login, client, rep, monkeypatch):
    make_client(db, rep, company_name="Garage", email="garage@ex.fr")
    before = _snapshot(db)
    seen = _on_third_batch(monkeypatch, app, lambda *args: (_ for _ in ()).throw(RuntimeError("crash")))
    lines = ["E-mail;Date d'achat;Montant HT;N° facture"]
    lines += [f"garage@ex.fr;05/03/2026;{i},50;F-{i}" for i in range(ROWS)]
    login(rep)
    job = _start(client, db, "\n".join(lines).encode(), kind="purchases")
    assert seen["purchases"] == 2 * runner.WRITE_BATCH
    assert job.status == "failed"
    assert _snapshot(db) == before


def test_a_finished_import_can_be_undone_and_keeps_a_later_edit(app, db, login, client, rep, cards):
    """The journal stays after a finished import (for a later "undo this import"): undoing it removes the
    created clients and restores the cards, except a value someone changed since the import."""
    login(rep)
    job = _start(client, db, _csv(10))
    assert job.status == "done" and (job.created_count, job.updated_count) == (7, 3)
    edited = db.exec(select(Client).where(Client.email == "salon1@ex.fr")).one()
    edited.city = "Lyon 2e"  # a colleague corrects the city after the import
    edited.version += 1
    db.add(edited)
    db.commit()
    with app.app_context():
        assert undo_import(db, job).undone > 0
    db.expire_all()
    by_email = {c.email: c for c in db.exec(select(Client)).all()}
    assert sorted(by_email) == ["cave@ex.fr", "salon0@ex.fr", "salon1@ex.fr", "salon2@ex.fr"]
    assert (by_email["salon0@ex.fr"].city, by_email["salon0@ex.fr"].postal_code) == ("Lyon", "69001")
    assert (by_email["salon1@ex.fr"].city, by_email["salon1@ex.fr"].postal_code) == ("Lyon 2e", "69001")
    values = db.exec(select(CustomFieldValue.client_id, CustomFieldValue.value)).all()
    assert values == [(cards[0].id, "A")]
    page = client.get("/clients?q=salon").get_data(as_text=True)
    assert "Salon 0" in page and "salon-2026" not in page


def test_while_it_saves_the_import_page_offers_to_cancel_and_says_rows_appear(app, db, login, client, rep):
    login(rep)
    client.post("/imports", data={"file": (io.BytesIO(_csv(5)), "fichier.csv")}, content_type="multipart/form-data")
    job = db.exec(select(ImportJob)).one()
    job.status, job.processed_rows = "saving", 2
    db.add(job)
    db.commit()
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Cancel the import" in page and "The rows appear in your lists as they are saved" in page
    rep.locale = "fr"
    db.add(rep)
    db.commit()
    french = app.test_client()
    login(rep, http=french)
    page = french.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Annuler l" in page and "Les lignes apparaissent dans vos listes" in page
    assert client.post(f"/imports/{job.id}/cancel").status_code == 303
    db.expire_all()
    assert db.get(ImportJob, job.id).cancel_requested


def test_the_journal_of_a_finished_import_is_forgotten_after_the_undo_period(app, db, login, client, rep, cards):
    login(rep)
    job = _start(client, db, _csv(10))
    entries = len(db.exec(select(ImportRow).where(ImportRow.import_id == job.id)).all())
    assert entries == 7 + 2 + 3  # clients and tags ("nouveau", "salon-2026") created, cards updated
    assert forget_old_journals(db, job.finished_at + timedelta(days=JOURNAL_DAYS - 1)) == 0
    assert forget_old_journals(db, job.finished_at + timedelta(days=JOURNAL_DAYS + 1)) == entries
    assert db.exec(select(ImportRow)).all() == []
    assert len(db.exec(select(Client)).all()) == len(cards) + 7  # the clients themselves stay


def test_erasing_an_imported_client_takes_its_journal_entries_with_it(app, db, login, client, rep, cards):
    """What the journal holds about an erased person goes with the card: an undo later finds nothing of it."""
    login(rep)
    job = _start(client, db, _csv(10))
    updated = db.exec(select(Client).where(Client.email == "salon1@ex.fr")).one()
    created = db.exec(select(Client).where(Client.email == "boutique0@ex.fr")).one()
    with app.app_context():
        for card in (updated, created):
            assert client_services.purge_client(db, card.id)
            db.commit()
    about = select(ImportRow).where(ImportRow.table_name == "client", ImportRow.row_id.in_([updated.id, created.id]))
    assert db.exec(about).all() == []
    with app.app_context():
        undo_import(db, job)
    db.expire_all()
    assert {c.email for c in db.exec(select(Client)).all()} == {"cave@ex.fr", "salon0@ex.fr", "salon2@ex.fr"}
