"""Purchases by hand, revenue figures from one query on the card and in the list sort, campaigns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import select

from fieldcrm.sales import queries
from fieldcrm.sales.models import CampaignRecipient, Purchase
from fieldcrm.segments import services as segment_services
from tests.factories import make_client, make_user


def _buy(db, client, amount, day, product=None, family=None):
    db.add(Purchase(client_id=client.id, purchased_on=day, amount=Decimal(amount), product=product,
                    product_family=family))
    db.commit()


def test_purchase_form_with_french_amount_and_date_then_figures_on_the_card(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    shop = make_client(db, rep, company_name="Épicerie")
    login(rep)
    bad = client.post(f"/clients/{shop.id}/purchases/new", data={"purchased_on": "31/02/2026", "amount": "douze"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'value="douze"' in body and "dd/mm/yyyy" in body
    assert db.exec(select(Purchase)).all() == []
    ok = client.post(f"/clients/{shop.id}/purchases/new", data={
        "purchased_on": "05/03/2026", "amount": "1 234,50", "product": "Four à pain", "quantity": "2"})
    assert ok.status_code == 303
    _buy(db, shop, "65.50", date(2026, 6, 1), family="Consommables")
    stats = queries.client_stats(db, shop)
    assert stats.revenue == Decimal("1300.00") and stats.purchase_count == 2
    assert stats.average_basket == Decimal("650.00") and stats.last_purchase_on == date(2026, 6, 1)
    assert stats.products == ["Consommables", "Four à pain"]
    card = client.get(f"/clients/{shop.id}").get_data(as_text=True)
    assert "1,300.00" in card and "650.00" in card and "Four à pain" in card


def test_list_sorts_by_revenue_last_purchase_and_count(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    a, b, c = (make_client(db, rep, company_name=n) for n in ("Aaa", "Bbb", "Ccc"))
    _buy(db, a, "10", date(2026, 9, 1))
    _buy(db, b, "500", date(2026, 1, 1))
    _buy(db, a, "20", date(2026, 2, 1))
    login(rep)

    def order(sort):
        body = client.get("/clients", query_string={"sort": sort}).get_data(as_text=True)
        return sorted(("Aaa", "Bbb", "Ccc"), key=body.index)

    assert order("revenue") == ["Bbb", "Aaa", "Ccc"]  # no purchase last
    assert order("last_purchase") == ["Aaa", "Bbb", "Ccc"]
    assert order("purchases") == ["Aaa", "Bbb", "Ccc"]


def test_campaign_to_a_segment_leaves_out_opposed_clients_and_records_responses(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    ok = make_client(db, rep, company_name="Ok", city="Lyon", email="ok@ex.fr")
    make_client(db, rep, company_name="Opposé", city="Lyon", consents={"email": {"allowed": False}})
    make_client(db, rep, company_name="Refus", city="Lyon", consents={"email": {"allowed": True, "consent": "refused"}})
    make_client(db, rep, company_name="Stop", city="Lyon", do_not_contact=True)
    make_client(db, rep, company_name="Ailleurs", city="Paris")
    sms_ok = make_client(db, rep, company_name="Sms", city="Lyon", consents={"sms": {"allowed": False}})
    with app.test_request_context():
        segment = segment_services.save_segment(db, rep, {"city": "lyon"}, "Lyon", False, "#0f5e6e")
    login(rep)
    response = client.post("/campaigns/new", data={"name": "Printemps", "channel": "email",
                                                   "sent_on": "20/03/2026", "segment_id": str(segment.id)})
    assert response.status_code == 303
    recipients = {r.client_id for r in db.exec(select(CampaignRecipient)).all()}
    assert recipients == {ok.id, sms_ok.id}
    campaign_id = db.exec(select(CampaignRecipient)).first().campaign_id
    answer = client.post(f"/campaigns/{campaign_id}/responses/{ok.id}", data={"response": "bought"},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "<html" not in answer.get_data(as_text=True)
    db.expire_all()
    row = db.exec(select(CampaignRecipient).where(CampaignRecipient.client_id == ok.id)).one()
    assert row.response == "bought" and row.responded_at is not None
    assert "Printemps" in client.get(f"/clients/{ok.id}").get_data(as_text=True)
    export = client.get(f"/campaigns/{campaign_id}/export.csv").data.decode("utf-8-sig")
    assert "Ok" in export and "Sms" in export and "Opposé" not in export and "Stop" not in export
