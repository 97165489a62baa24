"""The access export: one tap gives everything held about a person (card, contacts, consents, logs,
follow-ups, appointments, purchases, campaigns, tours, custom fields, requests, audit entries), as a
JSON file of a documented structure and as a readable French or English page; producing it is audited."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.customfields import services as customfields
from fieldcrm.privacy.access_export import EXPORTED, FORMAT
from fieldcrm.privacy.request_models import PrivacyRequest
from fieldcrm.sales import services as sales
from tests.factories import (
    hand_over,
    in_app_context,
    make_appointment,
    make_client,
    make_followup,
    make_interaction,
    make_tour,
    make_user,
)

SECTIONS = {"format", "version", "generated_at", "generated_by", "organisation", "subject", "card",
            "contact_people", "consents", "consent_history", "interactions", "follow_ups", "appointments",
            "purchases", "campaigns", "tour_visits", "requests", "audit"}


@in_app_context
def _history(db, rep, admin, person):
    """A year of a client's life: a log with a note, a follow-up, an appointment, a purchase, a campaign,
    a tour, a custom field, someone else's merge audit mentioning them."""
    field = customfields.define_field(db, "Allergies au gluten", "text")
    from fieldcrm.clients import services as clients

    clients.update_client(db, rep, person, {}, person.version, custom={field.id: "oui"},
                          consents={"email": {"allowed": True, "consent": "granted", "source": "salon Lyon"}})
    make_interaction(db, rep, person, note="Préfère être appelée le matin")
    make_followup(db, rep, person, date(2026, 12, 10), reason="Rappeler pour la commande")
    make_appointment(db, rep, person, datetime(2026, 12, 11, 9, tzinfo=UTC), place="Boutique")
    sales.add_purchase(db, rep, person, {"purchased_on": date(2026, 5, 2), "amount": Decimal("129.90"),
                                         "product": "Panier garni"})
    sales.create_campaign(db, rep, {"name": "Fêtes 2026", "channel": "email", "sent_on": date(2026, 11, 30)})
    make_tour(db, rep, [person])
    db.add(AuditEvent(action="client.viewed", actor_id=admin.id, subject_id=person.id, payload="{}"))
    db.add(AuditEvent(action="client.updated", actor_id=rep.id, subject_id=person.id,
                      payload=json.dumps({"changes": {"consent_email": ["unknown", "granted"]}})))
    db.commit()


def test_one_tap_json_holds_everything_about_the_person_and_is_audited(app, db, login, client):
    admin, rep = make_user(db, "admin", name="Ada Admin"), make_user(db, "rep", name="Rémi Rep")
    other = make_client(db, rep, company_name="Quelqu'un d'autre", email="autre@example.fr")
    person = make_client(db, rep, kind="person", company_name=None, first_name="Hélène", last_name="Dupré",
                         email="helene@example.fr", postal_code="69001", city="Lyon",
                         contacts=[{"last_name": "Dupré", "first_name": "Marc", "email": "marc@example.fr"}],
                         consents={"sms": {"allowed": True, "consent": "granted", "source": "bon de commande"}})
    _history(db, rep, admin, person)
    heir = make_user(db, "rep", name="Hugo Héritier")
    with app.test_request_context():
        hand_over(db, admin, rep, heir, clients=[person])
    login(admin)
    response = client.post(f"/clients/{person.id}/access-export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert SECTIONS <= set(data) and (data["format"], data["version"]) == (FORMAT, 1)
    assert data["subject"] == {"type": "client", "client_id": person.id, "contact_id": None, "name": "Dupré Hélène"}
    assert data["card"]["email"] == "helene@example.fr" and data["card"]["custom_fields"] == [
        {"label": "Allergies au gluten", "value": "oui"}]
    assert [c["first_name"] for c in data["contact_people"]] == ["Marc"]
    assert [(c["channel"], c["consent"], c["consent_source"]) for c in data["consents"] if c["consent"] == "granted" and c["channel"] == "email"] \
        == [("email", "granted", "salon Lyon")]
    # Each consent with its date, source and author: the one given when the card was made (no audit entry
    # of its own: dated by the consent, credited to the card's creator), the one given through the card
    # (audited with its old and new value), and an older hand-made entry.
    history = data["consent_history"]
    assert [e["action"] for e in history] == ["consent.recorded", "client.updated", "client.updated"]
    assert all(e["at"] and e["by"] == "Rémi Rep" for e in history)
    assert history[0]["consents"] == [{"channel": "sms", "before": None, "after": {
        "allowed": True, "consent": "granted", "source": "bon de commande"}}]
    assert history[1]["consents"] == [{"channel": "email", "before": None, "after": {
        "allowed": True, "consent": "granted", "source": "salon Lyon"}}]
    assert history[2]["consents"] == [{"channel": "email", "before": None, "after": None}]  # no snapshot value
    assert [i["note"] for i in data["interactions"]] == ["Préfère être appelée le matin"]
    assert data["interactions"][0]["author"] == "Rémi Rep"
    assert [f["reason"] for f in data["follow_ups"]] == ["Rappeler pour la commande"]
    assert [a["place"] for a in data["appointments"]] == ["Boutique"]
    assert [(p["product"], p["amount"]) for p in data["purchases"]] == [("Panier garni", "129.90")]
    assert [c["name"] for c in data["campaigns"]] == ["Fêtes 2026"]
    assert [t["day"] for t in data["tour_visits"]] == ["2026-11-23"]
    actions = [e["action"] for e in data["audit"]]
    assert {"client.viewed", "client.updated"} <= set(actions) and actions[-1] == EXPORTED
    assert data["audit"][actions.index("client.viewed")]["by"] == "Ada Admin"
    handed = data["audit"][actions.index("client.handed_over")]
    assert (handed["by"], handed["details"]) == ("Ada Admin", {"from": "Rémi Rep", "to": "Hugo Héritier"})
    # Nothing of anyone else.
    assert "autre@example.fr" not in response.get_data(as_text=True)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == EXPORTED)).one()
    assert (event.actor_id, event.subject_id, json.loads(event.payload)["format"]) == (admin.id, person.id, "json")
    assert other.id != person.id


