"""The information notice with the organisation's details, in French and English, printable; and on
each card when and how the person was informed."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from fieldcrm.clients.models import Client
from fieldcrm.clients.settings import OrgSettings
from tests.factories import make_client, make_user

ORG = {"org_name": "Vins Castagné SARL", "org_address": "12 rue des Vignes\n69001 Lyon",
       "org_email": "donnees@castagne.fr", "org_phone": "04 78 00 00 00", "org_siren": "732829320",
       "dpo_contact": "Claire Dupont, dpo@castagne.fr"}


def test_the_notice_prints_the_organisations_details_in_french_and_english(app, db, login, client):
    admin = make_user(db, "admin", locale="en")
    login(admin)
    page = client.get("/privacy/notice").get_data(as_text=True)
    assert "missing the organisation" in page or "Il manque" in page  # nothing filled in yet
    response = client.post("/privacy/organisation", data={**ORG, "org_email": "not an address"})
    assert response.status_code == 422 and "This email address is not valid." in response.get_data(as_text=True)
    assert 'value="Vins Castagné SARL"' in response.get_data(as_text=True)  # the typing is kept
    assert db.exec(select(OrgSettings)).first() is None or db.exec(select(OrgSettings)).first().org_name is None
    assert client.post("/privacy/organisation", data=ORG).status_code == 303
    french = client.get("/privacy/notice?lang=fr").get_data(as_text=True)
    for text in ("Vins Castagné SARL", "12 rue des Vignes", "donnees@castagne.fr", "732829320", "Claire Dupont",
                 "Comment nous utilisons vos données personnelles", "CNIL", 'lang="fr"'):
        assert text in french, text
    assert "Il manque" not in french
    english = client.get("/privacy/notice?lang=en").get_data(as_text=True)
    assert "How we use your personal data" in english and "donnees@castagne.fr" in english
    # The notice's details also head the access export.
    card = make_client(db, make_user(db, "rep"))
    body = client.post(f"/clients/{card.id}/access-export", data={"lang": "en"}).get_data(as_text=True)
    assert "held by Vins Castagné SARL" in body and "donnees@castagne.fr" in body


def test_the_card_shows_and_records_when_the_person_was_informed(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    card = make_client(db, rep)
    version = card.version
    login(rep)
    assert "Not yet informed" in client.get(f"/clients/{card.id}").get_data(as_text=True)
    response = client.post(f"/clients/{card.id}/informed", data={"informed_on": "45/12/2026",
                                                                  "informed_channel": "email"})
    assert response.status_code == 422 and "Enter a date as dd/mm/yyyy." in response.get_data(as_text=True)
    assert client.post(f"/clients/{card.id}/informed", data={"informed_on": "02/12/2026",
                                                              "informed_channel": "carrier pigeon"}).status_code == 422
    db.expire_all()
    assert db.get(Client, card.id).informed_on is None
    assert client.post(f"/clients/{card.id}/informed", data={"informed_on": "02/12/2026",
                                                              "informed_channel": "email"}).status_code == 303
    db.expire_all()
    saved = db.get(Client, card.id)
    assert (saved.informed_on, saved.informed_channel, saved.version) == (date(2026, 12, 2), "email", version)
    page = client.get(f"/clients/{card.id}").get_data(as_text=True)
    assert "Informed of how their data is used on Dec 2, 2026 (By email)" in page
    # Reps see the notice on the card, not the admin's rights actions.
    assert "access-export" not in page
    # Another rep cannot reach it.
    other = make_user(db, "rep")
    client.post("/logout")
    login(other)
    assert client.post(f"/clients/{card.id}/informed", data={"informed_on": "01/12/2026",
                                                              "informed_channel": "post"}).status_code == 404
