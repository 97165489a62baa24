"""Client card, create/edit validation, concurrent edits, soft delete with undo, contacts."""

from __future__ import annotations

from sqlmodel import func, select

from fieldcrm.clients.models import ChannelConsent, Client, ContactPerson, OpeningHours
from tests.factories import make_client, make_user

VALID = {"kind": "company", "company_name": "Fromagerie Lefèvre", "status": "client", "country": "FR",
         "street": "3 place du Marché", "postal_code": "69001", "city": "Lyon",
         "phone": "04 78 12 34 56", "mobile": "06.12.34.56.78", "email": "Contact@Fromagerie.FR",
         "siret": "732 829 320 00074", "tags": "bio, fidèle", "hours_1": "9:00-12:00, 14h-18h30"}


def count(db, model=Client) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_create_stores_e164_and_shows_national_format(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    r = http.post("/clients/new", data=VALID)
    assert r.status_code == 303
    client = db.exec(select(Client)).one()
    assert client.phone == "+33478123456" and client.mobile == "+33612345678"
    assert client.email == "Contact@fromagerie.fr"  # domain normalised
    assert client.siret == "73282932000074" and client.owner_id == rep.id
    assert [(h.weekday, str(h.opens), str(h.closes)) for h in db.exec(select(OpeningHours)).all()] == [
        (1, "09:00:00", "12:00:00"), (1, "14:00:00", "18:30:00")]
    card = http.get(r.headers["Location"]).get_data(as_text=True)
    assert 'href="tel:+33478123456"' in card and "04 78 12 34 56" in card
    assert 'href="sms:+33612345678"' in card and 'href="mailto:Contact@fromagerie.fr"' in card
    assert "https://www.google.com/maps/dir/" in card and "https://waze.com/ul" in card
    assert "https://maps.apple.com/" in card
    assert "bio" in card and "fidèle" in card


def test_bad_input_keeps_typing_shows_messages_and_saves_nothing(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    bad = dict(VALID, email="jean@@example", phone="12", siret="12345678901234", postal_code="69999",
               city="Lyon", hours_2="mardi matin", website="pas une url")
    r = http.post("/clients/new", data=bad)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    for typed in ("jean@@example", 'value="12"', "12345678901234", "69999", "mardi matin", "Fromagerie Lefèvre"):
        assert typed in body, typed
    assert body.count('class="error"') >= 6
    assert 'aria-invalid="true"' in body
    assert count(db) == 0 and count(db, OpeningHours) == 0


def test_postal_code_must_match_the_commune_in_france(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    r = http.post("/clients/new", data=dict(VALID, postal_code="69001", city="Marseille"))
    assert r.status_code == 422 and "Lyon" in r.get_data(as_text=True)  # suggests the right commune
    assert http.post("/clients/new", data=dict(VALID, postal_code="13001", city="marseille")).status_code == 303
    # other countries: their own format, no commune list
    # (the same company and email as above: confirmed past the duplicate warning)
    assert http.post("/clients/new", data=dict(VALID, country="BE", postal_code="1000", city="Bruxelles",
                                               phone="+32 2 555 12 34", mobile="",
                                               confirm_duplicate="1")).status_code == 303
    assert http.post("/clients/new", data=dict(VALID, country="BE", postal_code="10000",
                                               city="Bruxelles")).status_code == 422


def test_phone_region_follows_the_country(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    r = http.post("/clients/new", data=dict(VALID, country="BE", postal_code="1000", city="Bruxelles",
                                            phone="02 555 12 34", mobile=""))
    assert r.status_code == 303
    assert db.exec(select(Client.phone)).one() == "+3225551234"


def test_person_needs_a_last_name(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    r = http.post("/clients/new", data={"kind": "person", "first_name": "Zoé", "status": "lead",
                                        "country": "FR"})
    assert r.status_code == 422 and count(db) == 0


def test_over_long_notes_refused_with_typing_kept(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    r = http.post("/clients/new", data=dict(VALID, notes="x" * 10_001))
    assert r.status_code == 422 and count(db) == 0


def _edit_form(http, client_id) -> dict:
    body = http.get(f"/clients/{client_id}/edit").get_data(as_text=True)
    import re

    version = re.search(r'name="version" type="hidden" value="(\d+)"', body).group(1)
    return dict(VALID, version=version)


def test_edit_saves_and_bumps_version(app, db, login):
    rep = make_user(db)
    client = make_client(db, rep, company_name="Old Name")
    version_before = client.version
    http = app.test_client()
    login(rep, http=http)
    data = _edit_form(http, client.id)
    r = http.post(f"/clients/{client.id}/edit", data=dict(data, company_name="New Name"))
    assert r.status_code == 303
    db.expire_all()
    saved = db.get(Client, client.id)
    assert saved.display_name == "New Name" and saved.version == version_before + 1
    assert "New Name" in http.get(f"/clients/{client.id}").get_data(as_text=True)


def test_concurrent_edit_is_refused_with_both_versions(app, db, login):
    rep, manager = make_user(db), make_user(db, "admin", name="Mme Admin")
    client = make_client(db, rep, company_name="Shared Card")
    first, second = app.test_client(), app.test_client()
    login(rep, http=first)
    login(manager, http=second)
    form_1 = _edit_form(first, client.id)
    form_2 = _edit_form(second, client.id)
    assert first.post(f"/clients/{client.id}/edit", data=dict(form_1, company_name="Saved First")).status_code == 303
    r = second.post(f"/clients/{client.id}/edit", data=dict(form_2, company_name="Typed Second"))
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "Saved First" in body and "Typed Second" in body
    assert rep.name in body  # who saved in between
    db.expire_all()
    assert db.get(Client, client.id).company_name == "Saved First"  # no silent overwrite
    # "keep mine": the conflict form carries the newer version, so resubmitting wins knowingly
    import re

    version = re.search(r'name="version" type="hidden" value="(\d+)"', body).group(1)
    r = second.post(f"/clients/{client.id}/edit", data=dict(form_2, company_name="Typed Second", version=version))
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Client, client.id).company_name == "Typed Second"


def test_soft_delete_then_undo(app, db, login):
    rep = make_user(db)
    client = make_client(db, rep, company_name="To Delete")
    http = app.test_client()
    login(rep, http=http)
    confirm = http.get(f"/clients/{client.id}/delete")
    assert confirm.status_code == 200 and b"To Delete" in confirm.data
    r = http.post(f"/clients/{client.id}/delete")
    assert r.status_code == 303
    listing = http.get("/clients").get_data(as_text=True)
    assert "To Delete" in listing  # only in the flash with its undo button
    assert f"/clients/{client.id}/restore" in listing
    assert "To Delete" not in http.get("/clients").get_data(as_text=True)
    assert http.get(f"/clients/{client.id}").status_code == 404
    assert "To Delete" in http.get("/clients/deleted").get_data(as_text=True)
    assert http.post(f"/clients/{client.id}/restore").status_code == 303
    assert http.get(f"/clients/{client.id}").status_code == 200


def test_undo_period_expires(app, db, login):
    from datetime import timedelta

    from fieldcrm.timeutil import utcnow

    rep = make_user(db)
    client = make_client(db, rep)
    client.deleted_at = utcnow() - timedelta(days=31)
    db.add(client)
    db.commit()
    http = app.test_client()
    login(rep, http=http)
    http.post(f"/clients/{client.id}/restore")
    db.expire_all()
    assert db.get(Client, client.id).deleted_at is not None


def test_html_in_names_and_notes_is_shown_as_text(app, db, login):
    rep = make_user(db)
    client = make_client(db, rep, company_name="<script>alert(1)</script>", notes="<img src=x onerror=alert(2)>")
    http = app.test_client()
    login(rep, http=http)
    for url in ("/clients", f"/clients/{client.id}", f"/clients/{client.id}/edit"):
        body = http.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_contact_people_crud_and_validation(app, db, login):
    rep = make_user(db)
    client = make_client(db, rep)
    http = app.test_client()
    login(rep, http=http)
    r = http.post(f"/clients/{client.id}/contacts/new", data={"last_name": "", "mobile": "123", "email": "x@"})
    assert r.status_code == 422 and count(db, ContactPerson) == 0
    r = http.post(f"/clients/{client.id}/contacts/new", data={"first_name": "Léa", "last_name": "Morel",
                                                               "function": "Acheteuse", "mobile": "07 66 22 33 44"})
    assert r.status_code == 303
    contact = db.exec(select(ContactPerson)).one()
    assert contact.mobile == "+33766223344"
    card = http.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "Morel" in card and "07 66 22 33 44" in card
    # the client is now found by its contact's name
    assert "Morel" not in client.search_text
    db.expire_all()
    assert "morel" in db.get(Client, client.id).search_text
    assert http.post(f"/clients/{client.id}/contacts/{contact.id}/delete").status_code == 303
    assert count(db, ContactPerson) == 0


def test_consents_per_channel_with_date_and_source(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    data = dict(VALID, allow_visit="y", allow_phone="y", consent_email="granted",
                consent_source_email="Salon 2026", consent_sms="refused", do_not_contact="")
    assert http.post("/clients/new", data=data).status_code == 303
    rows = {c.channel: c for c in db.exec(select(ChannelConsent)).all()}
    assert rows["email"].consent == "granted" and rows["email"].consent_at is not None
    assert rows["email"].consent_source == "Salon 2026" and not rows["email"].allowed
    assert rows["visit"].allowed and rows["sms"].consent == "refused"


def test_data_minimisation_switch(app, db, login):
    admin = make_user(db, "admin")
    http = app.test_client()
    login(admin, http=http)
    assert b"birth_date" not in http.get("/clients/new").data
    http.post("/clients/new", data=dict(VALID, birth_date="1970-01-01"))
    assert db.exec(select(Client.birth_date)).one() is None  # not collected
    http.post("/admin/privacy", data={"collect_birth_date": "y"})
    assert b"birth_date" in http.get("/clients/new").data
    client = db.exec(select(Client)).one()
    data = _edit_form(http, client.id)
    http.post(f"/clients/{client.id}/edit", data=dict(data, birth_date="1970-01-01"))
    db.expire_all()
    assert str(db.get(Client, client.id).birth_date) == "1970-01-01"
    http.post("/admin/privacy", data={"submitted": "1"})  # switched off: stored values are erased
    db.expire_all()
    assert db.get(Client, client.id).birth_date is None


def test_the_form_takes_what_the_import_takes(app, db, login):
    """The card form applies the import's field rules: a SIRET with dots or dashes, an overseas number
    typed the French way, a French date, a postal code whose 0 a spreadsheet ate."""
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    r = http.post("/clients/new", data=dict(VALID, siret="732.829.320-00074", mobile="0693 12 34 56",
                                            postal_code="1000", city="Bourg-en-Bresse",
                                            client_since="03/02/2019", website="www.fromagerie.fr"))
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    client = db.exec(select(Client)).one()
    assert (client.siret, client.mobile, client.postal_code) == ("73282932000074", "+262693123456", "01000")
    assert client.client_since.isoformat() == "2019-02-03" and client.website == "https://www.fromagerie.fr"
    card = http.get(f"/clients/{client.id}/contacts/new")
    r = http.post(f"/clients/{client.id}/contacts/new", data={"last_name": "Hoarau", "mobile": "+33 693 12 34 56",
                                                               "direct_line": "0262 21 00 00",
                                                               "email": "Zoe.Hoarau@PHARMA.RE"})
    assert card.status_code == 200 and r.status_code == 303
    contact = db.exec(select(ContactPerson)).one()
    assert (contact.mobile, contact.direct_line, contact.email) == ("+262693123456", "+262262210000",
                                                                   "Zoe.Hoarau@pharma.re")


def test_refusals_name_the_field_in_french(app, db, login):
    rep = make_user(db, locale="fr")
    http = app.test_client()
    login(rep, http=http)
    r = http.post("/clients/new", data=dict(VALID, siret="732 829 320", phone="0893 00 00 0",
                                            postal_code="2A004", client_since="31/02/2019"))
    assert r.status_code == 422 and count(db) == 0
    body = r.get_data(as_text=True)
    for message in ("SIREN", "Numéro de téléphone invalide", "Code postal invalide", "Date invalide"):
        assert message in body, message
    assert "732 829 320" in body and "2A004" in body and "31/02/2019" in body  # the typing is kept


def test_a_stored_address_the_form_would_not_match_is_kept_until_it_is_changed(app, db, login):
    """An import stores a city that is not the postal code's commune; the card stays savable, and the
    check comes back as soon as the rep touches the address."""
    rep = make_user(db)
    client = make_client(db, rep, postal_code="69001", city="Marseille")
    http = app.test_client()
    login(rep, http=http)
    data = dict(_edit_form(http, client.id), postal_code="69001", city="Marseille", phone="04 91 00 00 00")
    assert http.post(f"/clients/{client.id}/edit", data=data).status_code == 303
    db.expire_all()
    assert db.get(Client, client.id).phone == "+33491000000"
    data = dict(_edit_form(http, client.id), postal_code="69002", city="Marseille")
    r = http.post(f"/clients/{client.id}/edit", data=data)
    assert r.status_code == 422 and "does not match postal code 69002" in r.get_data(as_text=True)
