"""Building, optimising and driving a tour; fill my day; plan a week;
mileage log; bad input. OSRM only as the fake server on 127.0.0.1."""

from __future__ import annotations

import itertools
from datetime import date, time

import pytest
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.tours import navigation, services
from fieldcrm.tours.day_problem import build_problem, seconds
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.solver import schedule_order
from tests.factories import logged_in_http, make_client, make_tour, make_user
from tests.fakes.osrm import FakeOsrm, closed_port_url

DAY = date(2026, 11, 23)  # a Monday
HOME = (45.7640, 4.8357)  # Lyon centre
PLACES = [(45.7797, 4.8277), (45.7485, 4.8467), (45.7578, 4.8021), (45.7712, 4.8655), (45.7421, 4.8189),
          (45.7850, 4.8500)]


def _located(db, owner, n, **fields):
    clients = []
    for i in range(n):
        client = make_client(db, owner, company_name=f"Stop {i + 1}", postal_code="69001", city="Lyon", **fields)
        client.latitude, client.longitude, client.geo_precision = *PLACES[i % len(PLACES)], "street"
        if i >= len(PLACES):
            client.latitude += 0.001 * i
        db.add(client)
        clients.append(client)
    db.commit()
    return clients


def _tour(db, rep, clients, **settings):
    defaults = {"start_lat": HOME[0], "start_lon": HOME[1], "start_label": "Bureau", "start_time": time(8, 30),
                "end_time": time(18, 30), "lunch_from": None, "lunch_until": None}
    defaults.update(settings)
    return make_tour(db, rep, clients, day=DAY, **defaults)


def test_optimised_order_is_the_brute_force_optimum_with_windows_and_an_appointment(app, db):
    rep = make_user(db)
    clients = _located(db, rep, 5)
    tour, stops = _tour(db, rep, clients)
    # Stop 2 opens only in the afternoon; stop 4 has an appointment at 10:00.
    with app.test_request_context():
        from fieldcrm.clients import services as client_services

        client_services._set_hours(db, clients[1], {0: [("14:00", "18:00")]})
        db.commit()
    stop4 = stops[3]
    services.update_stop(db, tour, stop4, service_minutes=30, priority=50, appointment_at=time(10, 0))
    http = logged_in_http(app, rep)
    assert http.post(f"/tours/{tour.id}/optimise").status_code == 303
    db.expire_all()
    tour = db.get(Tour, tour.id)
    planned = [s for s, _c in services.stops_of(db, tour)]
    assert all(s.left_out_reason is None for s in planned)
    by_client = {s.client_id: s for s in planned}
    assert by_client[clients[1].id].start_s >= 14 * 3600  # opening hours honoured
    assert by_client[clients[3].id].start_s == 10 * 3600  # appointment honoured
    # Brute force over every order of the same problem: the app's driving time is the optimum.
    with app.app_context():
        rows = [(s, c) for s, c in services.stops_of(db, tour)]
        problem, _travel, _closed = build_problem(db, tour, rows, app.config, start=HOME,
                                                    shift_start=seconds(tour.start_time))
    best = min(sol.travel_duration for order in itertools.permutations([s.id for s in problem.stops])
               if (sol := schedule_order(problem, order)).feasible)
    assert tour.duration_s == best
    # The page shows the numbered route, ETAs, totals and the saving.
    page = http.get(f"/tours/{tour.id}").get_data(as_text=True)
    assert "ETA" in page and "km" in page and 'class="stop-number"' in page
    assert 'id="estimated"' in page and "as the crow flies" in page  # no routing server: said plainly


def test_stops_that_cannot_fit_are_listed_with_the_reason(app, db):
    rep = make_user(db)
    clients = _located(db, rep, 3)
    clients[2].latitude = clients[2].longitude = None
    db.add(clients[2])
    db.commit()
    with app.test_request_context():
        from fieldcrm.clients import services as client_services

        client_services._set_hours(db, clients[1], {2: [("09:00", "12:00")]})  # open on Wednesdays only
        db.commit()
    tour, _stops = _tour(db, rep, clients)
    http = logged_in_http(app, rep)
    http.post(f"/tours/{tour.id}/optimise")
    page = http.get(f"/tours/{tour.id}").get_data(as_text=True)
    assert "Closed that day" in page
    assert "No position: geocode it now or place it by hand." in page
    assert "Geocode now" in page and "Place it by hand" in page


