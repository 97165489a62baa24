"""The register of requests: due one calendar month after receipt, statuses with a reason to refuse,
overdue ones first, linked to the card, erased with it; admins only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.privacy.request_models import PrivacyRequest
from fieldcrm.privacy.requests import due_date
from tests.factories import make_client, make_user


@pytest.mark.parametrize("received, due", [
    (date(2026, 1, 15), date(2026, 2, 15)),
    (date(2026, 1, 31), date(2026, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 20), date(2027, 1, 20)),
])
def test_the_answer_is_due_one_calendar_month_after_receipt(received, due):
    assert due_date(received) == due


def _new(http, **data):
    return http.post("/privacy/requests/new" + (f"?client={data.pop('client')}" if "client" in data else ""),
                     data=data)


def test_an_admin_records_requests_and_sees_the_overdue_ones_first(app, db, login, client, monkeypatch):
    admin, rep = make_user(db, "admin", locale="en"), make_user(db, "rep")
    card = make_client(db, rep, kind="person", company_name=None, first_name="Jean", last_name="Moulin")
    monkeypatch.setattr(timeutil, "now", lambda: timeutil.day_start(date(2026, 12, 4)) + timedelta(hours=10))
    login(admin)
    assert _new(client, kind="access", received_on="01/10/2026", client=card.id).status_code == 303
    assert _new(client, kind="opposition", received_on="20/11/2026", person_name="Anne Autre").status_code == 303
    assert _new(client, kind="erasure", received_on="02/09/2026", person_name="Paul Plus-Vieux").status_code == 303
    late, recent, older = (db.exec(select(PrivacyRequest).where(PrivacyRequest.kind == k)).one()
                           for k in ("access", "opposition", "erasure"))
    assert (late.client_id, late.person_name, late.due_on, late.status) == (card.id, "Moulin Jean", date(2026, 11, 1), "received")
    page = client.get("/privacy/requests").get_data(as_text=True)
    # Overdue first, the oldest due first; then the one still in time.
    assert page.index("Paul Plus-Vieux") < page.index("Moulin Jean") < page.index("Anne Autre")
    assert "overdue since" in page
    # Closing one moves it after the open ones.
    assert client.post(f"/privacy/requests/{older.id}/status", data={"status": "done"}).status_code == 303
    page = client.get("/privacy/requests").get_data(as_text=True)
    assert page.index("Moulin Jean") < page.index("Anne Autre") < page.index("Paul Plus-Vieux")


def test_bad_input_is_refused_with_a_message_and_nothing_saved(app, db, login, client, monkeypatch):
    admin = make_user(db, "admin", locale="en")
    login(admin)
    response = _new(client, kind="access", received_on="31/02/2026", person_name="Typed Name")
    assert response.status_code == 422 and "Enter a date as dd/mm/yyyy." in response.get_data(as_text=True)
    assert 'value="Typed Name"' in response.get_data(as_text=True)
    tomorrow = (timeutil.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    assert _new(client, kind="access", received_on=tomorrow, person_name="X").status_code == 422
    response = _new(client, kind="access", received_on="01/12/2026")
    assert response.status_code == 422 and "Name the person" in response.get_data(as_text=True)
    assert db.exec(select(PrivacyRequest)).all() == []
    _new(client, kind="rectification", received_on="01/12/2026", person_name="Léa")
    item = db.exec(select(PrivacyRequest)).one()
    response = client.post(f"/privacy/requests/{item.id}/status", data={"status": "refused", "refusal_reason": " "})
    assert response.status_code == 422 and "Give the reason for the refusal" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(PrivacyRequest, item.id).status == "received"
    assert client.post(f"/privacy/requests/{item.id}/status",
                       data={"status": "refused", "refusal_reason": "Identity not proven"}).status_code == 303
    db.expire_all()
    refused = db.get(PrivacyRequest, item.id)
    assert (refused.status, refused.refusal_reason) == ("refused", "Identity not proven")
    assert refused.closed_at is not None and refused.closed_by_id == admin.id


def test_an_erasure_request_leads_to_the_erasure_and_the_register_keeps_no_name(app, db, login, client):
    admin, rep = make_user(db, "admin", locale="en"), make_user(db, "rep")
    card_id = make_client(db, rep, company_name="Cave Castagné").id
    login(admin)
    _new(client, kind="erasure", received_on="01/12/2026", client=card_id)
    item = db.exec(select(PrivacyRequest)).one()
    page = client.get(f"/privacy/requests/{item.id}").get_data(as_text=True)
    assert f"/clients/{card_id}/erase" in page
    assert client.post(f"/clients/{card_id}/erase", data={"confirm": "yes"}).status_code == 303
    client.get("/clients")  # the flash naming who was erased is shown there
    db.expire_all()
    item = db.get(PrivacyRequest, item.id)
    assert (item.status, item.client_id, item.person_name) == ("done", card_id, "[effacé]")
    assert "Cave" not in client.get("/privacy/requests").get_data(as_text=True)
    assert "erased" in client.get(f"/privacy/requests/{item.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_reps_and_managers_get_404_on_every_screen(app, db, login, client, role):
    admin, user = make_user(db, "admin"), make_user(db, role)
    card = make_client(db, user)
    login(admin)
    _new(client, kind="access", received_on="01/12/2026", client=card.id)
    item = db.exec(select(PrivacyRequest)).one()
    client.post("/logout")
    login(user)
    for url in ("/privacy/requests", "/privacy/requests/new", f"/privacy/requests/{item.id}",
                f"/privacy/requests/new?client={card.id}", "/privacy/notice", "/privacy/organisation",
                f"/clients/{card.id}/object"):
        assert client.get(url).status_code == 404, url
    for url in (f"/privacy/requests/{item.id}/status", f"/clients/{card.id}/access-export",
                f"/clients/{card.id}/access-export.json", f"/clients/{card.id}/object", "/privacy/requests/new"):
        assert client.post(url, data={"status": "done", "confirm": "yes", "kind": "access",
                                      "received_on": "01/12/2026", "person_name": "X"}).status_code == 404, url
    db.expire_all()
    assert db.get(PrivacyRequest, item.id).status == "received"
    assert len(db.exec(select(PrivacyRequest)).all()) == 1
    card_page = client.get(f"/clients/{card.id}").get_data(as_text=True)
    assert "access-export" not in card_page and "/object" not in card_page
