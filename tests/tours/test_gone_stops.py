"""A stop whose client left the rep's scope (given to another rep, or deleted to the bin): the tour
keeps a trace of the stop but shows nothing of the client — not on the page, the map route, the
navigation links, the Google Maps directions or the mileage export — and leaves it out of the plan."""

from __future__ import annotations

import json
import re
from datetime import date, time
from html import unescape

from sqlmodel import select

from fieldcrm.clients.models import Client
from fieldcrm.tours import services
from fieldcrm.tours.models import Tour, TourStop
from tests.factories import hand_over, logged_in_http, make_located_client, make_team, make_tour, make_user

DAY = date(2025, 3, 3)
HOME = (45.7640, 4.8357)
SECRETS = ("Cave Secrète", "12 rue du Secret", "+33478999999", "04 78 99 99 99", "45.779700", "4.827700",
           "Garage Discret", "45.748500", "4.846700", "Fromagerie Équipe", "45.757800", "4.802100")


def _world(app, db):
    team_a, team_b = make_team(db, "Rhône"), make_team(db, "Provence")
    w = {"manager": make_user(db, "manager", team_a), "rep": make_user(db, "rep", team_a),
         "colleague": make_user(db, "rep", team_a), "far_rep": make_user(db, "rep", team_b),
         "admin": make_user(db, "admin")}
    rep = w["rep"]
    w["kept"] = make_located_client(db, rep, "Boulangerie Visible", 45.7712, 4.8655)
    w["moved_out"] = make_located_client(db, rep, "Cave Secrète", 45.7797, 4.8277, street="12 rue du Secret", phone="+33478999999")
    w["deleted"] = make_located_client(db, rep, "Garage Discret", 45.7485, 4.8467)
    w["moved_in_team"] = make_located_client(db, rep, "Fromagerie Équipe", 45.7578, 4.8021)
    w["tour"], w["stops"] = make_tour(db, rep, [w["kept"], w["moved_out"], w["deleted"], w["moved_in_team"]],
                                      day=DAY, start_lat=HOME[0], start_lon=HOME[1], start_label="Bureau",
                                      start_time=time(8, 30), end_time=time(18, 30), lunch_from=None,
                                      lunch_until=None)
    http = logged_in_http(app, rep)
    assert http.post(f"/tours/{w['tour'].id}/optimise").status_code == 303  # planned while all were the rep's
    # Then: one client given to a rep of another team, one to a colleague, one deleted to the bin.
    for key, owner in (("moved_out", w["far_rep"]), ("moved_in_team", w["colleague"])):
        client = db.get(Client, w[key].id)
        client.owner_id = owner.id
        db.add(client)
    db.commit()
    with app.test_request_context():
        from fieldcrm.clients import services as client_services

        client_services.soft_delete(db, rep, db.get(Client, w["deleted"].id))
    db.expire_all()
    return w


def _route(page: str) -> dict:
    return json.loads(unescape(re.search(r'data-route="([^"]*)"', page).group(1)))


def test_the_former_rep_sees_no_trace_of_the_client_only_that_the_stop_went(app, db):
    w = _world(app, db)
    http = logged_in_http(app, w["rep"])
    page = http.get(f"/tours/{w['tour'].id}").get_data(as_text=True)
    assert "Boulangerie Visible" in page
    for secret in SECRETS:
        assert secret not in page, secret
    assert page.count("Client transferred or deleted") == 3
    assert "3 stops left this tour" in page and "Optimise again to update the times." in page
    assert [s["name"] for s in _route(page)["stops"]] == ["Boulangerie Visible"]  # the map route
    assert page.count('data-nav="google"') == 1  # navigation links only for the stop still there
    assert f"/clients/{w['moved_out'].id}" not in page and f"/clients/{w['deleted'].id}" not in page
    # Re-optimised: the gone stops are out of the plan, the Google Maps directions skip them.
    http.post(f"/tours/{w['tour'].id}/optimise")
    db.expire_all()
    tour = db.get(Tour, w["tour"].id)
    assert [c.id for _s, c in services.stops_of(db, tour)] == [w["kept"].id]
    gone = services.gone_stops(db, tour)
    assert {s.client_id for s in gone} == {w["moved_out"].id, w["deleted"].id, w["moved_in_team"].id}
    assert all(s.left_out_reason == services.CLIENT_GONE and s.arrival_s is None for s in gone)
    page = http.get(f"/tours/{tour.id}").get_data(as_text=True)
    links = re.findall(r'href="(https://www\.google\.com/maps/dir/[^"]*)"', page)
    assert links and all("45.779700" not in unescape(link) and "45.748500" not in unescape(link) for link in links)
    for secret in SECRETS:
        assert secret not in page, secret
    assert "Optimise again" not in page  # the new plan was made without them


