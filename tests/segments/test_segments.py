"""Segment filters against hand-counted expectations, the builder keeps input, the live count."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from fieldcrm.clients.models import Client, CustomFieldDef
from fieldcrm.sales.models import Purchase
from fieldcrm.segments import filters as segment_filters
from fieldcrm.segments import queries
from fieldcrm.timeutil import UTC
from tests.factories import make_client, make_user

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(app, db):
    """Nine clients of one rep, one of another rep; the expected counts below are counted by hand."""
    rep, other = make_user(db, "rep", locale="en"), make_user(db, "rep")
    c = {}
    c["lyon_bakery"] = make_client(db, rep, company_name="Boulangerie Lyon", status="client", sector="Boulangerie",
                                   postal_code="69001", city="Lyon", tags=["bio"], loyalty_programme="Carte or")
    c["villeurbanne"] = make_client(db, rep, company_name="Boulangerie Villeurbanne", status="client",
                                    sector="Boulangerie", postal_code="69100", city="Villeurbanne", tags=["bio", "vip"])
    c["ain"] = make_client(db, rep, company_name="Fromagerie Ain", status="prospect", sector="Fromagerie",
                           postal_code="01000", city="Bourg-en-Bresse")
    c["paris"] = make_client(db, rep, company_name="Café Paris", status="lead", sector="Café",
                             postal_code="75004", city="Paris", consents={"email": {"allowed": False}})
    c["marseille"] = make_client(db, rep, company_name="Garage Marseille", status="client", sector="Garage",
                                 postal_code="13001", city="Marseille", do_not_contact=True)
    c["lyon_cafe"] = make_client(db, rep, company_name="Café Lyon", status="former_client", sector="Café",
                                 postal_code="69002", city="Lyon", segment="Grand compte")
    c["nantes"] = make_client(db, rep, company_name="Épicerie Nantes", status="client", postal_code="44000",
                              city="Nantes")
    c["bron"] = make_client(db, rep, company_name="Pharmacie Bron", status="prospect", postal_code="69500",
                            city="Bron")
    c["none"] = make_client(db, rep, company_name="Sans adresse", status="suspect")
    make_client(db, other, company_name="Autre Lyon", status="client", postal_code="69001", city="Lyon")
    positions = {"lyon_bakery": (45.767, 4.834), "villeurbanne": (45.771, 4.880), "bron": (45.738, 4.913),
                 "ain": (46.205, 5.225), "paris": (48.855, 2.354)}
    for key, (lat, lon) in positions.items():
        row = db.get(Client, c[key].id)
        row.latitude, row.longitude = lat, lon
        db.add(row)
    for key, amount, day, product in (("lyon_bakery", "1000", date(2026, 10, 1), "Four"),
                                      ("lyon_bakery", "500", date(2025, 1, 1), "Pétrin"),
                                      ("villeurbanne", "200", date(2025, 3, 1), "Four"),
                                      ("paris", "3000", date(2026, 11, 1), "Machine à café"),
                                      ("nantes", "50", date(2024, 1, 1), "Four")):
        db.add(Purchase(client_id=c[key].id, purchased_on=day, amount=Decimal(amount), product=product))
    if hasattr(Client, "last_contact_at"):
        for key, when in (("lyon_bakery", datetime(2026, 11, 1, tzinfo=UTC)),
                          ("ain", datetime(2026, 1, 1, tzinfo=UTC))):
            row = db.get(Client, c[key].id)
            row.last_contact_at = when
            db.add(row)
    db.commit()
    return rep, c


CASES = [
    ({"status": ["client"]}, {"lyon_bakery", "villeurbanne", "marseille", "nantes"}),
    ({"status": ["client", "prospect"], "departments": "69"}, {"lyon_bakery", "villeurbanne", "bron"}),
    ({"departments": "69, 01"}, {"lyon_bakery", "villeurbanne", "bron", "lyon_cafe", "ain"}),
    ({"sector": "boulang"}, {"lyon_bakery", "villeurbanne"}),
    ({"city": "lyon"}, {"lyon_bakery", "lyon_cafe"}),
    ({"tag": "vip"}, {"villeurbanne"}),
    ({"segment": "grand"}, {"lyon_cafe"}),
    ({"loyalty": "any"}, {"lyon_bakery"}),
    # The form asks in words: a choice and a name, never "any"/"none" to type.
    ({"loyalty_mode": "any", "loyalty_name": ""}, {"lyon_bakery"}),
    ({"loyalty_mode": "name", "loyalty_name": "carte"}, {"lyon_bakery"}),
    ({"loyalty_mode": "", "loyalty_name": "Carte OR"}, {"lyon_bakery"}),
    ({"loyalty_mode": "name", "loyalty_name": "platine"}, set()),
    ({"near_lat": "45.764", "near_lon": "4.8357", "near_km": "10"}, {"lyon_bakery", "villeurbanne", "bron"}),
    ({"near_lat": "45.764", "near_lon": "4.8357", "near_km": "4"}, {"lyon_bakery", "villeurbanne"}),
    ({"revenue_min": "1000"}, {"lyon_bakery", "paris"}),
    ({"revenue_min": "100", "revenue_max": "1 500"}, {"lyon_bakery", "villeurbanne"}),
    ({"purchase_within_months": "3"}, {"lyon_bakery", "paris"}),
    ({"no_purchase_months": "12"}, {"villeurbanne", "nantes", "ain", "marseille", "lyon_cafe", "bron", "none"}),
    ({"product": "four"}, {"lyon_bakery", "villeurbanne", "nantes"}),
    ({"product": "four", "status": ["client"], "departments": "69"}, {"lyon_bakery", "villeurbanne"}),
    ({"consent_channel": "email", "city": "a"}, {"ain", "lyon_cafe", "nantes", "bron"}
     | {"lyon_bakery", "villeurbanne"} - set()),
    ({"q": "cafe"}, {"paris", "lyon_cafe"}),
]


@pytest.mark.parametrize("raw,expected", CASES, ids=[str(i) for i in range(len(CASES))])
def test_filters_against_hand_counts(db, book, raw, expected):
    rep, c = book
    filters, errors = segment_filters.clean(raw)
    assert errors == {}
    ids = set(queries.segment_client_ids(db, rep, filters, today=TODAY))
    names = {k for k, v in c.items() if v.id in ids}
    if raw.get("consent_channel"):  # reachable by email among cities containing "a"
        expected = {k for k in c if "a" in (c[k].city or "").lower()} - {"paris", "marseille"}
    assert names == expected


def test_no_contact_filter_uses_the_last_contact(db, book):
    rep, c = book
    ids = set(queries.segment_client_ids(db, rep, {"no_contact_days": 60}, today=TODAY))
    assert c["lyon_bakery"].id not in ids and c["ain"].id in ids and c["none"].id in ids


def test_custom_field_filter(db, book, app):
    rep, c = book
    field = CustomFieldDef(key="surface", label="Surface", field_type="text")
    db.add(field)
    db.commit()
    from fieldcrm.clients.models import CustomFieldValue

    db.add(CustomFieldValue(client_id=c["ain"].id, field_id=field.id, value="Grande"))
    db.commit()
    ids = queries.segment_client_ids(db, rep, {"custom_field_id": field.id, "custom_value": "grande"})
    assert ids == [c["ain"].id]


def test_builder_keeps_the_filters_on_error_and_counts_live(app, db, book, login, client):
    rep, c = book
    login(rep)
    count = client.post("/segments/count", data={"status": "client", "departments": "69"},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "2 clients" in count
    bad = client.post("/segments/new", data={"name": "", "departments": "69", "revenue_min": "beaucoup"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'value="69"' in body and "Enter a number" in body and "Give the segment a name" in body
    good = client.post("/segments/new", data={"name": "Rhône", "departments": "69", "status": ["client"],
                                              "shared": "1", "colour": "#b3261e"})
    assert good.status_code == 303 and "segment=" in good.headers["Location"]
    listing = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "Boulangerie Lyon" in listing and "Boulangerie Villeurbanne" in listing and "Café Lyon" not in listing
    assert "Autre Lyon" not in listing
    # The segment's colour (#b3261e, second of the palette) marks the banner and every row, by CSS class.
    assert 'seg-dot seg-1' in listing and listing.count('class="client-row in-segment seg-1"') == 2
    segments_page = client.get("/segments").get_data(as_text=True)
    assert "Rhône" in segments_page and '<span class="count">2</span>' in segments_page
