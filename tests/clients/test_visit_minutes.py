"""The client's usual visit duration ("each stop has a visit duration, client default or
global"): edited on the card's form, validated, shown on the card."""

from __future__ import annotations

import pytest
from sqlmodel import select

from fieldcrm.clients.models import Client
from tests.factories import make_client, make_user

VALID = {"kind": "company", "company_name": "Garage du Centre", "status": "client", "country": "FR",
         "postal_code": "69001", "city": "Lyon"}


def test_create_and_edit_the_visit_duration_and_see_it_on_the_card(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    response = http.post("/clients/new", data=dict(VALID, visit_minutes="45"))
    assert response.status_code == 303
    client = db.exec(select(Client)).one()
    assert client.visit_minutes == 45
    card = http.get(response.headers["Location"]).get_data(as_text=True)
    assert "Visit duration" in card and "45\xa0min" in card
    form = http.get(f"/clients/{client.id}/edit").get_data(as_text=True)
    assert 'name="visit_minutes"' in form and 'value="45"' in form
    response = http.post(f"/clients/{client.id}/edit", data=dict(VALID, visit_minutes="90", version=client.version))
    assert response.status_code == 303
    db.expire_all()
    client = db.get(Client, client.id)
    assert client.visit_minutes == 90
    assert "1\xa0h\xa030" in http.get(f"/clients/{client.id}").get_data(as_text=True)
    response = http.post(f"/clients/{client.id}/edit", data=dict(VALID, visit_minutes="", version=client.version))
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Client, client.id).visit_minutes is None  # cleared: the global default applies again
    assert "Visit duration" not in http.get(f"/clients/{client.id}").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["4", "481", "45.5", "une heure", "-30", "1e3"])
def test_a_bad_visit_duration_keeps_the_typing_says_why_and_saves_nothing(app, db, login, typed):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    response = http.post("/clients/new", data=dict(VALID, visit_minutes=typed))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Give the visit duration in whole minutes, from 5 to 480." in body
    assert body.count("Give the visit duration") == 1  # one clear message, not two
    assert f'value="{typed}"' in body and 'aria-invalid="true"' in body
    assert "Garage du Centre" in body
    assert db.exec(select(Client)).all() == []


def test_the_limits_are_accepted_and_the_message_reads_right_in_french(app, db, login):
    rep = make_user(db, locale="fr")
    http = app.test_client()
    login(rep, http=http)
    assert http.post("/clients/new", data=dict(VALID, visit_minutes=" 5 ")).status_code == 303
    assert http.post("/clients/new", data=dict(VALID, company_name="Autre", visit_minutes="480")).status_code == 303
    assert sorted(c.visit_minutes for c in db.exec(select(Client)).all()) == [5, 480]
    body = http.post("/clients/new", data=dict(VALID, visit_minutes="0")).get_data(as_text=True)
    assert "Indiquez la durée de visite en minutes entières, de 5 à 480." in body


def test_edit_by_another_rep_is_404(app, db, login):
    owner, other = make_user(db), make_user(db)
    client = make_client(db, owner, company_name="Privé", visit_minutes=40)
    http = app.test_client()
    login(other, http=http)
    assert http.post(f"/clients/{client.id}/edit", data=dict(VALID, visit_minutes="60")).status_code == 404
    db.expire_all()
    assert db.get(Client, client.id).visit_minutes == 40
