"""Each stop has a visit duration: the client's own (card) or the global default, wherever the stop
comes from (map, list, segment, agenda, zone, week plan, fill my day); the rep may still change it
on the stop. The planned times follow it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.tours import services
from fieldcrm.tours.models import Tour
from tests.factories import logged_in_http, make_located_client, make_tour, make_user

DAY = date(2025, 3, 3)  # a Monday in the past: never "today"
HOME = (45.7640, 4.8357)


def _settings(**overrides):
    settings = {"start_lat": HOME[0], "start_lon": HOME[1], "start_label": "Bureau", "start_time": time(8, 30),
                "end_time": time(18, 30), "lunch_from": None, "lunch_until": None}
    settings.update(overrides)
    return settings


def test_a_client_of_45_minutes_gives_a_45_minute_stop_and_the_etas_follow(app, db):
    rep = make_user(db)
    long_visit = make_located_client(db, rep, "Grossiste (45 min)", 45.7797, 4.8277, visit_minutes=45)
    usual = make_located_client(db, rep, "Boulangerie (défaut)", 45.7485, 4.8467)
    make_tour(db, rep, [], day=DAY, **_settings())
    http = logged_in_http(app, rep)
    tour = services.tour_for_day(db, rep, timeutil.local_now().date())
    services.update_settings(db, tour, _settings())
    for client in (long_visit, usual):  # from the map's mini card / the card / the list
        assert http.post("/tours/today/stops", data={"client_id": client.id}).status_code == 303
    minutes = {c.id: s.service_minutes for s, c in services.stops_of(db, tour)}
    assert minutes == {long_visit.id: 45, usual.id: 30}  # the client's own, else the global 30
    # Keep the order as picked and compute the times: the 45-minute visit holds the next one back.
    with app.app_context():
        services.plan(db, tour, app.config, optimise=False)
    db.expire_all()
    (first, _a), (second, _b) = services.stops_of(db, db.get(Tour, tour.id))
    assert first.client_id == long_visit.id
    assert first.start_s == 8 * 3600 + 30 * 60 + first.leg_duration_s
    assert first.departure_s - first.start_s == 45 * 60
    assert second.arrival_s == first.departure_s + second.leg_duration_s
    assert second.departure_s - second.start_s == 30 * 60
    page = http.get(f"/tours/{tour.id}").get_data(as_text=True)
    assert f"leave {services_hhmm(first.departure_s)}" in page and f"ETA {services_hhmm(second.arrival_s)}" in page
    # The per-stop override stays: 20 minutes on this stop, the times move with it.
    response = http.post(f"/tours/{tour.id}/stops/{first.id}", data={"service_minutes": "20", "priority": "50"})
    assert response.status_code == 303
    db.expire_all()
    with app.app_context():
        services.plan(db, db.get(Tour, tour.id), app.config, optimise=False)
    db.expire_all()
    (first, _a), (second, _b) = services.stops_of(db, db.get(Tour, tour.id))
    assert first.service_minutes == 20 and first.departure_s - first.start_s == 20 * 60
    assert second.arrival_s == first.departure_s + second.leg_duration_s
    assert db.get(type(long_visit), long_visit.id).visit_minutes == 45  # the card keeps its own


def services_hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def test_the_global_default_is_a_setting(make_app):
    from sqlmodel import Session

    app = make_app(TOUR_VISIT_MINUTES=25)
    with Session(app.extensions["fieldcrm.engine"], expire_on_commit=False) as db:
        db.info["app"] = app
        rep = make_user(db)
        own, usual = make_located_client(db, rep, "A", 45.77, 4.82, visit_minutes=60), make_located_client(db, rep, "B", 45.75, 4.84)
        _tour, stops = make_tour(db, rep, [own, usual], day=DAY, **_settings())
        assert [s.service_minutes for s in stops] == [60, 25]


def test_stops_from_a_segment_the_agenda_and_the_map_view_take_the_clients_duration(app, db):
    from fieldcrm.followups import services as followups
    from fieldcrm.segments import services as segments

    rep = make_user(db)
    appointment = make_located_client(db, rep, "Rendez-vous", 45.7797, 4.8277, sector="Cave", visit_minutes=90)
    followup = make_located_client(db, rep, "Relance", 45.7485, 4.8467, sector="Cave", visit_minutes=50)
    plain = make_located_client(db, rep, "Sans durée", 45.7578, 4.8021, sector="Cave")
    in_segment = make_located_client(db, rep, "Segment", 45.7712, 4.8655, sector="Cave", visit_minutes=15)
    tour, _ = make_tour(db, rep, [], day=DAY, **_settings())
    with app.test_request_context():
        followups.create_appointment(db, rep, appointment, starts_at=datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
                                     ends_at=datetime(2025, 3, 3, 9, 40, tzinfo=UTC))
        followups.add_followup(db, rep, followup, due_date=DAY)
        db.commit()
        segment = segments.save_segment(db, rep, {"sector": "Cave"}, "Caves", False, "")
    http = logged_in_http(app, rep)
    assert http.post(f"/tours/{tour.id}/agenda").status_code == 303
    assert http.post(f"/tours/{tour.id}/segment", data={"segment_id": segment.id}).status_code == 303
    db.expire_all()
    minutes = {c.id: s.service_minutes for s, c in services.stops_of(db, tour)}
    # The appointment lasts what the agenda says; the others their card's duration, else 30.
    assert minutes == {appointment.id: 40, followup.id: 50, plain.id: 30, in_segment.id: 15}
    today_http = logged_in_http(app, rep)
    today_http.post("/tours/today/in-view", data={"south": 45.74, "west": 4.80, "north": 45.78, "east": 4.87})
    today = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == timeutil.local_now().date())).one()
    assert {c.id: s.service_minutes for s, c in services.stops_of(db, today)} == minutes | {appointment.id: 90}


def test_fill_my_day_counts_each_clients_own_duration(app, db):
    rep = make_user(db)
    tour, _ = make_tour(db, rep, [], day=DAY, **_settings(end_time=time(12, 0)))
    make_located_client(db, rep, "Visite de cinq heures", 45.7700, 4.8400, visit_cadence_days=30, visit_minutes=300)
    make_located_client(db, rep, "Visite courte", 45.7710, 4.8410, visit_cadence_days=30)
    http = logged_in_http(app, rep)
    body = http.get(f"/tours/{tour.id}/fill").get_data(as_text=True)
    assert "Visite courte" in body  # 30 minutes fit in a morning
    assert "Visite de cinq heures" not in body  # five hours do not fit before noon


def test_the_week_plan_gives_new_stops_the_clients_duration(app, db):
    rep = make_user(db)
    make_tour(db, rep, [], day=DAY, **_settings())
    long_visit = make_located_client(db, rep, "Longue", 45.7797, 4.8277, segment="Semaine", visit_minutes=75)
    usual = make_located_client(db, rep, "Habituelle", 45.7485, 4.8467, segment="Semaine")
    http = logged_in_http(app, rep)
    response = http.post("/tours/week", data={"first": "2025-03-04", "days": "2", "segment": "Semaine"})
    assert response.status_code == 200
    db.expire_all()
    stops = {c.id: s for t in db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day > DAY)).all()
             for s, c in services.stops_of(db, t)}
    assert stops[long_visit.id].service_minutes == 75 and stops[usual.id].service_minutes == 30
    assert stops[long_visit.id].departure_s - stops[long_visit.id].start_s == 75 * 60
