"""Drawing a zone: the phone sends the corners, the server decides which of the rep's
clients are inside (same filters as the map) and adds them to the chosen day's tour."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.maps import zone
from fieldcrm.tours import services
from fieldcrm.tours.models import Tour, TourStop
from tests.factories import logged_in_http, make_client, make_located_client, make_user

# A "U" drawn around Lyon (lat, lon), hand-checked: a square 45.70–45.80 × 4.80–4.90 with a notch
# cut from the top (45.73–45.80 × 4.83–4.87). The notch is inside the bounding box but outside the zone.
U_ZONE = [(45.70, 4.80), (45.80, 4.80), (45.80, 4.83), (45.73, 4.83), (45.73, 4.87), (45.80, 4.87),
          (45.80, 4.90), (45.70, 4.90)]
INSIDE = {"bottom bar": (45.71, 4.85), "left arm": (45.77, 4.81), "right arm": (45.77, 4.89),
          "notch floor (edge)": (45.73, 4.85), "corner": (45.70, 4.80)}
OUTSIDE = {"in the notch": (45.75, 4.85), "top of the notch": (45.79, 4.85), "north": (45.85, 4.85),
           "west": (45.75, 4.79), "south-east": (45.69, 4.91)}


def _zone_json(points) -> str:
    return json.dumps([[lat, lon] for lat, lon in points])


# --- the pure part -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", INSIDE)
def test_points_inside_the_concave_zone(name):
    assert zone.contains(U_ZONE, *INSIDE[name])


@pytest.mark.parametrize("name", OUTSIDE)
def test_points_outside_the_concave_zone_even_inside_its_bounding_box(name):
    assert not zone.contains(U_ZONE, *OUTSIDE[name])


def test_triangle_and_orientation_do_not_matter():
    triangle = [(45.0, 4.0), (46.0, 4.5), (45.0, 5.0)]
    for polygon in (triangle, triangle[::-1]):
        assert zone.contains(polygon, 45.2, 4.5)
        assert not zone.contains(polygon, 45.9, 4.1)  # inside the bounding box, outside the triangle
    points = [("a", 45.2, 4.5), ("b", 45.9, 4.1), ("c", 47.0, 4.5)]
    assert zone.inside(triangle, points) == ["a"]


def test_parse_zone_reads_pairs_and_refuses_what_is_not_a_zone():
    assert zone.parse_zone(_zone_json(U_ZONE)) == U_ZONE
    closed = _zone_json(U_ZONE + [U_ZONE[0]])
    assert zone.parse_zone(closed) == U_ZONE  # a closed ring is the same zone
    cases = {
        "": "too_few", "[[45.7, 4.8], [45.8, 4.9]]": "too_few",
        _zone_json([(45 + i / 1000, 4 + (i % 2) / 100) for i in range(101)]): "too_many",
        "[[95, 4.8], [45.8, 4.8], [45.8, 4.9]]": "out_of_range",
        "[[45.7, 190], [45.8, 4.8], [45.8, 4.9]]": "out_of_range",
        "[[45.7, 4.8], [45.75, 4.85], [45.8, 4.9]]": "flat",
        "pas une zone": "not_a_zone", '{"lat": 45}': "not_a_zone", '[["45.7", 4.8], [45.8, 4.8], [45.8, 4.9]]': "not_a_zone",
        "[[true, 4.8], [45.8, 4.8], [45.8, 4.9]]": "not_a_zone", "[[45.7, 4.8, 1], [45.8, 4.8], [45.8, 4.9]]": "not_a_zone",
        "[[NaN, 4.8], [45.8, 4.8], [45.8, 4.9]]": "out_of_range",
    }
    for text, code in cases.items():
        with pytest.raises(zone.ZoneError) as caught:
            zone.parse_zone(text)
        assert caught.value.code == code, text


# --- in the app ------------------------------------------------------------------------------------

def _world(db):
    rep, other = make_user(db), make_user(db)
    mine = {name: make_located_client(db, rep, f"Dedans {name}", *point) for name, point in INSIDE.items()}
    outside = {name: make_located_client(db, rep, f"Dehors {name}", *point) for name, point in OUTSIDE.items()}
    stranger = make_located_client(db, other, "Chez un autre commercial", 45.71, 4.86)  # inside the zone, another rep's
    return rep, other, mine, outside, stranger


def test_preview_counts_the_reps_clients_inside_the_zone(app, db):
    rep, _other, mine, outside, stranger = _world(db)
    http = logged_in_http(app, rep)
    response = http.post("/map/zone", data={"zone": _zone_json(U_ZONE)}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="zone-add"' in body and f'data-zone-count="{len(INSIDE)}"' in body
    assert f"Add the {len(INSIDE)} clients of the zone to the tour of" in body
    assert "Chez un autre commercial" not in body and "Dehors" not in body
    assert "<html" not in body  # a fragment for htmx, the full page otherwise
    assert "<html" in http.post("/map/zone", data={"zone": _zone_json(U_ZONE)}).get_data(as_text=True)


def test_adding_the_zone_adds_exactly_the_clients_inside_never_another_reps(app, db):
    rep, other, mine, outside, stranger = _world(db)
    gone = make_located_client(db, rep, "Dedans mais supprimé", 45.72, 4.82)
    with app.test_request_context():
        from fieldcrm.clients import services as client_services

        client_services.soft_delete(db, rep, gone)
    unlocated = make_client(db, rep, company_name="Sans position", postal_code="69001", city="Lyon")
    http = logged_in_http(app, rep)
    day = timeutil.local_now().date() + timedelta(days=2)
    response = http.post("/tours/zone", data={"zone": _zone_json(U_ZONE), "day": day.isoformat()})
    assert response.status_code == 303
    tour = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == day)).one()
    assert response.headers["Location"].endswith(f"/tours/{tour.id}")
    added = {c.id for _s, c in services.stops_of(db, tour)}
    assert added == {c.id for c in mine.values()}
    assert stranger.id not in added and gone.id not in added and unlocated.id not in added
    assert not db.exec(select(Tour).where(Tour.owner_id == other.id)).all()  # nothing on the other rep's side
    page = http.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{len(INSIDE)} stops added to the tour." in page
    # A forged request naming the other rep's client changes nothing: the client sends only corners.
    again = http.post("/tours/zone", data={"zone": _zone_json(U_ZONE), "day": day.isoformat(),
                                           "client_id": stranger.id}, follow_redirects=True)
    assert "These 5 clients are already in the tour." in again.get_data(as_text=True)
    assert len(services.stops_of(db, tour)) == len(INSIDE)


def test_the_zone_uses_the_maps_filters_and_each_stop_its_clients_visit_duration(app, db):
    rep = make_user(db)
    client = make_located_client(db, rep, "Client dans la zone", 45.71, 4.85, status="client", visit_minutes=50)
    make_located_client(db, rep, "Prospect dans la zone", 45.77, 4.81, status="prospect")
    http = logged_in_http(app, rep)
    preview = http.post("/map/zone", data={"zone": _zone_json(U_ZONE), "status": "client"},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Add the client of the zone to the tour of" in preview and "Prospect" not in preview
    assert 'name="status" value="client"' in preview  # the add form carries the filters it was counted with
    http.post("/tours/zone", data={"zone": _zone_json(U_ZONE), "status": "client"})
    tour = db.exec(select(Tour).where(Tour.owner_id == rep.id)).one()
    assert tour.day == timeutil.local_now().date()  # today by default
    stops = services.stops_of(db, tour)
    assert [(c.id, s.service_minutes) for s, c in stops] == [(client.id, 50)]


def test_a_zone_with_no_client_says_so(app, db):
    rep = make_user(db)
    make_located_client(db, rep, "Loin", 48.85, 2.35)
    http = logged_in_http(app, rep)
    body = http.post("/map/zone", data={"zone": _zone_json(U_ZONE)}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "None of your clients (with the filters shown) is in this zone." in body and "zone-add" not in body


@pytest.mark.parametrize(("zone_text", "day_offset", "message"), [
    ("[[45.7, 4.8], [45.8, 4.9]]", 0, "Tap at least 3 points on the map"),
    (_zone_json([(45 + i / 1000, 4 + (i % 2) / 100) for i in range(101)]), 0, "A zone has at most 100 points"),
    ("[[95, 4.8], [45.8, 4.8], [45.8, 4.9]]", 0, "A point of the zone is off the map"),
    ("[[45.7, 4.8], [45.75, 4.85], [45.8, 4.9]]", 0, "The points of the zone are on one line"),
    ("<script>alert(1)</script>", 0, "The zone could not be read"),
    (_zone_json(U_ZONE), -1, "Pick the day of the tour"),
    (_zone_json(U_ZONE), 400, "Pick the day of the tour"),
])
def test_bad_zones_get_a_clear_message_and_nothing_is_added(app, db, zone_text, day_offset, message):
    rep = make_user(db)
    make_located_client(db, rep, "Dedans", 45.71, 4.85)
    http = logged_in_http(app, rep)
    day = (timeutil.local_now().date() + timedelta(days=day_offset)).isoformat()
    response = http.post("/map/zone", data={"zone": zone_text, "day": day}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    response = http.post("/tours/zone", data={"zone": zone_text, "day": day, "status": "client"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/map?status=client")
    assert message in http.get(response.headers["Location"]).get_data(as_text=True)
    assert db.exec(select(TourStop)).all() == []


def test_zone_messages_read_right_in_french(app, db):
    rep = make_user(db, locale="fr")
    for i in range(3):
        make_located_client(db, rep, f"Boulangerie {i}", 45.71, 4.81 + i / 100)
    http = logged_in_http(app, rep)
    body = http.post("/map/zone", data={"zone": _zone_json(U_ZONE)}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Ajouter les 3 clients de la zone à la tournée du" in body
    bad = http.post("/map/zone", data={"zone": "[[45.7, 4.8]]"}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Touchez au moins 3 points sur la carte" in bad
    page = http.post("/tours/zone", data={"zone": _zone_json(U_ZONE)}, follow_redirects=True).get_data(as_text=True)
    assert "3 étapes ajoutées à la tournée." in page


def test_the_map_page_offers_the_zone_drawing(app, db):
    http = logged_in_http(app, make_user(db))
    page = http.get("/map").get_data(as_text=True)
    assert 'id="draw-zone"' in page and 'id="zone-undo"' in page and 'id="zone-cancel"' in page
    assert 'hx-post="/map/zone"' in page and "<script>" not in page and 'style="' not in page
