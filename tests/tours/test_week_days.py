"""Plan a week: each day keeps its own start and end of day (the same hours by default), an appointment
stays fixed on its day and time, and each client's opening hours of that weekday are honoured."""

from __future__ import annotations

from datetime import date, time

from sqlmodel import select

from fieldcrm.tours import services
from fieldcrm.tours.models import Tour
from fieldcrm.tours.problem import LeftOutReason, Stop
from fieldcrm.tours.week import WorkDay, solve_week
from tests.factories import logged_in_http, make_located_client, make_tour, make_user

HOME = (45.7640, 4.8357)
LAST_WEEK = date(2025, 3, 3)  # Monday
TUESDAY, WEDNESDAY = date(2025, 3, 11), date(2025, 3, 12)
PLACES = [(45.7797, 4.8277), (45.7485, 4.8467), (45.7578, 4.8021), (45.7712, 4.8655), (45.7421, 4.8189),
          (45.7850, 4.8500)]


def _at(db, owner, name, place, **fields):
    return make_located_client(db, owner, name, *place, segment="Semaine", **fields)


def h(hour: int, minute: int = 0) -> int:
    return hour * 3600 + minute * 60


def test_each_day_keeps_its_hours_and_the_appointment_stays_on_its_day(app, db):
    rep = make_user(db)
    make_tour(db, rep, [], day=LAST_WEEK, start_lat=HOME[0], start_lon=HOME[1], start_label="Bureau",
              start_time=time(8, 30), end_time=time(18, 30), lunch_from=None, lunch_until=None)
    appointment = _at(db, rep, "Rendez-vous du mardi", PLACES[0])
    morning = _at(db, rep, "Ouvert le matin", PLACES[1], hours={d: [("09:00", "12:00")] for d in range(5)})
    not_wednesday = _at(db, rep, "Fermé le mercredi", PLACES[2],
                        hours={d: [("14:00", "18:00")] for d in (0, 1, 3, 4)})
    plain = [_at(db, rep, f"Client {i}", PLACES[3 + i]) for i in range(3)]
    # Tuesday: a free morning, the day runs 14:00-16:30; an appointment at 15:00 is on it.
    tuesday, stops = make_tour(db, rep, [appointment], day=TUESDAY, start_time=time(14, 0), end_time=time(16, 30))
    services.update_stop(db, tuesday, stops[0], service_minutes=30, priority=100, appointment_at=time(15, 0))
    http = logged_in_http(app, rep)
    response = http.post("/tours/week", data={"first": TUESDAY.isoformat(), "days": "2", "segment": "Semaine"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Week planned" in body
    assert "14:00–16:30" in body and "08:30–18:30" in body  # each day with its own hours
    db.expire_all()
    tue = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == TUESDAY)).one()
    wed = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day == WEDNESDAY)).one()
    assert (tue.start_time, tue.end_time) == (time(14, 0), time(16, 30))
    # Wednesday's new tour has the usual hours (the last tour before the week), not Tuesday's.
    assert (wed.start_time, wed.end_time) == (time(8, 30), time(18, 30))
    on_tue = {c.id: s for s, c in services.stops_of(db, tue)}
    on_wed = {c.id: s for s, c in services.stops_of(db, wed)}
    assert set(on_tue) | set(on_wed) == {appointment.id, morning.id, not_wednesday.id, *(c.id for c in plain)}
    assert not set(on_tue) & set(on_wed)
    assert on_tue[appointment.id].start_s == h(15) and on_tue[appointment.id].appointment_at == time(15, 0)
    assert morning.id in on_wed and h(9) <= on_wed[morning.id].start_s <= h(11, 30)  # no morning on Tuesday
    assert not_wednesday.id in on_tue and on_tue[not_wednesday.id].start_s >= h(14)  # closed on Wednesdays
    for stop in on_tue.values():
        assert stop.left_out_reason is None and h(14) <= stop.arrival_s and stop.departure_s <= h(16, 30)
    for stop in on_wed.values():
        assert stop.left_out_reason is None and h(8, 30) <= stop.arrival_s and stop.departure_s <= h(18, 30)


def test_the_same_hours_by_default_and_a_closed_every_day_client_is_said(app, db):
    rep = make_user(db)
    make_tour(db, rep, [], day=LAST_WEEK, start_lat=HOME[0], start_lon=HOME[1], start_label="Bureau",
              start_time=time(7, 45), end_time=time(17, 15), lunch_from=None, lunch_until=None)
    _at(db, rep, "Ouvert le samedi seulement", PLACES[0], hours={5: [("09:00", "12:00")]})
    _at(db, rep, "Toujours ouvert", PLACES[1])
    http = logged_in_http(app, rep)
    body = http.post("/tours/week", data={"first": TUESDAY.isoformat(), "days": "3", "segment": "Semaine"}
                     ).get_data(as_text=True)
    db.expire_all()
    tours = db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day >= TUESDAY)).all()
    assert len(tours) == 3 and {(t.start_time, t.end_time) for t in tours} == {(time(7, 45), time(17, 15))}
    assert "Not planned" in body and "Ouvert le samedi seulement" in body
    assert "Closed at the time it could be reached." in body
    planned = {c.company_name for t in tours for _s, c in services.stops_of(db, t)}
    assert planned == {"Toujours ouvert"}


def test_the_week_solver_uses_each_days_own_opening_hours():
    # Home at 0, the shop 10 minutes away; two days of the same hours. A 90-minute visit may start
    # at 17:30 on day 0 (too late: the day ends at 18:00) and between 15:00 and 15:30 on day 1.
    matrix = [[0, 600], [600, 0]]
    days = [WorkDay(0, 0, h(8), h(18)), WorkDay(0, 0, h(8), h(18))]
    per_day = {"shop": (((h(17, 30), h(17, 30)),), ((h(15), h(15, 30)),))}
    week = solve_week([Stop("shop", 1, 90 * 60)], days, matrix, day_windows=per_day)
    assert week.day_of("shop") == 1 and not week.left_out
    assert h(15) <= week.days[1].visits[0].start <= h(15, 30)
    # Day 1 now ends at 14:00: it fits on neither day, and the reason given is the opening hours.
    short = [WorkDay(0, 0, h(8), h(18)), WorkDay(0, 0, h(8), h(14))]
    week = solve_week([Stop("shop", 1, 90 * 60)], short, matrix, day_windows=per_day)
    assert [(i.stop.id, i.reason) for i in week.left_out] == [("shop", LeftOutReason.OUTSIDE_OPENING_HOURS)]
    assert all(day.visits == [] for day in week.days)
