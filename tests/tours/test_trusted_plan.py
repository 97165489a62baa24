"""A plan the rep can trust, through the app: appointments kept or named in a clash, a started day
planned from now and from the last stop done, a saving over the same stops."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from fieldcrm import timeutil
from fieldcrm.tours import services
from fieldcrm.tours.day_problem import build_problem, seconds
from fieldcrm.tours.models import Tour
from fieldcrm.tours.schedule import travel_cost
from tests.factories import logged_in_http, make_followup, make_user
from tests.tours.test_app_tours import DAY, HOME, _located, _tour


def _page(http, tour):
    return http.get(f"/tours/{tour.id}").get_data(as_text=True)


def _stops(db, tour):
    db.expire_all()
    return services.stops_of(db, db.get(Tour, tour.id))


def test_two_appointments_that_clash_are_named_with_the_drive_and_the_gap(app, db, set_now):
    set_now(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))  # the Friday before: the day has not started
    rep = make_user(db)
    clients = _located(db, rep, 4)
    tour, stops = _tour(db, rep, clients)
    services.update_stop(db, tour, stops[0], service_minutes=60, priority=50, appointment_at=time(10, 0))
    services.update_stop(db, tour, stops[1], service_minutes=30, priority=50, appointment_at=time(10, 45))
    services.update_stop(db, tour, stops[2], service_minutes=30, priority=50, appointment_at=time(15, 0))
    http = logged_in_http(app, rep)
    assert http.post(f"/tours/{tour.id}/optimise").status_code == 303
    by_client = {c.id: s for s, c in _stops(db, tour)}
    assert by_client[clients[0].id].start_s == 10 * 3600 and by_client[clients[2].id].start_s == 15 * 3600
    assert by_client[clients[1].id].left_out_reason == "appointment_conflict"
    page = _page(http, tour)
    assert "Clashes with the 10:00 appointment at Stop 1" in page
    assert "they overlap by 15\u00a0min" in page and "the drive between them takes" in page


def test_a_started_day_is_planned_from_now_and_from_the_last_stop_done(app, db, set_now):
    set_now(timeutil.local_datetime(DAY, time(11, 40)))
    rep = make_user(db)
    clients = _located(db, rep, 5)
    tour, stops = _tour(db, rep, clients)
    http = logged_in_http(app, rep)
    assert "The day has started" in _page(http, tour)
    http.post(f"/tours/{tour.id}/stops/{stops[3].id}/state", data={"state": "done"})
    response = http.post(f"/tours/{tour.id}/optimise", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "planned from 11:40, from your last stop, Stop 4" in body
    planned = [s for s, _c in _stops(db, tour) if s.state == "planned"]
    assert len(planned) == 4 and min(s.arrival_s for s in planned) > 11 * 3600 + 40 * 60
    first = min(planned, key=lambda s: s.arrival_s)
    assert first.leg_duration_s == first.arrival_s - (11 * 3600 + 40 * 60)  # driven from Stop 4, leaving now
    assert 'id="planned-from"' in body


def test_the_phones_position_when_shared(app, db, set_now):
    set_now(timeutil.local_datetime(DAY, time(14, 5)))
    rep = make_user(db)
    clients = _located(db, rep, 3)
    tour, _stops_ = _tour(db, rep, clients)
    http = logged_in_http(app, rep)
    body = http.post(f"/tours/{tour.id}/optimise", data={"lat": "45.7797", "lon": "4.8277"},
                     follow_redirects=True).get_data(as_text=True)
    assert "planned from 14:05, from your position" in body
    visits = sorted((s for s, _c in _stops(db, tour)), key=lambda s: s.arrival_s)
    assert visits[0].client_id == clients[0].id and visits[0].leg_duration_s == 0  # standing at Stop 1


def test_the_saving_compares_the_same_stops_and_says_how_many_did_not_fit(app, db, set_now):
    set_now(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    rep = make_user(db)
    clients = _located(db, rep, 6)
    tour, stops = _tour(db, rep, clients, end_time=time(10, 30))  # two hours: not everyone fits
    http = logged_in_http(app, rep)
    http.post(f"/tours/{tour.id}/optimise")
    rows = _stops(db, tour)
    kept = [s for s, _c in rows if s.left_out_reason is None]
    left = [s for s, _c in rows if s.left_out_reason]
    assert kept and left
    db.expire_all()
    saved = db.get(Tour, tour.id)
    # the order as picked is driven over the stops kept only, in the order they were added
    with app.app_context():
        problem, _travel, _closed = build_problem(db, saved, rows, app.config, start=HOME, shift_start=seconds(time(8, 30)))
        picked_ids = [s.id for s in stops if s.id in {k.id for k in kept}]
        assert saved.picked_duration_s == travel_cost(problem, picked_ids)[0]
        assert saved.picked_duration_s < travel_cost(problem, [s.id for s in stops])[0]
    page = _page(http, tour)
    assert f"{len(left)} stops could not fit" in page or f"{len(left)} stop could not fit" in page


def test_a_full_day_keeps_the_overdue_follow_up_and_the_client_due_first(app, db, set_now):
    set_now(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    rep = make_user(db)
    clients = _located(db, rep, 6)
    make_followup(db, rep, clients[5], date(2026, 11, 18), reason="Rappeler")  # overdue on the day
    clients[4].visit_cadence_days = 30  # never visited: due by cadence
    db.add(clients[4])
    db.commit()
    # 09:00-11:20 with 40-minute visits and the drives: room for two of the six
    tour, stops = _tour(db, rep, clients, start_time=time(9, 0), end_time=time(11, 20))
    for stop in stops:
        services.update_stop(db, tour, stop, service_minutes=40, priority=50, appointment_at=None)
    http = logged_in_http(app, rep)
    http.post(f"/tours/{tour.id}/optimise")
    kept = {c.id for s, c in _stops(db, tour) if s.left_out_reason is None}
    assert kept == {clients[5].id, clients[4].id}  # not the nearer ones with nothing due


def test_after_the_end_of_the_day_the_day_is_planned_as_a_whole(app, db, set_now):
    set_now(timeutil.local_datetime(DAY, time(19, 30)))  # the day ended at 18:30
    rep = make_user(db)
    clients = _located(db, rep, 3)
    tour, _stops_ = _tour(db, rep, clients)
    http = logged_in_http(app, rep)
    body = http.post(f"/tours/{tour.id}/optimise", follow_redirects=True).get_data(as_text=True)
    assert "Tour optimised." in body and "The day has started" not in body
    assert min(s.arrival_s for s, _c in _stops(db, tour)) < 9 * 3600


def test_a_hand_reorder_on_a_started_day_keeps_planning_from_now(app, db, set_now):
    set_now(timeutil.local_datetime(DAY, time(10, 15)))
    rep = make_user(db)
    clients = _located(db, rep, 4)
    tour, stops = _tour(db, rep, clients)
    http = logged_in_http(app, rep)
    http.post(f"/tours/{tour.id}/stops/{stops[1].id}/state", data={"state": "done"})
    assert http.post(f"/tours/{tour.id}/stops/{stops[3].id}/move", data={"direction": "up"}).status_code == 303
    planned = sorted((s for s, _c in _stops(db, tour) if s.state == "planned"), key=lambda s: s.arrival_s)
    assert [s.client_id for s in planned] == [clients[0].id, clients[3].id, clients[2].id]  # the rep's order
    assert planned[0].arrival_s >= 10 * 3600 + 15 * 60  # nothing before now
    # driven from Stop 2, the stop just done, leaving at 10:15
    with app.app_context():
        problem, _travel, _closed = build_problem(db, db.get(Tour, tour.id), [(s, c) for s, c in _stops(db, tour)
                                                                              if s.id == planned[0].id],
                                                  app.config, start=(clients[1].latitude, clients[1].longitude),
                                                  shift_start=10 * 3600 + 15 * 60)
    assert planned[0].leg_duration_s == problem.travel(problem.start, problem.stops[0].location)
    assert planned[0].arrival_s == 10 * 3600 + 15 * 60 + planned[0].leg_duration_s
    assert 'id="planned-from"' in _page(http, tour)


def test_the_last_stop_done_is_the_latest_marked_not_the_last_in_the_list(app, db, set_now):
    rep = make_user(db)
    clients = _located(db, rep, 4)
    tour, stops = _tour(db, rep, clients)
    http = logged_in_http(app, rep)
    set_now(timeutil.local_datetime(DAY, time(9, 50)))
    http.post(f"/tours/{tour.id}/stops/{stops[3].id}/state", data={"state": "done"})
    set_now(timeutil.local_datetime(DAY, time(10, 40)))
    http.post(f"/tours/{tour.id}/stops/{stops[0].id}/state", data={"state": "done"})  # visited after Stop 4
    set_now(timeutil.local_datetime(DAY, time(11, 0)))
    body = http.post(f"/tours/{tour.id}/optimise", follow_redirects=True).get_data(as_text=True)
    assert "planned from 11:00, from your last stop, Stop 1" in body


def test_in_an_order_kept_by_hand_a_late_appointment_names_the_one_it_clashes_with(app, db, set_now):
    set_now(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))  # the Friday before
    rep = make_user(db)
    clients = _located(db, rep, 3)
    tour, stops = _tour(db, rep, clients)
    services.update_stop(db, tour, stops[0], service_minutes=60, priority=50, appointment_at=time(10, 0))
    services.update_stop(db, tour, stops[1], service_minutes=30, priority=50, appointment_at=time(10, 45))
    http = logged_in_http(app, rep)
    # the rep moves Stop 3 to the top: the order is theirs, Stop 1 then Stop 2 as entered
    assert http.post(f"/tours/{tour.id}/stops/{stops[2].id}/move", data={"direction": "up"}).status_code == 303
    assert http.post(f"/tours/{tour.id}/stops/{stops[2].id}/move", data={"direction": "up"}).status_code == 303
    by_client = {c.id: s for s, c in _stops(db, tour)}
    assert by_client[clients[0].id].start_s == 10 * 3600
    late = by_client[clients[1].id]
    assert late.left_out_reason == "late" and late.left_out_detail
    page = _page(http, tour)
    assert "Clashes with the 10:00 appointment at Stop 1: they overlap by 15\u00a0min" in page
    # the other way round: Stop 2 first, then the 10:00 appointment is the late one, naming 10:45
    assert http.post(f"/tours/{tour.id}/stops/{stops[1].id}/move", data={"direction": "up"}).status_code == 303
    page = _page(http, tour)
    assert "Clashes with the 10:45 appointment at Stop 2: they overlap by 15\u00a0min" in page
