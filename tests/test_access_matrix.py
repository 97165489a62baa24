"""Every route that takes an id, walked as anonymous / other rep / owner / manager / admin,
full page and htmx fragment. Outside the scope is 404, never 403."""

from __future__ import annotations

import pytest

from tests.factories import make_client, portfolio_world

HTMX = {"HX-Request": "true"}
DOWNLOADS = {"exports.vcard", "exports.campaign_csv", "imports.error_report", "tours.map_download",
             "maps.segment_download"}
# Segments have their own reach (private, or shared with the team; editing is the owner's), walked in
# test_segments_are_private_or_shared_with_the_team_only; strangers and anonymous users are walked here.
OWN_REACH = {"segment_id"}
# Routes that change state when the request is allowed: only their refusals are walked with POST.
STATE_CHANGING = {"clients.delete", "clients.restore", "clients.contact_delete", "clients.edit",
                  "clients.contact_new", "clients.contact_edit", "accounts.user_active",
                  "accounts.user_password", "clients.user_portfolio", "accounts.user_edit",
                  "visits.interaction_edit", "visits.interaction_delete", "visits.interaction_restore",  # a log's own actions
                  "clients.erase"}
# Routes on a client only an admin reaches: 404 for everyone else, the client's own rep included.
ADMIN_ONLY = {"clients.erase"}


@pytest.fixture
def world(app, db):
    w = portfolio_world(db)
    from fieldcrm.clients import services

    with app.test_request_context():
        w["contact_a"] = services.save_contact(db, w["rep_a"], w["client_a"], {"last_name": "Durand"})
    from tests.factories import make_tour

    w["tour_a"], stops = make_tour(db, w["rep_a"], [w["client_a"]])
    w["stop_a"] = stops[0]
    _issue4_world(db, w)
    _issue6_world(app, db, w)
    return w


def _issue4_world(db, w):
    """An interaction, a follow-up and an appointment on rep_a's client."""
    from datetime import date, datetime

    from fieldcrm.timeutil import UTC
    from tests.factories import make_appointment, make_followup, make_interaction

    w["interaction_a"] = make_interaction(db, w["rep_a"], w["client_a"], note="Cave Castagné? no: secret")
    w["followup_a"] = make_followup(db, w["rep_a"], w["client_a"], date(2026, 11, 30), reason="Relance")
    w["appointment_a"] = make_appointment(db, w["rep_a"], w["client_a"], datetime(2026, 12, 1, 9, tzinfo=UTC))
    # A log rep_a deleted: its undo (the audit event keeping it) is reached through client_a.
    from fieldcrm.visits import services as visits

    removed = make_interaction(db, w["rep_a"], w["client_a"], note="Cave Castagné, supprimé")
    with db.info["app"].test_request_context():
        w["deletion_a"] = visits.delete_interaction(db, w["rep_a"], removed)


def id_routes(app):
    rules = [r for r in app.url_map.iter_rules()
             if r.arguments & {"client_id", "user_id", "contact_id", "tour_id", "stop_id",
                               "interaction_id", "followup_id", "appointment_id", "deletion_id",  # the daily loop's records
                               "import_id", "campaign_id", "merge_id", "purchase_id", "other_id", "segment_id"}]
    assert len(rules) >= 10, "the matrix must walk every route taking an id"
    return rules


def url_for_rule(app, rule, world):
    values = {}
    if "client_id" in rule.arguments:
        values["client_id"] = world["client_a"].id
    if "contact_id" in rule.arguments:
        values["contact_id"] = world["contact_a"].id
    if "user_id" in rule.arguments:
        values["user_id"] = world["rep_a"].id
    if "tour_id" in rule.arguments:
        values["tour_id"] = world["tour_a"].id
    if "stop_id" in rule.arguments:
        values["stop_id"] = world["stop_a"].id
    for kind in ("interaction", "followup", "appointment", "deletion"):
        if f"{kind}_id" in rule.arguments:
            values[f"{kind}_id"] = world[f"{kind}_a"].id
    for kind in ("import", "campaign", "merge", "purchase", "other", "segment"):
        if f"{kind}_id" in rule.arguments:
            values[f"{kind}_id"] = world[f"{kind}_a"].id
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def method_of(rule):
    return "GET" if "GET" in rule.methods else "POST"


def _call(http, method, url, headers=None):
    return http.open(url, method=method, headers=headers or {}, data={})


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_anonymous_is_sent_to_login(app, world, fragment):
    http = app.test_client()
    for rule in id_routes(app):
        url = url_for_rule(app, rule, world)
        response = _call(http, method_of(rule), url, HTMX if fragment else None)
        if fragment:
            assert response.status_code == 204 and "/login" in response.headers["HX-Redirect"], url
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("stranger", ["rep_b", "rep_c"])
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_other_reps_get_404_everywhere(app, world, login, stranger, fragment):
    http = app.test_client()
    login(world[stranger], http=http)
    for rule in id_routes(app):
        url = url_for_rule(app, rule, world)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = _call(http, method, url, HTMX if fragment else None)
            assert response.status_code == 404, (stranger, method, url, response.status_code)
            assert b"Cave" not in response.data or stranger == "rep_c"


