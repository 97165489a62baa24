"""Weak keys at import: the same phone, or the same name in the same postal code, never merges a row into
a card; the card is created and the pair is stored among the probable duplicates (not only recomputed by
the duplicates screen), and goes when the import is undone."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fieldcrm.clients.models import Client
from fieldcrm.dedupe.models import QueuedPair
from fieldcrm.imports.undo import undo_import
from tests.factories import make_client, make_user
from tests.imports.helpers import run_file

FILE = ("Raison sociale;CP;Ville;Tél.\n"
        "Boulangerie Martin SARL;69001;Lyon;\n"  # same name (legal form aside), same postal code
        "Agence Sud;13001;Marseille;04 78 00 00 01\n"  # the switchboard of a card in Lyon, another name
        "Cave du Port;44000;Nantes;02 40 00 00 07\n"  # the same number as the next row, same town
        "Cave du Port Annexe;44000;Nantes;02 40 00 00 07\n"
        "Fleurs Rose;33000;Bordeaux;\n").encode()


@pytest.fixture
def rep(db):
    return make_user(db, "rep", locale="en")


def _names(db, pair: QueuedPair) -> set[str]:
    return {db.get(Client, pair.first_id).display_name, db.get(Client, pair.second_id).display_name}


def test_weak_keys_create_the_card_and_queue_the_pair_for_the_duplicates_screen(app, db, login, client, rep):
    martin = make_client(db, rep, company_name="Boulangerie Martin", postal_code="69001", city="Lyon")
    make_client(db, rep, company_name="Siège Martin", postal_code="69002", city="Lyon", phone="+33478000001")
    login(rep)
    job = run_file(client, db, FILE)
    assert job.status == "done" and (job.created_count, job.updated_count) == (5, 0)  # nothing merged
    pairs = db.exec(select(QueuedPair).order_by(QueuedPair.id)).all()
    assert {frozenset(_names(db, p)) | {p.reason} for p in pairs} == {
        frozenset({"Boulangerie Martin", "Boulangerie Martin SARL", "name"}),
        frozenset({"Cave du Port", "Cave du Port Annexe", "phone"})}
    assert all(p.import_id == job.id for p in pairs)
    assert db.get(Client, martin.id).company_name == "Boulangerie Martin"  # never overwritten
    # The duplicates screen lists the stored pairs, with their reason.
    page = client.get("/duplicates").get_data(as_text=True)
    assert "Boulangerie Martin SARL" in page and "Cave du Port Annexe" in page

    with app.app_context():
        undo_import(db, job)
    db.expire_all()
    assert db.exec(select(QueuedPair)).all() == []  # the created cards took their pairs with them
