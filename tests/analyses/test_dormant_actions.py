"""Dormant clients in one tap: follow-ups in bulk (due date, prefilled reason, each client's owner, no second
open follow-up) and stops on a tour of a chosen day — never outside the actor's portfolio."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.followups.models import FollowUp
from fieldcrm.sales.models import Purchase
from fieldcrm.tours.models import Tour, TourStop
from tests.factories import make_client, make_followup, portfolio_world


def _today(app):
    return timeutil.local_now().date()


@pytest.fixture
def world(app, db):
    w = portfolio_world(db)
    old = date(2020, 1, 1)
    w["a2"] = make_client(db, w["rep_a"], company_name="Épicerie Zoé")
    for key in ("client_a", "a2", "client_b", "client_c"):
        db.add(Purchase(client_id=w[key].id, purchased_on=old, amount=Decimal("100")))
    db.commit()
    return w


def _followups(db):
    db.expire_all()
    return {(f.client_id, f.assignee_id, f.due_date, f.reason, f.status)
            for f in db.exec(select(FollowUp)).all()}


def test_the_dormant_page_prefills_the_bulk_actions(app, world, login, client):
    login(world["rep_a"])
    page = client.get("/analyses/dormant?months=12").get_data(as_text=True)
    assert "2 clients without a purchase for 12 months" in page
    assert "No purchase for 12 months: win the client back" in page  # the reason, prefilled
    assert page.count('name="client_id"') >= 2 and 'checked' in page
    due = (_today(app) + timedelta(days=7)).isoformat()
    assert f'value="{due}"' in page and 'type="date" name="day"' in page
    assert "Garage Bernard" not in page and "Cave" not in page  # other portfolios
    assert "dormant.js" in page and "style=" not in page


def test_follow_ups_in_bulk_go_to_each_owner_once(app, db, world, login, client):
    manager = world["manager_a"]
    a, a2, b = world["client_a"], world["a2"], world["client_b"]
    make_followup(db, world["rep_a"], a2, date(2030, 1, 1), reason="Déjà prévu")  # already open: no second one
    due = _today(app) + timedelta(days=3)
    login(manager)
    response = client.post("/analyses/dormant/followups", data={
        "list": "no_purchase", "months": "12", "client_id": [str(a.id), str(a2.id), str(b.id)],
        "due_date": due.isoformat(), "reason": "Relancer : pas d'achat depuis un an"})
    assert response.status_code == 303 and "/analyses/dormant" in response.headers["Location"]
    assert _followups(db) == {
        (a2.id, world["rep_a"].id, date(2030, 1, 1), "Déjà prévu", "open"),
        (a.id, world["rep_a"].id, due, "Relancer : pas d'achat depuis un an", "open"),  # to the client's owner
        (b.id, world["rep_b"].id, due, "Relancer : pas d'achat depuis un an", "open"),
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 follow-ups created" in page and "1 client already had an open follow-up" in page
    # Tapping again changes nothing: every one of them now has an open follow-up.
    client.post("/analyses/dormant/followups", data={
        "list": "no_purchase", "client_id": [str(a.id), str(b.id)], "due_date": due.isoformat(), "reason": "x"})
    assert len(_followups(db)) == 3


def test_a_client_outside_the_portfolio_spoils_the_lot(app, db, world, login, client):
    login(world["rep_a"])
    due = (_today(app) + timedelta(days=1)).isoformat()
    for url, extra in (("/analyses/dormant/followups", {"due_date": due, "reason": "x"}),
                       ("/analyses/dormant/tour", {"day": due})):
        response = client.post(url, data={"list": "no_purchase", **extra,
                                          "client_id": [str(world["client_a"].id), str(world["client_b"].id)]})
        assert response.status_code == 404
    assert _followups(db) == set()
    assert db.exec(select(TourStop)).all() == [] and db.exec(select(Tour)).all() == []


def test_bad_input_keeps_the_ticks_and_says_why(app, db, world, login, client):
    login(world["rep_a"])
    a, a2 = world["client_a"], world["a2"]
    response = client.post("/analyses/dormant/followups", data={
        "list": "no_purchase", "months": "12", "client_id": [str(a2.id)], "due_date": "2001-01-01", "reason": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The due date cannot be in the past." in page and "Say why the client is to be followed up." in page
    refused = page[page.index('name="list" value="no_purchase"'):]
    refused = refused[:refused.index("</form>")]
    assert f'value="{a2.id}" checked' in refused and f'value="{a.id}" checked' not in refused  # the user's ticks
    assert 'value="2001-01-01"' in refused and 'aria-invalid="true"' in refused  # what the user typed
    other_list = page[page.index('name="list" value="no_contact"'):]
    assert f'value="{a.id}" checked' in other_list  # the other list is as it was
    nothing = client.post("/analyses/dormant/followups", data={"list": "no_purchase", "due_date": "2030-01-01",
                                                               "reason": "x"})
    assert nothing.status_code == 422 and "Tick at least one client." in nothing.get_data(as_text=True)
    bad_day = client.post("/analyses/dormant/tour", data={"list": "no_contact", "client_id": [str(a.id)],
                                                          "day": "demain"})
    assert bad_day.status_code == 422 and "Enter the day of the tour." in bad_day.get_data(as_text=True)
    assert _followups(db) == set() and db.exec(select(Tour)).all() == []


def test_dormant_clients_join_the_tour_of_the_chosen_day(app, db, world, login, client):
    rep = world["rep_a"]
    a, a2 = world["client_a"], world["a2"]
    day = _today(app) + timedelta(days=2)
    login(rep)
    response = client.post("/analyses/dormant/tour", data={"list": "no_purchase", "client_id": [str(a.id)],
                                                           "day": day.isoformat()})
    assert response.status_code == 303
    tour = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == day)).one()
    assert response.headers["Location"].endswith(f"/tours/{tour.id}")
    response = client.post("/analyses/dormant/tour", data={"list": "no_purchase", "client_id": [str(a.id), str(a2.id)],
                                                           "day": day.isoformat()})
    db.expire_all()
    stops = db.exec(select(TourStop.client_id).where(TourStop.tour_id == tour.id).order_by(TourStop.position)).all()
    assert list(stops) == [a.id, a2.id]  # no stop twice
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 client added to the tour of" in page and "1 client was already on that tour." in page


def test_too_many_for_one_day_adds_nothing(app, db, login, client, monkeypatch):
    from fieldcrm.tours import services as tours

    monkeypatch.setattr(tours, "MAX_TOUR_STOPS", 1)
    w = portfolio_world(db)
    extra = make_client(db, w["rep_a"], company_name="Second")
    login(w["rep_a"])
    response = client.post("/analyses/dormant/tour", data={
        "list": "no_contact", "client_id": [str(w["client_a"].id), str(extra.id)],
        "day": (_today(app) + timedelta(days=1)).isoformat()})
    assert response.status_code == 422 and "at most 1 stops" in response.get_data(as_text=True)
    assert db.exec(select(Tour)).all() == []


def test_analyses_read_as_whole_french_sentences(app, db, login, client):
    from tests.factories import make_user

    rep = make_user(db, "rep", locale="fr")
    one = make_client(db, rep, company_name="Seul client", phone="+33478000001")
    make_client(db, rep, company_name="Sans téléphone")
    db.add(Purchase(client_id=one.id, purchased_on=date(2020, 1, 1), amount=Decimal("100")))
    db.commit()
    login(rep)
    page = client.get("/analyses").get_data(as_text=True)
    assert "50\xa0% sans téléphone (1 fiche)" in page and "100\xa0% absentes de la carte (2 fiches)" in page
    assert "1 client sur 1 fait 80\xa0% de votre chiffre d" in page and "100\xa0% des clients" in page
    dormant = client.get("/analyses/dormant?months=1").get_data(as_text=True)
    assert "1 client sans achat depuis 1 mois" in dormant and "Aucun achat depuis 1 mois\xa0: reconquérir le client" in dormant
    assert "2 clients sans contact depuis 90 jours" in dormant and "Créer les relances" in dormant
