"""The map page, its assets (never a CDN), filters, mini card, "around me"."""

from __future__ import annotations

from pathlib import Path

from fieldcrm.maps.assets import map_assets
from tests.factories import logged_in_http, make_client, make_interaction, make_user

STATIC = Path(__file__).resolve().parents[2] / "static"


def _place(db, client, lat, lon, precision="street"):
    client.latitude, client.longitude, client.geo_precision = lat, lon, precision
    db.add(client)
    db.commit()


def test_leaflet_and_markercluster_come_from_static_never_a_cdn(app, db):
    scripts, styles = map_assets()
    assert scripts[0].endswith("leaflet.js") and any("markercluster" in s for s in scripts)
    for path in scripts + styles:
        assert (STATIC / path).is_file(), path
    http = logged_in_http(app, make_user(db))
    page = http.get("/map").get_data(as_text=True)
    assert "cdn" not in page and "unpkg" not in page
    assert "vendor/leaflet/leaflet.js" in page and "js/map.js" in page
    assert "<script>" not in page and 'style="' not in page  # strict CSP: nothing inline
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page


def test_tile_server_is_configurable(make_app, db):
    app = make_app(TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png", TILE_ATTRIBUTION="© Example tiles")
    http = logged_in_http(app, make_user(db))
    response = http.get("/map")
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in response.get_data(as_text=True)
    assert "© Example tiles" in response.get_data(as_text=True)
    assert "img-src 'self' data: https://tiles.example.org" in response.headers["Content-Security-Policy"]


def test_pins_follow_the_list_filters(app, db):
    rep = make_user(db)
    a = make_client(db, rep, company_name="Alpha", status="client", sector="Boulangerie", segment="A", tags=["bio"])
    b = make_client(db, rep, company_name="Beta", status="prospect", sector="Garage", segment="B")
    c = make_client(db, rep, company_name="Gamma", status="client", sector="Garage", visit_cadence_days=30)
    unlocated = make_client(db, rep, company_name="Delta", status="client")
    for client, lat in ((a, 45.7), (b, 45.8), (c, 45.9)):
        _place(db, client, lat, 4.8)
    _place(db, c, 45.9, 4.8, "city")
    http = logged_in_http(app, rep)

    def names(**params):
        data = http.get("/map/pins.json", query_string=params).get_json()
        return {p["n"] for p in data["pins"]}, data["not_located"]

    assert names() == ({"Alpha", "Beta", "Gamma"}, 1)
    assert names(status="client") == ({"Alpha", "Gamma"}, 1)
    assert names(sector="Garage") == ({"Beta", "Gamma"}, 0)
    assert names(segment="A") == ({"Alpha"}, 0)
    assert names(tag="bio") == ({"Alpha"}, 0)
    assert names(q="gamma") == ({"Gamma"}, 0)
    assert names(due="1") == ({"Gamma"}, 0)  # never visited, cadence of 30 days
    pins = http.get("/map/pins.json").get_json()["pins"]
    assert {p["n"]: p["a"] for p in pins}["Gamma"] == 1  # approximate (town centre) pins are marked
    assert unlocated.latitude is None


def test_due_on_the_map_is_the_last_contact_the_client_list_shows(app, db):
    rep = make_user(db)
    client = make_client(db, rep, company_name="Gamma", visit_cadence_days=30)
    _place(db, client, 45.9, 4.8)
    http = logged_in_http(app, rep)

    def due():
        return {p["n"] for p in http.get("/map/pins.json", query_string={"due": "1"}).get_json()["pins"]}

    make_interaction(db, rep, client, kind="note", note="Parking difficile")
    make_interaction(db, rep, client, kind="phone", outcome="not_reached")
    assert due() == {"Gamma"}  # a note and an unanswered call are not a contact
    make_interaction(db, rep, client, kind="visit", outcome="reached")
    assert due() == set()


def test_mini_card_and_around_me(app, db):
    rep = make_user(db)
    near = make_client(db, rep, company_name="Near", phone="+33478000001", postal_code="69001", city="Lyon")
    far = make_client(db, rep, company_name="Far", postal_code="13001", city="Marseille")
    _place(db, near, 45.765, 4.835)
    _place(db, far, 43.296, 5.37)
    http = logged_in_http(app, rep)
    mini = http.get(f"/map/clients/{near.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in mini
    assert "tel:+33478000001" in mini and "google.com/maps/dir" in mini
    assert "Log a visit" in mini and "Add to tour" in mini
    body = http.get("/map/nearby", query_string={"lat": 45.76, "lon": 4.83}, headers={"HX-Request": "true"})
    text = body.get_data(as_text=True)
    assert text.index("Near") < text.index("Far") and "km" in text
    assert http.get("/map/nearby", query_string={"lat": "x"}).status_code == 400
    added = http.post("/tours/today/stops", data={"client_id": near.id}, headers={"HX-Request": "true"})
    assert added.status_code == 200 and "added to today&#39;s tour" in added.get_data(as_text=True)
    assert "<html" not in added.get_data(as_text=True)


def test_many_pins_are_served_light(app, db):
    rep = make_user(db)
    for i in range(350):
        client = make_client(db, rep, company_name=f"C{i}")
        client.latitude, client.longitude = 44 + i / 100, 2.0
        db.add(client)
    db.commit()
    http = logged_in_http(app, rep)
    pins = http.get("/map/pins.json").get_json()["pins"]
    assert len(pins) == 350 and set(pins[0]) == {"id", "n", "s", "lat", "lon", "a"}