def test_travel_times_come_from_osrm_and_fall_back_when_it_is_down(make_app, db_for):
    with FakeOsrm() as osrm:
        app = make_app(ROUTING_URL=osrm.url)
        db = db_for(app)
        rep = make_user(db)
        tour, _ = _tour(db, rep, _located(db, rep, 4))
        http = logged_in_http(app, rep)
        http.post(f"/tours/{tour.id}/optimise")
        assert any(r.service == "table" for r in osrm.requests)
        db.expire_all()
        assert db.get(Tour, tour.id).travel_source == "osrm"
    down = make_app(ROUTING_URL=closed_port_url(), ROUTING_TIMEOUT=0.5)
    http = logged_in_http(down, rep)
    response = http.post(f"/tours/{tour.id}/optimise", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "routing server did not answer" in body
    db.expire_all()
    assert db.get(Tour, tour.id).travel_source == "estimate"


def test_bad_input_start_after_end_no_start_and_too_many_stops(app, db):
    rep = make_user(db)
    clients = _located(db, rep, 2)
    tour, _ = make_tour(db, rep, clients, day=DAY)
    http = logged_in_http(app, rep)
    body = http.post(f"/tours/{tour.id}/optimise", follow_redirects=True).get_data(as_text=True)
    assert "Say where the day starts" in body
    response = http.post(f"/tours/{tour.id}/settings", data={
        "start_label": "69001 Lyon", "end_mode": "start", "start_time": "18:00", "end_time": "08:00"})
    assert response.status_code == 422 and "The day must end after it starts." in response.get_data(as_text=True)
    response = http.post(f"/tours/{tour.id}/settings", data={
        "start_label": "69001 Lyon", "end_mode": "start", "start_time": "08:00", "end_time": "18:00"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Tour, tour.id).start_lat is not None  # located with the offline commune list
    many = _located(db, rep, services.MAX_TOUR_STOPS)
    body = http.post(f"/tours/{tour.id}/stops", data={"client_id": [c.id for c in many]},
                     follow_redirects=True).get_data(as_text=True)
    assert "A tour holds at most 100 stops" in body
    assert len(db.exec(select(TourStop).where(TourStop.tour_id == tour.id)).all()) == 2  # nothing half-added


def test_reorder_done_skip_and_reoptimise_from_here(app, db):
    rep = make_user(db)
    clients = _located(db, rep, 4)
    tour, stops = _tour(db, rep, clients)
    http = logged_in_http(app, rep)
    http.post(f"/tours/{tour.id}/optimise")
    first = services.stops_of(db, tour)[0][0]
    assert http.post(f"/tours/{tour.id}/stops/{first.id}/move", data={"direction": "down"}).status_code == 303
    db.expire_all()
    order = [s for s, _c in services.stops_of(db, db.get(Tour, tour.id))]
    assert order[1].id == first.id
    arrivals = [s.arrival_s for s in order]
    assert all(a is not None for a in arrivals) and arrivals == sorted(arrivals)  # ETAs recomputed in order
    response = http.post(f"/tours/{tour.id}/stops/{order[0].id}/state", data={"state": "done"})
    assert response.status_code == 303 and f"/clients/{order[0].client_id}" in response.headers["Location"]
    http.post(f"/tours/{tour.id}/stops/{order[1].id}/state", data={"state": "skipped"})
    response = http.post(f"/tours/{tour.id}/reoptimise", data={"lat": PLACES[5][0], "lon": PLACES[5][1]})
    assert response.status_code == 303
    db.expire_all()
    rows = [s for s, _c in services.stops_of(db, db.get(Tour, tour.id))]
    assert [s.state for s in rows] == ["done", "skipped", "planned", "planned"]
    assert all(s.arrival_s is not None for s in rows[2:])


def test_add_from_the_map_and_navigation_links(app, db):
    rep = make_user(db)
    clients = _located(db, rep, 6)
    http = logged_in_http(app, rep)
    for client in clients:
        assert http.post("/tours/today/stops", data={"client_id": client.id}).status_code == 303
    tour = db.exec(select(Tour).where(Tour.owner_id == rep.id)).one()
    assert len(services.stops_of(db, tour)) == 6
    assert http.post("/tours/today/stops", data={"client_id": clients[0].id}).status_code == 303  # no duplicate
    assert len(services.stops_of(db, tour)) == 6
    page = http.get(f"/tours/{tour.id}").get_data(as_text=True)
    assert "waze.com/ul" in page and "maps.apple.com" in page and "google.com/maps/dir" in page


def test_whole_tour_link_is_split_beyond_the_waypoint_limit():
    points = [(45.0 + i / 100, 4.0) for i in range(25)]
    links = navigation.google_directions_links(points)
    assert len(links) == 3
    assert all(link.count("%7C") <= navigation.GOOGLE_MAX_WAYPOINTS - 1 for link in links)
    assert "origin=45.000000%2C4.000000" in links[0] and "destination=45.240000%2C4.000000" in links[-1]
    assert navigation.google_directions_links(points[:3])[0].count("waypoints=") == 1


def test_fill_my_day_suggests_due_clients_most_overdue_first(app, db):
    rep = make_user(db)
    tour, _ = _tour(db, rep, _located(db, rep, 2))
    due = make_client(db, rep, company_name="Overdue Bakery", visit_cadence_days=30, postal_code="69001", city="Lyon")
    due.latitude, due.longitude = 45.7700, 4.8400
    far = make_client(db, rep, company_name="Far Away", visit_cadence_days=30, postal_code="13001", city="Marseille")
    far.latitude, far.longitude = 43.2965, 5.3698
    db.add(due)
    db.add(far)
    db.commit()
    http = logged_in_http(app, rep)
    body = http.get(f"/tours/{tour.id}/fill").get_data(as_text=True)
    assert "Overdue Bakery" in body and "Far Away" not in body


def test_plan_a_week_spreads_clients_over_days(app, db):
    rep = make_user(db)
    _tour(db, rep, [])  # the start place comes from the latest tour
    clients = _located(db, rep, 6, segment="Boulangeries")
    # An appointment already on Wednesday's tour stays on Wednesday at its time.
    wednesday, wed_stops = make_tour(db, rep, [clients[0]], day=date(2026, 11, 25))
    services.update_stop(db, wednesday, wed_stops[0], service_minutes=30, priority=100, appointment_at=time(9, 0))
    http = logged_in_http(app, rep)
    response = http.post("/tours/week", data={"first": "2026-11-24", "days": "2", "segment": "Boulangeries",
                                                "max_per_day": "4"})
    assert response.status_code == 200 and "Week planned" in response.get_data(as_text=True)
    db.expire_all()
    tours = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day > DAY)).all()
    assert len(tours) == 2
    planned = {s.client_id for t in tours for s, _c in services.stops_of(db, t)}
    assert planned == {c.id for c in clients}
    on_wednesday = {s.client_id: s for s, _c in services.stops_of(db, wednesday)}
    assert on_wednesday[clients[0].id].start_s == 9 * 3600
    assert all(1 <= len(services.stops_of(db, t)) <= 4 for t in tours)  # at most 4 a day, one route each


