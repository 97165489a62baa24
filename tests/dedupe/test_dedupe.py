"""Duplicates of each kind found with their reason; merge moves every history row; undo restores all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import ChannelConsent, Client, ClientTag, ContactPerson
from fieldcrm.dedupe import queries, services
from fieldcrm.sales.models import Purchase
from tests.factories import make_client, make_user, portfolio_world


def _pairs(db, actor):
    return {(p.first.display_name, p.second.display_name): (p.score, p.reasons)
            for p in queries.find_duplicates(db, actor)}


def test_each_kind_of_duplicate_is_found_with_its_reason(app, db):
    rep = make_user(db, "rep", locale="en")
    make_client(db, rep, company_name="Alpha SARL", siret="73282932000074")
    make_client(db, rep, company_name="Alpha (siège)", siret="73282932000074")
    make_client(db, rep, company_name="Bravo", email="contact@bravo.fr")
    make_client(db, rep, company_name="Bravo Distribution", email="contact@bravo.fr")
    make_client(db, rep, company_name="Charlie", phone="+33478000001")
    make_client(db, rep, company_name="Chez Charlie", mobile="+33478000001")
    make_client(db, rep, company_name="Boulangerie Dupont", postal_code="69001")
    make_client(db, rep, company_name="Boulangerie Dupond", postal_code="69001")
    make_client(db, rep, company_name="Boulangerie Dupont", postal_code="13001")  # other town: no
    make_client(db, rep, company_name="Garage Martin", postal_code="69001")  # not similar: no
    with app.test_request_context():
        pairs = _pairs(db, rep)
    assert set(pairs) == {("Alpha SARL", "Alpha (siège)"), ("Bravo", "Bravo Distribution"),
                          ("Charlie", "Chez Charlie"), ("Boulangerie Dupont", "Boulangerie Dupond")}
    assert pairs[("Alpha SARL", "Alpha (siège)")] == (100, ["same SIRET"])
    assert pairs[("Bravo", "Bravo Distribution")][1] == ["same email"]
    assert pairs[("Charlie", "Chez Charlie")][1] == ["same phone"]
    score, reasons = pairs[("Boulangerie Dupont", "Boulangerie Dupond")]
    assert reasons == ["similar name, same postal code"] and 80 <= score < 90


def test_duplicates_never_cross_portfolios(app, db):
    world = portfolio_world(db)
    make_client(db, world["rep_c"], company_name="Copie", phone="+33478000001")  # same phone as client_a
    with app.test_request_context():
        assert queries.find_duplicates(db, world["rep_a"]) == []
        assert len(queries.find_duplicates(db, world["admin"])) == 1


def _history(db, client_id):
    return {
        "contacts": sorted(c.id for c in db.exec(select(ContactPerson).where(ContactPerson.client_id == client_id))),
        "purchases": sorted(p.id for p in db.exec(select(Purchase).where(Purchase.client_id == client_id))),
        "tags": sorted(t.tag_id for t in db.exec(select(ClientTag).where(ClientTag.client_id == client_id))),
        "consents": sorted((c.channel, c.id) for c in db.exec(
            select(ChannelConsent).where(ChannelConsent.client_id == client_id))),
    }


def test_merge_moves_every_history_row_and_undo_restores_them_exactly(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    keep = make_client(db, rep, company_name="Dupont", phone="+33478000001", postal_code="69001",
                       tags=["bio", "vip"], contacts=[{"last_name": "Martin"}],
                       consents={"email": {"allowed": True, "consent": "granted"}})
    dup = make_client(db, rep, company_name="Dupont SARL", email="dupont@ex.fr", postal_code="69001",
                      tags=["vip", "pain"], contacts=[{"last_name": "Durand"}, {"last_name": "Petit"}],
                      consents={"email": {"allowed": False, "consent": "refused"},
                                "sms": {"allowed": True, "consent": "granted"}})
    for amount in ("10.00", "25.50"):
        db.add(Purchase(client_id=dup.id, purchased_on=date(2026, 3, 1), amount=Decimal(amount)))
    db.add(Purchase(client_id=keep.id, purchased_on=date(2026, 2, 1), amount=Decimal("5")))
    db.commit()
    before_keep, before_dup = _history(db, keep.id), _history(db, dup.id)

    login(rep)
    page = client.get(f"/duplicates/{keep.id}/{dup.id}").get_data(as_text=True)
    assert "Dupont SARL" in page and "dupont@ex.fr" in page
    response = client.post(f"/duplicates/{keep.id}/{dup.id}",
                           data={"action": "merge", "f-company_name": "mine", "f-email": "other"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/clients/{keep.id}")
    db.expire_all()
    merged = db.get(Client, keep.id)
    assert merged.company_name == "Dupont" and merged.email == "dupont@ex.fr" and merged.phone == "+33478000001"
    assert db.get(Client, dup.id).deleted_at is not None
    after = _history(db, keep.id)
    assert after["contacts"] == sorted(before_keep["contacts"] + before_dup["contacts"])
    assert after["purchases"] == sorted(before_keep["purchases"] + before_dup["purchases"])
    assert len(after["tags"]) == 3  # bio, vip, pain: the shared "vip" is not doubled
    assert [c for c, _ in after["consents"]] == ["email", "sms"]  # the survivor's email consent stays
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "merge")).one()
    assert event.subject_id == keep.id and event.other_id == dup.id and event.actor_id == rep.id
    assert "durand" in merged.search_text

    card = client.get(f"/clients/{keep.id}").get_data(as_text=True)
    assert "Undo" in card
    assert client.post(f"/merges/{event.id}/undo").status_code == 303
    db.expire_all()
    assert _history(db, keep.id) == before_keep and _history(db, dup.id) == before_dup
    restored = db.get(Client, keep.id)
    assert restored.email is None and restored.company_name == "Dupont"
    assert db.get(Client, dup.id).deleted_at is None
    assert db.get(AuditEvent, event.id).undone_at is not None
    # A second undo is refused with a message, nothing changes.
    client.post(f"/merges/{event.id}/undo")
    assert _history(db, keep.id) == before_keep


def test_undo_is_refused_once_the_card_was_edited(app, db):
    rep = make_user(db, "rep")
    a = make_client(db, rep, company_name="A", siret="73282932000074")
    b = make_client(db, rep, company_name="B", siret="73282932000074")
    with app.test_request_context():
        event = services.merge_clients(db, rep, a, b, set())
        a.notes = "edited"
        a.version += 1
        db.add(a)
        db.commit()
        try:
            services.undo_merge(db, rep, event)
        except services.MergeError as exc:
            assert "edited after the merge" in str(exc)
        else:
            raise AssertionError("undo should be refused")


def test_a_failing_merge_leaves_both_cards_untouched(app, db, monkeypatch):
    rep = make_user(db, "rep")
    a = make_client(db, rep, company_name="A", contacts=[{"last_name": "X"}])
    b = make_client(db, rep, company_name="B", contacts=[{"last_name": "Y"}])
    monkeypatch.setattr(services.client_services, "refresh_search_text",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with app.test_request_context():
        try:
            services.merge_clients(db, rep, a, b, {"company_name"})
        except RuntimeError:
            db.rollback()
    db.expire_all()
    assert db.get(Client, b.id).deleted_at is None and db.get(Client, a.id).company_name == "A"
    assert db.exec(select(func.count()).select_from(ContactPerson).where(ContactPerson.client_id == b.id)).one() == 1
    assert db.exec(select(AuditEvent)).all() == []


def test_merge_covers_every_table_with_a_client_foreign_key():
    tables = {t.name for t, _c in services.client_foreign_keys()}
    assert {"contact_person", "client_tag", "channel_consent", "opening_hours", "custom_field_value",
            "purchase", "campaign_recipient"} <= tables


def test_other_reps_cannot_merge_or_undo(app, db, login):
    world = portfolio_world(db)
    extra = make_client(db, world["rep_a"], company_name="Boulangerie Helene", postal_code="69001")
    with app.test_request_context():
        event = services.merge_clients(db, world["rep_a"], world["client_a"], extra, set())
    http = app.test_client()
    login(world["rep_c"], http=http)
    assert http.get(f"/duplicates/{world['client_a'].id}/{extra.id}").status_code == 404
    assert http.post(f"/merges/{event.id}/undo").status_code == 404
    assert http.get(f"/duplicates/{world['client_c'].id}/{world['client_a'].id}").status_code == 404
    db.expire_all()
    assert db.get(AuditEvent, event.id).undone_at is None


def test_creating_a_client_that_looks_like_an_existing_one_warns_first(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    make_client(db, rep, company_name="Boulangerie Hélène", postal_code="69001", city="Lyon")
    login(rep)
    form = {"kind": "company", "company_name": "Boulangerie Helene", "status": "client", "country": "FR",
            "postal_code": "69001", "city": "Lyon", "owner_id": str(rep.id)}
    response = client.post("/clients/new", data=form)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "may already exist" in body and 'value="Boulangerie Helene"' in body
    assert db.exec(select(func.count()).select_from(Client)).one() == 1
    assert client.post("/clients/new", data={**form, "confirm_duplicate": "1"}).status_code == 303
    assert db.exec(select(func.count()).select_from(Client)).one() == 2


def test_merge_moves_visits_follow_ups_and_appointments_and_undo_puts_them_back(app, db):
    """Tables of other capabilities are found through their foreign key to client.id."""
    from datetime import UTC, datetime

    from sqlalchemy import select as sa_select

    from tests.factories import make_appointment, make_followup, make_interaction

    rep = make_user(db, "rep")
    keep = make_client(db, rep, company_name="Garage Martin", phone="+33478000009")
    dup = make_client(db, rep, company_name="Garage Martin SARL", phone="+33478000009")
    make_interaction(db, rep, dup)
    make_followup(db, rep, dup, date(2026, 12, 1), reason="Relance")
    make_appointment(db, rep, dup, datetime(2026, 12, 2, 9, tzinfo=UTC))
    tables = {t.name: (t, c) for t, c in services.client_foreign_keys()}

    def rows_of(client_id):
        found = {}
        for name in ("interaction", "follow_up", "followup", "appointment"):
            if name in tables:
                table, column = tables[name]
                found[name] = sorted(r[0] for r in db.execute(
                    sa_select(table.c.id).where(column == client_id)).all())
        return found

    before = rows_of(dup.id)
    assert len(before) == 3 and all(len(ids) == 1 for ids in before.values()), before
    db.expire_all()
    last_contact = db.get(Client, dup.id).last_contact_at if hasattr(Client, "last_contact_at") else None
    with app.test_request_context():
        event = services.merge_clients(db, rep, db.get(Client, keep.id), db.get(Client, dup.id), set())
    db.expire_all()
    assert rows_of(keep.id) == before and all(not ids for ids in rows_of(dup.id).values())
    if last_contact is not None:
        assert db.get(Client, keep.id).last_contact_at == last_contact
    with app.test_request_context():
        services.undo_merge(db, rep, db.get(AuditEvent, event.id))
    db.expire_all()
    assert rows_of(dup.id) == before and all(not ids for ids in rows_of(keep.id).values())
    if last_contact is not None:
        assert db.get(Client, keep.id).last_contact_at is None


def test_not_the_same_client_stops_proposing_the_pair(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    a = make_client(db, rep, company_name="Pharmacie Centrale", postal_code="69001")
    b = make_client(db, rep, company_name="Pharmacie Centrale", postal_code="69001")
    login(rep)
    assert "Pharmacie Centrale" in client.get("/duplicates").get_data(as_text=True)
    assert client.post(f"/duplicates/{a.id}/{b.id}", data={"action": "dismiss"}).status_code == 303
    assert "No probable duplicate" in client.get("/duplicates").get_data(as_text=True)
    db.expire_all()
    assert db.get(Client, a.id).deleted_at is None and db.get(Client, b.id).deleted_at is None
