"""Colour codes per status and per saved segment, in the client list and on the map, with words or a legend
beside every colour; membership computed with one query per segment, never per client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import select

from fieldcrm.clients.models import STATUSES, Client
from fieldcrm.segments import services as segment_services
from fieldcrm.segments.colours import pin_colouring
from fieldcrm.segments.models import COLOURS, Segment
from tests.factories import make_client, make_team, make_user

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text(encoding="utf-8")


def _segment(db, owner, name, filters, colour, shared=False):
    with db.info["app"].test_request_context():
        return segment_services.save_segment(db, owner, filters, name, shared, colour)


def _place(db, client, lat, lon):
    client.latitude, client.longitude = lat, lon
    db.add(client)
    db.commit()


@pytest.fixture
def team_book(app, db):
    team = make_team(db)
    rep, mate = make_user(db, "rep", team, locale="en"), make_user(db, "rep", team)
    stranger = make_user(db, "rep")
    c = {
        "lyon": make_client(db, rep, company_name="Boulangerie Lyon", status="client", city="Lyon", tags=["bio"]),
        "bron": make_client(db, rep, company_name="Pharmacie Bron", status="prospect", city="Bron", tags=["bio"]),
        "paris": make_client(db, rep, company_name="Café Paris", status="lead", city="Paris"),
        "nowhere": make_client(db, rep, company_name="Sans position", status="client", city="Lyon"),
    }
    for key, (lat, lon) in {"lyon": (45.76, 4.83), "bron": (45.73, 4.91), "paris": (48.85, 2.35)}.items():
        _place(db, c[key], lat, lon)
    segments = {
        "bio": _segment(db, rep, "Bio", {"tag": "bio"}, COLOURS[2]),  # mine, private
        "lyon": _segment(db, mate, "Agglo lyonnaise", {"city": "lyon"}, COLOURS[4], shared=True),  # team
        "hidden": _segment(db, stranger, "Autre équipe", {}, COLOURS[1], shared=True),  # not for rep
    }
    return rep, c, segments


def test_every_status_and_palette_colour_has_its_css():
    for status in STATUSES:
        assert re.search(rf"\.status-{status} {{ --status-colour: #[0-9a-f]{{6}}; }}", CSS), status
        assert f".pin-{status} span" in CSS, status
    for index, colour in enumerate(COLOURS):
        assert f".seg-{index} {{ --seg-colour: {colour}; }}" in CSS
    assert '.client-row[class*="status-"] { border-left: 6px solid var(--status-colour); }' in CSS
    assert ".client-row.in-segment" in CSS and '.pin[class*="seg-"] span' in CSS and ".seg-none" in CSS


def test_each_list_row_shows_its_status_colour_and_words(app, db, team_book, login, client):
    rep, c, _segments = team_book
    login(rep)
    page = client.get("/clients").get_data(as_text=True)
    rows = re.findall(r'<li class="client-row ([^"]+)">', page)
    assert sorted(rows) == sorted(f"status-{x.status}" for x in c.values())
    assert '<span class="badge status-lead">Lead</span>' in page  # the colour is never the only cue
    assert "style=" not in page


def test_a_list_filtered_by_a_saved_segment_carries_its_colour(app, db, team_book, login, client):
    rep, _c, segments = team_book
    login(rep)
    page = client.get("/clients", query_string={"segment": segments["lyon"].id}).get_data(as_text=True)
    assert re.findall(r'<li class="client-row ([^"]+)">', page) == ["in-segment seg-4"] * 2  # Lyon, Sans position
    assert "Segment: Agglo lyonnaise (its clients are marked in its colour)" in page
    assert '<span class="seg-dot seg-4" aria-hidden="true">' in page
    assert "badge status-client" in page  # the status stays written
    more = client.get("/clients/rows", query_string={"segment": segments["lyon"].id}).get_data(as_text=True)
    assert 'class="client-row in-segment seg-4"' in more  # infinite scroll pages too


def test_the_segment_form_offers_named_colours_and_refuses_others(app, db, team_book, login, client):
    rep, _c, _segments = team_book
    login(rep)
    form = client.get("/segments/new").get_data(as_text=True)
    assert form.count('name="colour"') == len(COLOURS) and "Slate grey" in form and "Teal" in form
    bad = client.post("/segments/new", data={"name": "Mes bio", "tag": "bio", "colour": "#ff00ff"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Choose one of the colours offered." in body and 'value="Mes bio"' in body and 'value="bio"' in body
    assert db.exec(select(Segment).where(Segment.name == "Mes bio")).first() is None
    good = client.post("/segments/new", data={"name": "Mes bio", "tag": "bio", "colour": COLOURS[5]})
    assert good.status_code == 303
    assert db.exec(select(Segment).where(Segment.name == "Mes bio")).one().colour == COLOURS[5]


def _pins(http, **params):
    response = http.get("/map/pins.json", query_string=params)
    assert response.status_code == 200
    return response.get_json()


def test_map_colour_by_segment_first_match_wins_with_a_legend(app, db, team_book, login, client):
    rep, c, segments = team_book
    login(rep)
    data = _pins(client, colour_by="segment")
    assert data["colour_by"] == "segment"
    # The actor's visible segments by name: "Agglo lyonnaise" (shared by a teammate) then "Bio"; not the
    # other team's. Lyon is in both: the first listed wins.
    assert [(x["label"], x["cls"], x["count"]) for x in data["legend"]] == [
        ("Agglo lyonnaise", "seg-4", 1), ("Bio", "seg-2", 1), ("In none of these segments", "seg-none", 1)]
    by_name = {p["n"]: p["g"] for p in data["pins"]}
    assert by_name == {"Boulangerie Lyon": 0, "Pharmacie Bron": 1, "Café Paris": 2}
    assert "first one listed" in data["legend_note"]
    status = _pins(client)
    assert status["colour_by"] == "status" and "g" not in status["pins"][0]
    assert {x["key"]: x["count"] for x in status["legend"]} == {"suspect": 0, "lead": 1, "prospect": 1,
                                                                 "client": 1, "former_client": 0}
    assert {x["key"]: x["label"] for x in status["legend"]}["former_client"] == "Former client"


def test_a_map_filtered_by_a_saved_segment_takes_its_colour_first(app, db, team_book, login, client):
    rep, _c, segments = team_book
    login(rep)
    data = _pins(client, saved_segment=segments["bio"].id)
    assert {p["n"] for p in data["pins"]} == {"Boulangerie Lyon", "Pharmacie Bron"}
    assert data["colour_by"] == "segment"  # filtered by a segment: its colour by default
    assert data["legend"][0]["label"] == "Bio" and {p["g"] for p in data["pins"]} == {0}
    assert _pins(client, saved_segment=segments["bio"].id, colour_by="status")["colour_by"] == "status"
    page = client.get("/map", query_string={"saved_segment": segments["bio"].id}).get_data(as_text=True)
    assert f'<option value="{segments["bio"].id}" selected>Bio</option>' in page
    assert 'name="colour_by" value="segment" form="map-filters" checked' in page
    assert 'id="map-legend"' in page and "Autre équipe" not in page
    # Out of reach: 404, like the list; the map's other views use the same filter.
    for url in ("/map", "/map/pins.json", "/clients"):
        key = "segment" if url == "/clients" else "saved_segment"
        assert client.get(url, query_string={key: segments["hidden"].id}).status_code == 404, url
    nearby = client.get("/map/nearby", query_string={"lat": 45.76, "lon": 4.83,
                                                     "saved_segment": segments["bio"].id}).get_data(as_text=True)
    assert "Boulangerie Lyon" in nearby and "Café Paris" not in nearby


def test_membership_is_one_query_per_segment_whatever_the_number_of_clients(app, db):
    rep = make_user(db, "rep")
    _segment(db, rep, "A", {"status": ["client"]}, COLOURS[0])
    _segment(db, rep, "B", {"city": "lyon"}, COLOURS[1])
    engine = app.extensions["fieldcrm.engine"]

    def statements_for(count: int) -> int:
        for i in range(count):
            make_client(db, rep, company_name=f"C{i}", city="Lyon" if i % 2 else "Paris")
        pins = [{"id": cid, "s": "client"} for cid in db.exec(select(Client.id)).all()]
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            with app.test_request_context():
                colouring = pin_colouring(db, rep, pins, "segment")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert sum(x["count"] for x in colouring.legend) == len(pins)
        return len(seen)

    few = statements_for(10)
    many = statements_for(300)
    assert few == many <= 3  # the segments, then one query per segment