def test_mileage_log_and_export(app, db):
    rep = make_user(db)
    tour, stops = _tour(db, rep, _located(db, rep, 3))
    http = logged_in_http(app, rep)
    http.post(f"/tours/{tour.id}/optimise")
    http.post(f"/tours/{tour.id}/stops/{stops[0].id}/state", data={"state": "done"})
    db.expire_all()
    km = db.get(Tour, tour.id).distance_m / 1000
    page = http.get("/tours/mileage", query_string={"month": "2026-11", "cv": "5"}).get_data(as_text=True)
    assert f"{km:.1f}" in page and "€" in page
    csv_body = http.get("/tours/mileage", query_string={"month": "2026-11", "format": "csv"}).get_data(as_text=True)
    assert "2026-11-23" in csv_body and f"{km:.1f}".replace(".", ",") in csv_body


@pytest.fixture
def db_for():
    from sqlmodel import Session

    sessions = []

    def open_for(app):
        session = Session(app.extensions["fieldcrm.engine"], expire_on_commit=False)
        session.info["app"] = app
        sessions.append(session)
        return session

    yield open_for
    for session in sessions:
        session.close()


def test_stops_from_the_agenda_a_saved_segment_and_the_map_view(app, db):
    from datetime import UTC, datetime

    from fieldcrm.followups import services as followups
    from fieldcrm.segments import services as segments

    rep = make_user(db)
    clients = _located(db, rep, 5, sector="Boulangerie")
    tour, _ = _tour(db, rep, [])
    with app.test_request_context():
        # 10:00 in Paris on the tour's day (UTC+1 in November), for 45 minutes.
        followups.create_appointment(db, rep, clients[0], starts_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
                                     ends_at=datetime(2026, 11, 23, 9, 45, tzinfo=UTC))
        followups.add_followup(db, rep, clients[1], due_date=DAY)
        db.commit()
        segment = segments.save_segment(db, rep, {"sector": "Boulangerie"}, "Boulangeries", False, "")
    http = logged_in_http(app, rep)
    assert http.post(f"/tours/{tour.id}/agenda").status_code == 303
    db.expire_all()
    stops = {s.client_id: s for s, _c in services.stops_of(db, tour)}
    assert set(stops) == {clients[0].id, clients[1].id}
    assert stops[clients[0].id].appointment_at == time(10, 0) and stops[clients[0].id].service_minutes == 45
    assert http.post(f"/tours/{tour.id}/segment", data={"segment_id": segment.id}).status_code == 303
    assert len(services.stops_of(db, tour)) == 5
    other = make_user(db)
    http_other = logged_in_http(app, other)
    assert http_other.post(f"/tours/{tour.id}/segment", data={"segment_id": segment.id}).status_code == 404


