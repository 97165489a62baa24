"""The map asks for the pins of the area on screen: only the actor's clients inside it, gathered into
clusters on the server when they are many, so that one answer stays small at any zoom."""

from __future__ import annotations

import json
import random

from fieldcrm.maps.clusters import MAX_ITEMS, cluster_pins
from tests.factories import (
    copy_located_clients,
    logged_in_http,
    make_client,
    make_located_client,
    make_team,
    make_user,
)

FRANCE = {"south": 41.0, "west": -5.5, "north": 51.5, "east": 10.0}
LYON = {"south": 45.70, "west": 4.75, "north": 45.80, "east": 4.90}


def _drawn(data) -> dict[int, int]:
    """Client ids drawn as pins, and the number inside clusters (key 0)."""
    drawn = {p["id"]: 1 for p in data["pins"]}
    drawn[0] = sum(c["n"] for c in data["clusters"])
    return drawn


def test_the_area_holds_only_the_actors_own_clients_inside_it(app, db):
    team = make_team(db)
    rep, other = make_user(db, "rep", team), make_user(db, "rep", team)
    manager = make_user(db, "manager", team)
    mine = make_located_client(db, rep, "Chez moi Lyon", 45.76, 4.83)
    make_located_client(db, rep, "Chez moi Paris", 48.85, 2.35)
    theirs = make_located_client(db, other, "Chez l'autre Lyon", 45.761, 4.831)
    make_client(db, rep, company_name="Sans adresse")

    data = logged_in_http(app, rep).get("/map/pins.json", query_string={**LYON, "zoom": 13}).get_json()
    assert [p["n"] for p in data["pins"]] == ["Chez moi Lyon"]  # Paris is off screen, the colleague's never
    assert data["clusters"] == [] and data["count"] == 1 and data["not_located"] == 1
    assert data["extent"] is None  # an area was asked: the map keeps its view
    assert sum(item["count"] for item in data["legend"]) == 1

    page = logged_in_http(app, rep).get("/map").get_data(as_text=True)
    assert "2 clients on the map, 1 not located" in page  # shown with the page, before any pin comes
    # the map takes its view from the page: around the rep's own pins (not the colleague's), all asked at once
    assert 'data-extent="45.76000,2.35000,48.85000,4.83000" data-first-ask="all"' in page
    filtered_page = logged_in_http(app, rep).get("/map", query_string={"q": "paris"}).get_data(as_text=True)
    assert 'data-extent="48.85000,2.35000,48.85000,2.35000"' in filtered_page  # the filters' pins only
    due_page = logged_in_http(app, rep).get("/map", query_string={"due": "1"}).get_data(as_text=True)
    assert "data-extent" not in due_page  # read from last contacts: the view waits for the pins
    everything = logged_in_http(app, rep).get("/map/pins.json").get_json()
    assert {p["n"] for p in everything["pins"]} == {"Chez moi Lyon", "Chez moi Paris"}
    assert everything["extent"] == [45.76, 2.35, 48.85, 4.83]  # where the map first looks

    seen = logged_in_http(app, manager).get("/map/pins.json", query_string=LYON).get_json()
    assert {p["id"] for p in seen["pins"]} == {mine.id, theirs.id}  # the manager sees the team

    # the filters still apply inside the area, and "due" (read from last contacts) too
    filtered = logged_in_http(app, rep).get("/map/pins.json", query_string={**FRANCE, "q": "paris"}).get_json()
    assert [p["n"] for p in filtered["pins"]] == ["Chez moi Paris"]
    due = logged_in_http(app, rep).get("/map/pins.json", query_string={**LYON, "due": "1"}).get_json()
    assert due["pins"] == [] and due["count"] == 0


def test_an_area_that_cannot_be_read_gets_a_message_not_a_crash(app, db):
    http = logged_in_http(app, make_user(db))
    for bad in ({"south": "x", "west": 1, "north": 2, "east": 3}, {"south": 50, "west": 1, "north": 40, "east": 3},
                {"south": 1, "north": 2}, {"south": "nan", "west": 1, "north": 2, "east": 3}):
        response = http.get("/map/pins.json", query_string=bad)
        assert response.status_code == 400 and "Reload the page" in response.get_json()["error"], bad
    french = logged_in_http(app, make_user(db, locale="fr")).get("/map/pins.json", query_string={"south": "x"})
    assert french.get_json()["error"] == "La zone de la carte n'a pas pu être lue. Rechargez la page."
    wrapped = http.get("/map/pins.json", query_string={"south": -80, "west": -400, "north": 80, "east": 400})
    assert wrapped.status_code == 200  # Leaflet's wrapped world: the whole width


def test_clusters_count_every_pin_once_at_every_zoom():
    rng = random.Random(5)
    pins = [{"id": i, "n": f"C{i}", "s": "client", "lat": rng.uniform(43.3, 49.5), "lon": rng.uniform(-1.5, 7.0),
             "a": 0} for i in range(5000)]
    pins += [{"id": 5000 + i, "n": "Same place", "s": "lead", "lat": 45.0, "lon": 5.0, "a": 0} for i in range(300)]
    for zoom in (0, 3, 6, 9, 12, 15, 19):
        shown = cluster_pins(pins, zoom)
        assert len(shown.pins) + len(shown.clusters) <= MAX_ITEMS, zoom
        assert shown.count == len(pins), zoom
        ids = [p["id"] for p in shown.pins]
        assert len(ids) == len(set(ids))
        for cluster in shown.clusters:
            south, west, north, east = cluster["b"]
            assert cluster["n"] >= 2 and south <= cluster["lat"] <= north and west <= cluster["lon"] <= east
    few = pins[:MAX_ITEMS]
    assert cluster_pins(few, 3).pins == few  # few pins go out as they are (the browser clusters them)


def test_at_20000_clients_every_answer_stays_under_200_kb(app, db):
    rep = make_user(db)
    other = make_user(db)
    model = make_located_client(db, rep, "Modèle", 45.76, 4.83)
    rng = random.Random(7)
    places = [(other.id if i % 10 == 0 else rep.id, rng.uniform(43.3, 49.5), rng.uniform(-1.5, 7.0))
              for i in range(20_000)]
    copy_located_clients(db, model, places, name="Établissement " + "x" * 175)  # long names (200 characters at most)
    http = logged_in_http(app, rep)
    mine = 18_000 + 1  # and the model, in Lyon (in every area)
    areas = {0: {"south": -85, "west": -180, "north": 85, "east": 180}, 6: FRANCE,
             9: {"south": 45.0, "west": 3.5, "north": 46.5, "east": 5.5}, 13: LYON}
    for zoom in (0, 3, 6, 9, 13, 17):
        area = areas.get(zoom, FRANCE)
        response = http.get("/map/pins.json", query_string={**area, "zoom": zoom})
        size = len(response.get_data())
        data = json.loads(response.get_data())
        assert size <= 200 * 1024, (zoom, size)
        inside = sum(1 for owner, lat, lon in places if owner == rep.id and area["south"] <= lat <= area["north"]
                     and area["west"] <= lon <= area["east"])
        assert data["count"] == inside + 1, zoom  # every client of the area, alone or in a cluster
        assert sum(item["count"] for item in data["legend"]) == data["count"]
    assert 'data-first-ask="view"' in http.get("/map").get_data(as_text=True)  # too many to ask for all
    first = http.get("/map/pins.json", query_string={"zoom": 6})  # the first look: no area yet
    assert len(first.get_data()) <= 200 * 1024 and first.get_json()["count"] == mine
