"""Correcting a card's phone, e-mail or notes from a phone, maybe long after the card was read: saved
when nobody else touched the card meanwhile; otherwise nothing is saved, and what changed (both
versions) comes back with the rep's values to choose from."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client
from tests.factories import in_app_context, logged_in_http, make_client, make_user

JSON = {"Accept": "application/json"}


@in_app_context
def edit_elsewhere(db, actor, client, **changes):
    """Someone at the office saves the card."""
    client = db.get(Client, client.id)
    return clients.update_client(db, actor, client, changes, client.version).client


def correction(client, **fields):
    form = {"version": str(client.version), "seen_phone": client.phone or "", "seen_email": client.email or "",
            "seen_notes": client.notes or ""}
    form.update(fields)
    return form


def send(http, client, form, action=None):
    return http.post(f"/clients/{client.id}/correct", data=form,
                     headers={**JSON, "X-Action-Id": action or str(uuid.uuid4())})


def card(db, client):
    db.expire_all()
    return db.get(Client, client.id)


def test_a_correction_saves_the_clean_values_and_a_new_version(app, db):
    rep = make_user(db)
    shop = make_client(db, rep, phone="+33478000001")
    http, version = logged_in_http(app, rep), shop.version
    page = http.get(f"/clients/{shop.id}/correct")
    assert page.status_code == 200 and b'name="version"' in page.data and b"04 78 00 00 01" in page.data
    answer = send(http, shop, correction(shop, phone="06 12 34 56 78", email="Contact@Boulangerie.FR",
                                         notes="Fermé le lundi"))
    assert answer.status_code == 200 and answer.json["location"] == f"/clients/{shop.id}"
    saved = card(db, shop)
    assert (saved.phone, saved.email, saved.notes) == ("+33612345678", "Contact@boulangerie.fr", "Fermé le lundi")
    assert saved.version == version + 1


def test_someone_changed_the_same_field_meanwhile_both_values_come_back_nothing_saved(app, db):
    rep, manager = make_user(db), make_user(db, "admin")
    shop = make_client(db, rep, phone="+33478000001", notes="Livrer le matin")
    http = logged_in_http(app, rep)
    form, version = correction(shop, phone="06 12 34 56 78", notes="Livrer l'après-midi"), shop.version
    edit_elsewhere(db, manager, shop, phone="+33478999999")
    answer = send(http, shop, form)
    assert answer.status_code == 409
    conflict = answer.json["conflict"]
    assert conflict["version"] == version + 1
    assert [(f["name"], f["mine"], f["theirs"], f["changed"]) for f in conflict["fields"]] == [
        ("phone", "06 12 34 56 78", "04 78 99 99 99", True),
        ("notes", "Livrer l'après-midi", "Livrer le matin", False)]  # the notes were not touched meanwhile
    saved = card(db, shop)
    assert (saved.phone, saved.notes) == ("+33478999999", "Livrer le matin")

    # The rep keeps their phone: sent again from the newer version, it is saved.
    again = send(http, shop, correction(saved, phone="06 12 34 56 78", notes="Livrer l'après-midi"))
    assert again.status_code == 200
    saved = card(db, shop)
    assert (saved.phone, saved.notes) == ("+33612345678", "Livrer l'après-midi")


def test_a_change_to_any_other_field_meanwhile_is_shown_before_anything_is_saved(app, db):
    rep, manager = make_user(db), make_user(db, "admin")
    shop = make_client(db, rep, phone="+33478000001", city="Lyon")
    form = correction(shop, email="achats@boulangerie.fr")
    edit_elsewhere(db, manager, shop, city="Villeurbanne", mobile="+33612000000")
    http = logged_in_http(app, rep)
    answer = send(http, shop, form)
    assert answer.status_code == 409
    conflict = answer.json["conflict"]
    assert sorted((m["label"], m["before"], m["after"]) for m in conflict["meanwhile"]) == [
        ("City", "Lyon", "Villeurbanne"), ("Mobile", "—", "06 12 00 00 00")]
    assert [(f["name"], f["mine"], f["changed"]) for f in conflict["fields"]] == [
        ("email", "achats@boulangerie.fr", False)]
    assert card(db, shop).email is None  # nothing saved until the rep has seen the changes

    # Seen, and kept: sent again from the current version, the correction is saved, the city stays.
    again = send(http, shop, correction(card(db, shop), email="achats@boulangerie.fr"))
    assert again.status_code == 200
    saved = card(db, shop)
    assert (saved.email, saved.city, saved.phone) == ("achats@boulangerie.fr", "Villeurbanne", "+33478000001")


def test_the_reps_own_earlier_correction_is_no_conflict(app, db):
    rep = make_user(db)
    shop = make_client(db, rep, phone="+33478000001")
    http = logged_in_http(app, rep)
    # Two corrections made offline from the same kept card, sent in order.
    first, second = correction(shop, phone="06 12 34 56 78"), correction(shop, notes="Sonner deux fois")
    assert send(http, shop, first).status_code == 200
    assert send(http, shop, second).status_code == 200
    saved = card(db, shop)
    assert (saved.phone, saved.notes) == ("+33612345678", "Sonner deux fois")


def test_a_card_moved_without_a_trail_of_its_fields_still_stops_a_clashing_correction(app, db):
    rep = make_user(db)
    shop = make_client(db, rep, phone="+33478000001")
    form = correction(shop, phone="06 12 34 56 78")
    with app.app_context():  # a change that leaves no field trail (as a merge or a hand-over may)
        db.execute(update(Client).where(Client.id == shop.id).values(phone="+33478999999", version=Client.version + 1))
        db.commit()
    answer = send(logged_in_http(app, rep), shop, form)
    assert answer.status_code == 409
    assert [(f["name"], f["theirs"], f["changed"]) for f in answer.json["conflict"]["fields"]] == [
        ("phone", "04 78 99 99 99", True)]
    assert card(db, shop).phone == "+33478999999"


def test_without_javascript_the_conflict_page_shows_both_values(app, db):
    rep, manager = make_user(db), make_user(db, "admin")
    shop = make_client(db, rep, phone="+33478000001")
    form, version = correction(shop, phone="0612345678"), shop.version
    edit_elsewhere(db, manager, shop, phone="+33478999999")
    page = logged_in_http(app, rep).post(f"/clients/{shop.id}/correct", data=form)
    assert page.status_code == 409
    assert b"06 12 34 56 78" in page.data and b"04 78 99 99 99" in page.data
    assert f'name="version" value="{version + 1}"'.encode() in page.data


def test_a_wrong_phone_is_refused_with_its_message_and_the_typing_kept(app, db):
    rep = make_user(db)
    shop = make_client(db, rep, phone="+33478000001")
    http = logged_in_http(app, rep)
    answer = send(http, shop, correction(shop, phone="12"))
    assert answer.status_code == 422 and "phone" in answer.json["errors"]
    page = http.post(f"/clients/{shop.id}/correct", data=correction(shop, phone="12"))
    assert page.status_code == 422 and b'value="12"' in page.data
    assert card(db, shop).phone == "+33478000001"


def test_another_reps_card_is_not_found(app, db):
    rep, other = make_user(db), make_user(db)
    garage = make_client(db, other, phone="+33478000001")
    http = logged_in_http(app, rep)
    assert http.get(f"/clients/{garage.id}/correct").status_code == 404
    assert send(http, garage, correction(garage, phone="0612345678")).status_code == 404
    assert card(db, garage).phone == "+33478000001"


def test_fields_sent_as_they_were_shown_are_not_corrections(app, db):
    rep, manager = make_user(db), make_user(db, "admin")
    shop = make_client(db, rep, phone="+33478000001", email="old@boulangerie.fr")
    form = correction(shop, phone="06 12 34 56 78", email="old@boulangerie.fr", notes="")  # the whole form
    edit_elsewhere(db, manager, shop, email="new@boulangerie.fr")
    http = logged_in_http(app, rep)
    answer = send(http, shop, form)
    assert answer.status_code == 409  # the e-mail changed meanwhile: shown, not a field to choose…
    conflict = answer.json["conflict"]
    assert [f["name"] for f in conflict["fields"]] == ["phone"]
    assert [(m["name"], m["before"], m["after"]) for m in conflict["meanwhile"]] == [
        ("email", "old@boulangerie.fr", "new@boulangerie.fr")]
    again = send(http, shop, {**form, "version": str(conflict["version"])})  # as the phone sends the choice
    assert again.status_code == 200
    saved = card(db, shop)
    assert (saved.phone, saved.email) == ("+33612345678", "new@boulangerie.fr")  # …and the new one stands