@pytest.mark.parametrize("who", ["rep_a", "manager_a", "admin"])
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_owner_manager_admin_see_the_client(app, world, login, who, fragment):
    http = app.test_client()
    login(world[who], http=http)
    for rule in id_routes(app):
        if "user_id" in rule.arguments or rule.arguments & OWN_REACH or "GET" not in rule.methods:
            continue
        url = url_for_rule(app, rule, world)
        response = http.get(url, headers=HTMX if fragment else None)
        if rule.endpoint in ADMIN_ONLY and who != "admin":
            assert response.status_code == 404, (who, url, response.status_code)
            assert http.post(url, data={"confirm": "yes"}).status_code == 404, (who, url)
            continue
        assert response.status_code == 200, (who, url, response.status_code)
        if rule.endpoint in DOWNLOADS:  # files (CSV, vCard) are the same for htmx
            continue
        if fragment:
            assert b"<html" not in response.data, f"{url} must answer a fragment to htmx"
        else:
            assert b"<html" in response.data


@pytest.mark.parametrize("who", ["rep_a", "manager_a"])
def test_user_administration_is_admin_only(app, world, login, who):
    http = app.test_client()
    login(world[who], http=http)
    for url in ("/admin/users", "/admin/users/new", "/admin/privacy", f"/admin/users/{world['rep_c'].id}"):
        assert http.get(url).status_code == 404
    assert http.post(f"/admin/users/{world['rep_c'].id}/active", data={"active": "0"}).status_code == 404


def test_admin_reaches_user_routes(app, world, login):
    http = app.test_client()
    login(world["admin"], http=http)
    assert http.get(f"/admin/users/{world['rep_a'].id}").status_code == 200
    assert http.get("/admin/users/99999").status_code == 404


def _listed(http, **params):
    body = http.get("/clients", query_string=params).get_data(as_text=True)
    return {name for name in ("Boulangerie Hélène", "Garage Bernard", "Cave Castagné") if name in body}


def test_list_and_search_never_show_another_portfolio(app, world, login, db):
    expected = {
        "rep_a": {"Boulangerie Hélène"},
        "rep_b": {"Garage Bernard"},
        "rep_c": {"Cave Castagné"},
        "manager_a": {"Boulangerie Hélène", "Garage Bernard"},
        "admin": {"Boulangerie Hélène", "Garage Bernard", "Cave Castagné"},
    }
    for who, names in expected.items():
        http = app.test_client()
        login(world[who], http=http)
        assert _listed(http) == names, who
        # Searching for someone else's client by name, city or phone finds nothing.
        for query in ("castagne", "bernard", "helene", "04 78 00 00 01"):
            found = _listed(http, q=query)
            assert found <= names, (who, query, found)
        rows = http.get("/clients/rows", query_string={"page": 1}).get_data(as_text=True)
        assert {n for n in ("Boulangerie Hélène", "Garage Bernard", "Cave Castagné") if n in rows} == names


def test_manager_without_team_sees_only_own(app, db, login):
    from tests.factories import make_user

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
    from sqlmodel import select

    from fieldcrm.clients.models import Client

    assert db.exec(select(Client).where(Client.company_name == "Sneaky SARL")).first() is None


# --- map pins and tours never show another portfolio ---------------------------------------------

def test_map_pins_never_show_another_portfolio(app, world, login, db):
    from fieldcrm.clients.models import Client

    for key in ("client_a", "client_b", "client_c"):
        row = db.get(Client, world[key].id)
        row.latitude, row.longitude, row.geo_precision = 45.76, 4.83, "street"
        db.add(row)
    db.commit()
    expected = {"rep_a": {"Boulangerie Hélène"}, "rep_b": {"Garage Bernard"}, "rep_c": {"Cave Castagné"},
                "manager_a": {"Boulangerie Hélène", "Garage Bernard"},
                "admin": {"Boulangerie Hélène", "Garage Bernard", "Cave Castagné"}}
    for who, names in expected.items():
        http = app.test_client()
        login(world[who], http=http)
        pins = http.get("/map/pins.json").get_json()["pins"]
        assert {p["n"] for p in pins} == names, who
        nearby = http.get("/map/nearby", query_string={"lat": 45.76, "lon": 4.83}).get_data(as_text=True)
        assert {n for n in ("Boulangerie Hélène", "Garage Bernard", "Cave Castagné") if n in nearby} == names


