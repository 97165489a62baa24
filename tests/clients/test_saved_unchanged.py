"""Every stored card can be saved again unchanged: the demo's and an import's cards, and their contact
people, go through their own edit forms (the real routes) and come back accepted, with nothing changed."""

from __future__ import annotations

import io
import json

from sqlmodel import select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import CHANNELS, ChannelConsent, Client, ClientTag, ContactPerson, OpeningHours
from fieldcrm.demo import DEMO_DOMAIN, DEMO_PASSWORD, load_demo
from fieldcrm.imports.models import ImportJob
from tests.factories import make_user
from tests.formdata import form_data

# Written by the application on every save, whatever the form says.
_BOOKKEEPING = {"version", "updated_at", "updated_by_id"}
_GEO_COLUMNS = {"latitude", "longitude", "geo_precision", "geo_source", "geocoded_at"}


def _rows(db, model, order, ignore=()) -> list[dict]:
    return [{k: v for k, v in row.model_dump().items() if k not in _BOOKKEEPING and k not in ignore}
            for row in db.exec(select(model).order_by(*order)).all()]


def snapshot(db) -> dict:
    """Everything a card's forms can change."""
    db.expire_all()
    return {
        "clients": _rows(db, Client, [Client.id]),
        "contacts": _rows(db, ContactPerson, [ContactPerson.id]),
        # A save writes a card's hours, tags and consents afresh: their content counts, not their ids.
        "tags": _rows(db, ClientTag, [ClientTag.client_id, ClientTag.tag_id], ignore={"id"}),
        "hours": _rows(db, OpeningHours, [OpeningHours.client_id, OpeningHours.weekday, OpeningHours.opens],
                       ignore={"id"}),
        "consents": _consents_as_shown(db),
    }


def _consents_as_shown(db) -> list[dict]:
    """Per card and channel, the consent the card shows: a channel never written reads "accepted, not asked"."""
    stored = {(c.client_id, c.channel): c for c in db.exec(select(ChannelConsent)).all()}
    unwritten = ChannelConsent(client_id=0, channel="")
    return [{"client": client_id, "channel": channel, **{
                key: getattr(stored.get((client_id, channel), unwritten), key)
                for key in ("allowed", "consent", "consent_at", "consent_source")}}
            for client_id in db.exec(select(Client.id).order_by(Client.id)).all() for channel in CHANNELS]


def resubmit_every_form(db, http) -> list[str]:
    """Open each card's and contact person's edit form and send it back as shown; the refusals."""
    refused = []
    clients = db.exec(select(Client).order_by(Client.id)).all()
    for card in clients:
        path = f"/clients/{card.id}/edit"
        response = http.post(path, data=form_data(_page(http, path), path))
        if response.status_code != 303:
            refused.append(f"{card.display_name}: {response.status_code} {_errors(response)}")
    for contact in db.exec(select(ContactPerson).order_by(ContactPerson.id)).all():
        path = f"/clients/{contact.client_id}/contacts/{contact.id}/edit"
        response = http.post(path, data=form_data(_page(http, path), path))
        if response.status_code != 303:
            refused.append(f"contact {contact.last_name}: {response.status_code} {_errors(response)}")
    return refused


def _page(http, path: str) -> str:
    """The edit form as htmx loads it: the same route and form, without the page around it."""
    return http.get(path, headers={"HX-Request": "true"}).get_data(as_text=True)


def _errors(response) -> list[str]:
    import re

    return re.findall(r'id="([\w-]+)-err">([^<]*)<', response.get_data(as_text=True))


def assert_all_saved_unchanged(db, http):
    before = snapshot(db)
    assert before["clients"], "nothing to resubmit"
    assert resubmit_every_form(db, http) == []
    after = snapshot(db)
    for kind in before:
        changed = [{k: (old[k], new[k]) for k in old if old[k] != new[k] and not _first_location(old, k)}
                   for old, new in zip(before[kind], after[kind], strict=True)]
        assert [c for c in changed if c] == [], kind


def _first_location(card: dict, column: str) -> bool:
    """A save locates a card never located before (maps.services.geocode_after_save): not a field changing."""
    return card.get("geocoded_at", True) is None and column in _GEO_COLUMNS


def test_every_demo_card_and_contact_person_saves_unchanged(app, db, set_now, login):
    with app.test_request_context():
        load_demo(db)  # the whole demo: 320 cards, as `fieldcrm demo` loads it
    admin = db.exec(select(User).where(User.email == f"admin@{DEMO_DOMAIN}")).one()
    http = app.test_client()
    login(admin, password=DEMO_PASSWORD, http=http)
    assert len(db.exec(select(Client)).all()) == 320
    assert_all_saved_unchanged(db, http)


MESSY_CSV = (
    "Raison sociale;Nom;Prénom;CP;Ville;Pays;Tél.;Portable;E-mail;SIRET;Site web;Client depuis\r\n"
    "Boulangerie Hélène;Dupré;Hélène;69001;Lyon;France;04.78.00.00.01;+33 6 12 34 56 78;"
    "Helene.Dupre@BOULANGERIE.FR;732.829.320.00074;www.boulangerie-helene.fr;03/02/2019\r\n"
    "Garage Bernard;Bernard;Éric;1000;Bourg-en-Bresse;;+33 (0)4 74 00 00 02;06-98-76-54-32;"
    "ERIC@GARAGE.FR;552-049-447-00014;;15.11.2020\r\n"
    "Pharmacie du Port;Hoarau;Zoé;97400;Saint-Denis;La Réunion;0262 21 00 00;0693 12 34 56;"
    "zoe@pharma.re;443 061 841 00013;http://pharma.re;2015\r\n"
    "Chocolaterie Bruxelloise;Peeters;Jan;1000;Bruxelles;Belgique;+32 2 555 12 12;0470 12 34 56;"
    "Jan.Peeters@Choco.BE;;https://choco.be/fr;2021-06-30\r\n"
    "Café de Bastia;Santoni;Ange;20200;Bastia;FR;04 95 31 00 00;0033 7 81 23 45 67;"
    "mailto:ange@cafe-bastia.fr;;;01/09/21\r\n"
    "Cave Lyonnaise;Morel;Léa;69401;Lyon Cedex 03;;04 78 00 00 09;33612345679;lea@cave.fr;;;\r\n"
).encode()


def test_every_imported_card_saves_unchanged(app, db, login):
    rep = make_user(db, "rep", locale="en")
    http = app.test_client()
    login(rep, http=http)
    upload = http.post("/imports", data={"file": (io.BytesIO(MESSY_CSV), "clients.csv")},
                       content_type="multipart/form-data")
    assert upload.status_code == 303
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    mapping = json.loads(job.mapping)
    data = {f"col-{i}": target for i, target in mapping.items()}
    assert http.post(f"/imports/{job.id}/mapping", data=dict(data, action="run", error_mode="skip")).status_code == 303
    db.expire_all()
    job = db.get(ImportJob, job.id)
    assert (job.status, job.created_count, job.error_count) == ("done", 6, 0), (job.status, job.error_code)
    cards = {c.company_name: c for c in db.exec(select(Client)).all()}
    assert cards["Boulangerie Hélène"].siret == "73282932000074"
    assert cards["Boulangerie Hélène"].email == "helene.dupre@boulangerie.fr"  # e-mails are lower-cased whole
    assert cards["Garage Bernard"].postal_code == "01000"
    assert (cards["Pharmacie du Port"].country, cards["Pharmacie du Port"].mobile) == ("RE", "+262693123456")
    assert cards["Chocolaterie Bruxelloise"].phone == "+3225551212"
    assert_all_saved_unchanged(db, http)