def test_clients_in_the_map_view_join_todays_tour(app, db):
    rep = make_user(db)
    _located(db, rep, 5)
    stranger = make_user(db)
    http_other = logged_in_http(app, stranger)
    assert http_other.post("/tours/today/in-view", data={"south": 45, "west": 4, "north": 46, "east": 5}).status_code == 303
    http = logged_in_http(app, rep)
    response = http.post("/tours/today/in-view", data={"south": 45.775, "west": 4.80, "north": 45.79, "east": 4.86})
    assert response.status_code == 303
    today = timeutil.local_now().date()
    mine = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == today)).one()
    assert [c.display_name for _s, c in services.stops_of(db, mine)] == ["Stop 1"]
    theirs = db.exec(select(Tour).where(Tour.owner_id == stranger.id)).one()
    assert services.stops_of(db, theirs) == []  # another rep's clients never join


def test_an_evening_appointment_stretches_the_day_even_with_a_slow_routing_server(make_app, db_for):
    with FakeOsrm() as osrm:
        osrm.delay = 2.0  # slower than the timeout below
        app = make_app(ROUTING_URL=osrm.url, ROUTING_TIMEOUT=0.3, TOUR_VISIT_MINUTES=45)
        db = db_for(app)
        rep = make_user(db)
        clients = _located(db, rep, 3)
        tour, stops = _tour(db, rep, clients)
        assert {s.service_minutes for s in stops} == {45}  # the global visit duration
        services.update_stop(db, tour, stops[2], service_minutes=30, priority=50, appointment_at=time(20, 0))
        http = logged_in_http(app, rep)
        body = http.post(f"/tours/{tour.id}/optimise", follow_redirects=True).get_data(as_text=True)
    assert "routing server did not answer" in body  # fell back with a notice, nothing lost
    db.expire_all()
    rows = services.stops_of(db, db.get(Tour, tour.id))
    # an appointment is a fixed point: after the end of the day, the day ends after it
    assert len(rows) == 3 and not any(s.left_out_reason for s, _c in rows)
    assert [s.start_s for s, _c in rows if s.appointment_at] == [20 * 3600]
    assert db.get(Tour, tour.id).return_at_s > 20 * 3600 + 30 * 60