def test_a_zone_drawn_on_the_map_never_takes_another_portfolio(app, world, login, db):
    import json

    from sqlmodel import select

    from fieldcrm.clients.models import Client
    from fieldcrm.tours.models import Tour, TourStop

    for key in ("client_a", "client_b", "client_c"):
        row = db.get(Client, world[key].id)
        row.latitude, row.longitude, row.geo_precision = 45.76, 4.83, "street"
        db.add(row)
    db.commit()
    zone = json.dumps([[45.7, 4.7], [45.8, 4.7], [45.8, 4.9], [45.7, 4.9]])  # all three clients inside
    expected = {"rep_a": {"Boulangerie Hélène"}, "rep_b": {"Garage Bernard"}, "rep_c": {"Cave Castagné"},
                "manager_a": {"Boulangerie Hélène", "Garage Bernard"},
                "admin": {"Boulangerie Hélène", "Garage Bernard", "Cave Castagné"}}
    for who, names in expected.items():
        http = app.test_client()
        login(world[who], http=http)
        preview = http.post("/map/zone", data={"zone": zone}, headers=HTMX).get_data(as_text=True)
        assert {n for n in ("Boulangerie Hélène", "Garage Bernard", "Cave Castagné") if n in preview} == names, who
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


def test_only_the_rep_changes_their_tour(app, world, login):
    http = app.test_client()
    login(world["manager_a"], http=http)
    stop = world["stop_a"]
    assert http.post(f"/tours/{world['tour_a'].id}/stops/{stop.id}/state", data={"state": "done"}).status_code == 403
    assert http.post(f"/tours/{world['tour_a'].id}/optimise").status_code == 403


def test_a_rep_cannot_add_another_reps_client_to_a_tour(app, world, login):
    http = app.test_client()
    login(world["rep_b"], http=http)
    assert http.post("/tours/today/stops", data={"client_id": world["client_a"].id}).status_code == 404


# --- Today, the week, the timeline and the calendar feed never show another portfolio --------------

def test_today_week_and_feed_never_show_another_portfolio(app, world, login, db, monkeypatch):
    from datetime import UTC, date, datetime

    from fieldcrm import timeutil
    from tests.factories import make_appointment, make_followup

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
    from sqlmodel import func, select

    from fieldcrm.visits.models import Interaction

    http = app.test_client()
    login(world["rep_b"], http=http)
    before = db.exec(select(func.count(Interaction.id))).one()
    for headers in ({}, HTMX, {"Accept": "application/json"}):
        response = http.post(f"/clients/{world['client_a'].id}/log", headers=headers,
                             data={"uid": "0b7c1c9e-3c6f-4d4e-9d7a-2f1e5b7a9c11", "outcome": "reached"})
        assert response.status_code == 404
    assert db.exec(select(func.count(Interaction.id))).one() == before


# --- imports, campaigns, merges, segments, duplicates and exports stay in their portfolio -----------

def _issue6_world(app, db, w):
    """Rep_a's import, campaign, purchase, a merge, a second card and a private segment."""
    import io
    from datetime import date
    from decimal import Decimal

    from fieldcrm.dedupe import services as dedupe
    from fieldcrm.imports import services as imports
    from fieldcrm.sales import services as sales
    from fieldcrm.segments import services as segments

    rep = w["rep_a"]
    w["other_a"] = make_client(db, rep, company_name="Boulangerie Hélène bis", postal_code="69001")
    x = make_client(db, rep, company_name="Fusion A")
    y = make_client(db, rep, company_name="Fusion B")
    with app.test_request_context():
        w["import_a"] = imports.upload(db, rep, "mes clients.csv",
                                       io.BytesIO("Raison sociale;CP\nCave Castagné;13002\n".encode()))
        w["purchase_a"] = sales.add_purchase(db, rep, w["client_a"], {
            "purchased_on": date(2026, 10, 1), "amount": Decimal("120.50"), "product": "Four"})
        w["campaign_a"] = sales.create_campaign(db, rep, {"name": "Noël", "channel": "email",
                                                          "sent_on": date(2026, 11, 20), "offer": None})
        w["merge_a"] = dedupe.merge_clients(db, rep, x, y, set())
        w["segment_a"] = segments.save_segment(db, rep, {"city": "lyon"}, "Lyonnais", False, "#0f5e6e")
        w["segment_b"] = segments.save_segment(db, w["rep_b"], {}, "Équipe A", True, "#b3261e")


NAMES = ("Boulangerie Hélène", "Garage Bernard", "Cave Castagné")
EXPECTED = {"rep_a": {"Boulangerie Hélène"}, "rep_b": {"Garage Bernard"}, "rep_c": {"Cave Castagné"},
            "manager_a": {"Boulangerie Hélène", "Garage Bernard"}, "admin": set(NAMES)}


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