def test_nothing_can_be_done_on_a_gone_stop_but_remove_it(app, db):
    w = _world(app, db)
    http = logged_in_http(app, w["rep"])
    tour_id = w["tour"].id
    gone = {s.client_id: s.id for s in services.gone_stops(db, w["tour"])}
    stop = db.get(TourStop, gone[w["moved_out"].id])
    assert http.get(f"/tours/{tour_id}/stops/{stop.id}").status_code == 404  # its details: the client's name
    assert http.get(f"/tours/{tour_id}/stops/{stop.id}", headers={"HX-Request": "true"}).status_code == 404
    assert http.post(f"/tours/{tour_id}/stops/{stop.id}/state", data={"state": "done"}).status_code == 404
    assert http.post(f"/tours/{tour_id}/stops/{stop.id}/move", data={"direction": "up"}).status_code == 404
    stop_id = stop.id
    response = http.post(f"/tours/{tour_id}/stops/{stop_id}/remove")
    assert response.status_code == 303
    db.expire_all()
    assert db.get(TourStop, stop_id) is None
    page = http.get(f"/tours/{tour_id}").get_data(as_text=True)
    assert page.count("Client transferred or deleted") == 2
    # The manager looks but does not remove.
    manager = logged_in_http(app, w["manager"])
    assert manager.post(f"/tours/{tour_id}/stops/{gone[w['deleted'].id]}/remove").status_code == 403


def test_the_managers_view_of_the_tour(app, db):
    w = _world(app, db)
    http = logged_in_http(app, w["manager"])
    page = http.get(f"/tours/{w['tour'].id}").get_data(as_text=True)
    assert "Boulangerie Visible" in page
    for secret in SECRETS:  # even the client now with a colleague of the team: it left this rep's tour
        assert secret not in page, secret
    assert page.count("Client transferred or deleted") == 3
    assert "Remove from the tour" not in page and "Optimise again" not in page  # the manager only looks
    # The client moved within the team is still the manager's to see, on its own card.
    assert http.get(f"/clients/{w['moved_in_team'].id}").status_code == 200
    assert http.get(f"/clients/{w['moved_out'].id}").status_code == 404
    fragment = http.get(f"/tours/{w['tour'].id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Cave Secrète" not in fragment and "Client transferred or deleted" in fragment


def test_the_new_owner_sees_the_client_and_a_restored_client_comes_back(app, db):
    w = _world(app, db)
    far = logged_in_http(app, w["far_rep"])
    assert far.get(f"/tours/{w['tour'].id}").status_code == 404  # the former rep's tour stays theirs
    assert "Cave Secrète" in far.get(f"/clients/{w['moved_out'].id}").get_data(as_text=True)
    with app.test_request_context():
        from fieldcrm.clients import services as client_services

        client_services.restore(db, w["rep"], db.get(Client, w["deleted"].id))
    page = logged_in_http(app, w["rep"]).get(f"/tours/{w['tour'].id}").get_data(as_text=True)
    assert "Garage Discret" in page and page.count("Client transferred or deleted") == 2


def test_admin_portfolio_move_empties_the_former_reps_tour_and_mileage_export(app, db):
    w = _world(app, db)
    rep = w["rep"]
    http = logged_in_http(app, rep)
    kept_stop = next(s for s, c in services.stops_of(db, w["tour"]) if c.id == w["kept"].id)
    http.post(f"/tours/{w['tour'].id}/stops/{kept_stop.id}/state", data={"state": "done"})
    hand_over(db, w["admin"], rep, w["far_rep"])  # the tour is in the past: its stops stay
    db.expire_all()
    assert db.get(Client, w["kept"].id).owner_id == w["far_rep"].id
    page = http.get(f"/tours/{w['tour'].id}").get_data(as_text=True)
    assert "Boulangerie Visible" not in page and page.count("Client transferred or deleted") == 4
    assert _route(page)["stops"] == [] and 'data-nav="google"' not in page
    assert "google.com/maps/dir" not in page
    csv_body = http.get("/tours/mileage", query_string={"month": "2025-03", "format": "csv"}).get_data(as_text=True)
    assert "2025-03-03" in csv_body  # the day driven stays in the log…
    for secret in (*SECRETS, "Boulangerie Visible"):
        assert secret not in csv_body  # …with nothing of the clients
    # The optimiser has nothing left to plan: no client of another rep enters it.
    http.post(f"/tours/{w['tour'].id}/optimise")
    db.expire_all()
    assert services.stops_of(db, db.get(Tour, w["tour"].id)) == []
    stops = db.exec(select(TourStop).where(TourStop.tour_id == w["tour"].id)).all()
    assert all(s.arrival_s is None for s in stops if s.state == "planned")