def test_a_contact_person_gets_only_what_is_about_them(app, db, login, client):
    admin, rep = make_user(db, "admin"), make_user(db, "rep")
    company = make_client(db, rep, company_name="Boulangerie Hélène", email="contact@boulangerie.fr",
                          contacts=[{"last_name": "Dupré", "first_name": "Marc", "email": "marc@example.fr"},
                                    {"last_name": "Martin", "first_name": "Zoé", "email": "zoe@example.fr"}])
    from fieldcrm.clients.queries import contacts_of

    marc, zoe = contacts_of(db, company)
    from fieldcrm.clients import services as clients

    clients.update_client(db, rep, company, {}, company.version,
                          consents={"email": {"allowed": False, "consent": "refused", "source": "appel du standard"}})
    make_interaction(db, rep, company, note="Vu Marc au comptoir", contact_id=marc.id)
    make_interaction(db, rep, company, note="Zoé absente", contact_id=zoe.id)
    login(admin)
    data = json.loads(client.post(f"/clients/{company.id}/access-export.json", data={"contact_id": marc.id}).data)
    assert data["subject"]["type"] == "contact_person" and data["subject"]["name"] == "Marc Dupré"
    assert [c["email"] for c in data["contact_people"]] == ["marc@example.fr"]
    assert [i["note"] for i in data["interactions"]] == ["Vu Marc au comptoir"]
    assert data["card"]["company_name"] == "Boulangerie Hélène" and "email" not in data["card"]
    # The company's channel choices decide whether Marc is contacted at work: given, with their history
    # reduced to the consents (the change of the company's card is not his).
    assert [(c["channel"], c["allowed"], c["consent"]) for c in data["consents"]] == [("email", False, "refused")]
    assert [(e["action"], e["details"], [c["channel"] for c in e["consents"]]) for e in data["consent_history"]] \
        == [("client.updated", {}, ["email"])]
    assert "zoe@example.fr" not in json.dumps(data) and "Zoé" not in json.dumps(data)
    assert [c["last_name"] for c in data["contact_people"]] == ["Dupré"]
    # A contact of another card is 404.
    other = make_client(db, rep, contacts=[{"last_name": "Ailleurs"}])
    foreign = contacts_of(db, other)[0]
    assert client.post(f"/clients/{company.id}/access-export.json", data={"contact_id": foreign.id}).status_code == 404


def test_an_access_request_leads_to_the_readable_page_in_french_or_english(app, db, login, client):
    admin, rep = make_user(db, "admin", locale="en"), make_user(db, "rep")
    person = make_client(db, rep, kind="person", company_name=None, first_name="Hélène", last_name="Dupré",
                         consents={"email": {"allowed": True, "consent": "granted", "source": "salon de Lyon"}})
    make_interaction(db, rep, person, note="Préfère le matin")
    from fieldcrm.clients import services as clients

    clients.update_client(db, rep, person, {"city": "Lyon"}, person.version)
    login(admin)
    client.post(f"/privacy/requests/new?client={person.id}", data={"kind": "access", "received_on": "01/12/2026"})
    item = db.exec(select(PrivacyRequest)).one()
    page = client.get(f"/privacy/requests/{item.id}").get_data(as_text=True)
    assert f"/clients/{person.id}/access-export" in page and f'name="request_id" value="{item.id}"' in page
    french = client.post(f"/clients/{person.id}/access-export", data={"request_id": item.id, "lang": "fr"})
    body = french.get_data(as_text=True)
    assert french.status_code == 200 and 'lang="fr"' in body
    assert "Vos données personnelles" in body and "Préfère le matin" in body and "Interactions et notes" in body
    # Read as words: the consent's history (when, who, how), and the trail's entries with their labels.
    assert "Consentement enregistré" in body and "salon de Lyon" in body
    assert "Fiche modifiée — Ville : ∅ → Lyon" in body and "Export du droit d’accès — format=html" in body
    document = body[body.index('id="access-export"'):body.index("</article>")]
    assert "client.updated" not in document and "{&#34;" not in document and '{"' not in document
    english = client.post(f"/clients/{person.id}/access-export", data={"request_id": item.id, "lang": "en"})
    assert "Your personal data" in english.get_data(as_text=True)
    db.expire_all()
    assert db.get(PrivacyRequest, item.id).status == "in_progress"
    formats = [json.loads(e.payload) for e in db.exec(select(AuditEvent).where(AuditEvent.action == EXPORTED)
                                                        .order_by(AuditEvent.id)).all()]
    assert formats == [{"format": "html", "request_id": item.id}] * 2
    # A GET never produces it.
    assert client.get(f"/clients/{person.id}/access-export").status_code == 405
