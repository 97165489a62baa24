"""Lists, search, the map, tours, Today, the calendar feed, segments, exports and duplicates never
show another portfolio; forms cannot reach outside it. (Routes taking an id: test_id_routes.)"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from fieldcrm import timeutil
from fieldcrm.clients.models import Client
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.visits.models import Interaction
from tests.access.world import EXPECTED, HTMX, NAMES
from tests.factories import make_appointment, make_client, make_followup, make_user


@pytest.fixture
def world(access_world):
    return access_world


@pytest.mark.parametrize("who", ["rep_a", "manager_a"])
def test_user_administration_is_admin_only(app, world, login, who):
    http = app.test_client()
    login(world[who], http=http)
    for url in ("/admin/users", "/admin/users/new", "/admin/privacy", f"/admin/users/{world['rep_c'].id}",
                "/privacy/requests", "/privacy/requests/new", "/privacy/notice", "/privacy/organisation"):
        assert http.get(url).status_code == 404
    assert http.post(f"/admin/users/{world['rep_c'].id}/active", data={"active": "0"}).status_code == 404


def test_admin_reaches_user_routes(app, world, login):
    http = app.test_client()
    login(world["admin"], http=http)
    assert http.get(f"/admin/users/{world['rep_a'].id}").status_code == 200
    assert http.get("/admin/users/99999").status_code == 404


def _listed(http, **params):
    body = http.get("/clients", query_string=params).get_data(as_text=True)
    return {name for name in NAMES if name in body}


def test_list_and_search_never_show_another_portfolio(app, world, login, db):
    for who, names in EXPECTED.items():
        http = app.test_client()
        login(world[who], http=http)
        assert _listed(http) == names, who
        # Searching for someone else's client by name, city or phone finds nothing.
        for query in ("castagne", "bernard", "helene", "04 78 00 00 01"):
            found = _listed(http, q=query)
            assert found <= names, (who, query, found)
        rows = http.get("/clients/rows", query_string={"page": 1}).get_data(as_text=True)
        assert {n for n in NAMES if n in rows} == names


def test_manager_without_team_sees_only_own(app, db, login):
    lonely = make_user(db, "manager")
    other = make_user(db, "rep")
    make_client(db, other, company_name="Hidden Client")
    make_client(db, lonely, company_name="Own Client")
    http = app.test_client()
    login(lonely, http=http)
    body = http.get("/clients").get_data(as_text=True)
    assert "Own Client" in body and "Hidden Client" not in body


def test_client_form_cannot_give_a_client_outside_the_scope(app, world, login, db):
    http = app.test_client()
    login(world["rep_a"], http=http)
    response = http.post("/clients/new", data={"kind": "company", "company_name": "Sneaky SARL",
                                               "status": "lead", "country": "FR",
                                               "owner_id": str(world["rep_c"].id)})
    assert response.status_code == 422  # not a choice the rep may make
    assert db.exec(select(Client).where(Client.company_name == "Sneaky SARL")).first() is None


# --- map pins and tours never show another portfolio ---------------------------------------------

def test_map_pins_never_show_another_portfolio(app, world, login, db):
    for key in ("client_a", "client_b", "client_c"):
        row = db.get(Client, world[key].id)
        row.latitude, row.longitude, row.geo_precision = 45.76, 4.83, "street"
        db.add(row)
    db.commit()
    for who, names in EXPECTED.items():
        http = app.test_client()
        login(world[who], http=http)
        pins = http.get("/map/pins.json").get_json()["pins"]
        assert {p["n"] for p in pins} == names, who
        nearby = http.get("/map/nearby", query_string={"lat": 45.76, "lon": 4.83}).get_data(as_text=True)
        assert {n for n in NAMES if n in nearby} == names


def test_a_zone_drawn_on_the_map_never_takes_another_portfolio(app, world, login, db):
    for key in ("client_a", "client_b", "client_c"):
        row = db.get(Client, world[key].id)
        row.latitude, row.longitude, row.geo_precision = 45.76, 4.83, "street"
        db.add(row)
    db.commit()
    zone = json.dumps([[45.7, 4.7], [45.8, 4.7], [45.8, 4.9], [45.7, 4.9]])  # all three clients inside
    for who, names in EXPECTED.items():
        http = app.test_client()
        login(world[who], http=http)
        preview = http.post("/map/zone", data={"zone": zone}, headers=HTMX).get_data(as_text=True)
        assert {n for n in NAMES if n in preview} == names, who
        assert http.post("/tours/zone", data={"zone": zone}).status_code == 303
        today = db.exec(select(Tour).where(Tour.owner_id == world[who].id).order_by(Tour.id.desc())).first()
        added = set(db.exec(select(Client.company_name).join(TourStop, TourStop.client_id == Client.id)
                            .where(TourStop.tour_id == today.id)).all())
        assert added == names, who
    anonymous = app.test_client()
    assert anonymous.post("/map/zone", data={"zone": zone}).status_code in (302, 303)
    assert anonymous.post("/tours/zone", data={"zone": zone}).status_code in (302, 303)


def test_tours_are_seen_by_their_rep_manager_and_admin_only(app, world, login):
    tour_url = f"/tours/{world['tour_a'].id}"
    for who, status in (("rep_a", 200), ("manager_a", 200), ("admin", 200), ("rep_b", 404), ("rep_c", 404)):
        http = app.test_client()
        login(world[who], http=http)
        assert http.get(tour_url).status_code == status, who
        listing = http.get("/tours").get_data(as_text=True)
        assert (tour_url in listing) == (status == 200), who


def test_a_rep_cannot_add_another_reps_client_to_a_tour(app, world, login):
    http = app.test_client()
    login(world["rep_b"], http=http)
    assert http.post("/tours/today/stops", data={"client_id": world["client_a"].id}).status_code == 404


# --- Today, the week, the timeline and the calendar feed never show another portfolio --------------

def test_today_week_and_feed_never_show_another_portfolio(app, world, login, db, monkeypatch):
    monkeypatch.setattr(timeutil, "now", lambda: datetime(2026, 11, 30, 8, tzinfo=UTC))
    make_followup(db, world["rep_c"], world["client_c"], date(2026, 11, 30), reason="Relance Castagné")
    make_appointment(db, world["rep_c"], world["client_c"], datetime(2026, 11, 30, 10, tzinfo=UTC))
    for who in ("rep_a", "rep_b", "manager_a"):
        http = app.test_client()
        login(world[who], http=http)
        for url in ("/", "/week", "/week?start=2026-11-30"):
            assert "Castagné" not in http.get(url).get_data(as_text=True), (who, url)
        page = http.post("/agenda/calendar", data={"action": "create"}).get_data(as_text=True)
        feed = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
        ics = http.get(feed.replace("http://localhost", "")).get_data(as_text=True)
        assert "BEGIN:VCALENDAR" in ics and "Castagn" not in ics, who
    rep_a = app.test_client()
    login(world["rep_a"], http=rep_a)
    assert "Boulangerie" in rep_a.get("/").get_data(as_text=True)  # the day of the owner shows it


def test_a_rep_cannot_log_on_another_reps_client(app, world, login, db):
    http = app.test_client()
    login(world["rep_b"], http=http)
    before = db.exec(select(func.count(Interaction.id))).one()
    for headers in ({}, HTMX, {"Accept": "application/json"}):
        response = http.post(f"/clients/{world['client_a'].id}/log", headers=headers,
                             data={"uid": "0b7c1c9e-3c6f-4d4e-9d7a-2f1e5b7a9c11", "outcome": "reached"})
        assert response.status_code == 404
    assert db.exec(select(func.count(Interaction.id))).one() == before


def test_segments_are_private_or_shared_with_the_team_only(app, world, login):
    mine, shared = world["segment_a"].id, world["segment_b"].id
    reach = {"rep_a": {mine, shared}, "rep_b": {shared}, "manager_a": {shared}, "rep_c": set(),
             "admin": {mine, shared}}
    for who, visible in reach.items():
        http = app.test_client()
        login(world[who], http=http)
        for segment_id in (mine, shared):
            expected = 200 if segment_id in visible else 404
            assert http.get("/clients", query_string={"segment": segment_id}).status_code == expected, who
            assert http.get(f"/exports/clients.csv?segment={segment_id}").status_code == expected, who
            for url in ("/map", "/map/pins.json"):  # the map filtered and coloured by a saved segment
                assert http.get(url, query_string={"saved_segment": segment_id}).status_code == expected, who
            assert http.get(f"/segments/{segment_id}/map.html").status_code == expected, who  # its map file
            editable = segment_id == mine and who in ("rep_a", "admin") or segment_id == shared and who in ("rep_b", "admin")
            assert http.get(f"/segments/{segment_id}/edit").status_code == (200 if editable else 404), who
            assert http.get(f"/segments/{segment_id}/edit", headers=HTMX).status_code == (200 if editable else 404)
        if who not in ("rep_b", "admin"):
            assert http.post(f"/segments/{shared}/delete").status_code == 404, who
        # A shared segment shows each user only their own portfolio.
        body = http.get("/clients", query_string={"segment": shared}).get_data(as_text=True)
        assert {n for n in NAMES if n in body} <= EXPECTED[who], who
        pins = http.get("/map/pins.json", query_string={"colour_by": "segment"}).get_json()
        assert {x["label"] for x in pins["legend"][:-1]} == {s.name for s in (world["segment_a"], world["segment_b"])
                                                             if s.id in visible}, who


def test_exports_duplicates_and_campaigns_never_show_another_portfolio(app, world, login):
    for who, names in EXPECTED.items():
        http = app.test_client()
        login(world[who], http=http)
        for fmt in ("csv", "xlsx"):
            response = http.get(f"/exports/clients.{fmt}")
            assert response.status_code == 200
            if fmt == "csv":
                text = response.data.decode("utf-8-sig")
                assert {n for n in NAMES if n in text} == names, who
        duplicates = http.get("/duplicates").get_data(as_text=True)
        assert {n for n in NAMES if n in duplicates} <= names, who
        campaigns = http.get("/campaigns").get_data(as_text=True)
        assert ("Noël" in campaigns) == (who in ("rep_a", "manager_a", "admin")), who
        imports = http.get("/imports").get_data(as_text=True)
        assert ("mes clients.csv" in imports) == (who == "rep_a"), who



def test_the_list_counts_loaded_after_the_page_never_count_another_portfolio(app, world, login):
    counted = {}
    for who in ("rep_a", "rep_c", "admin"):
        http = app.test_client()
        login(world[who], http=http)
        body = http.get("/clients/counts", query_string={"q": "castagne"},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
        counted[who] = re.search(r'class="result-count">\s*(\d+) clients?\s*<', body).group(1)
    assert counted == {"rep_a": "0", "rep_c": "1", "admin": "1"}  # Cave Castagné is rep_c's
