"""Working days: weekends, French public holidays and each rep's own days are skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from fieldcrm import workdays
from fieldcrm.accounts.models import User
from fieldcrm.followups.models import FollowUp
from fieldcrm.tours.models import Tour
from fieldcrm.visits.services import next_step_choices
from tests.factories import logged_in_http, make_client, make_followup, make_user
from tests.tours.test_app_tours import DAY, _located, _tour


def test_tomorrow_on_a_friday_is_monday():
    friday = date(2026, 12, 4)
    assert workdays.next_working_day(friday) == date(2026, 12, 7)


def test_public_holidays_are_skipped():
    assert workdays.next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)  # Christmas Friday
    assert workdays.next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)  # Easter Monday 6 April
    assert workdays.next_working_day(date(2026, 7, 13)) == date(2026, 7, 15)  # 14 July
    assert not workdays.is_working_day(date(2026, 5, 1))
    assert workdays.holiday_name(date(2026, 11, 11)) is not None


def test_a_rep_who_works_tuesday_to_saturday():
    days = workdays.format_days({1, 2, 3, 4, 5})
    assert days == "12345"
    assert workdays.next_working_day(date(2026, 12, 5), days) == date(2026, 12, 8)  # Saturday -> Tuesday
    assert workdays.next_working_day(date(2026, 12, 4), days) == date(2026, 12, 5)  # Friday -> Saturday
    assert workdays.working_days_from(date(2026, 12, 6), 3, days) == [date(2026, 12, 8), date(2026, 12, 9),
                                                                      date(2026, 12, 10)]


def test_a_week_plan_from_a_saturday_starts_monday_and_skips_the_holiday():
    assert workdays.working_days_from(date(2026, 11, 7), 3) == [date(2026, 11, 9), date(2026, 11, 10),
                                                                date(2026, 11, 12)]  # 11 November


def test_nonsense_stored_days_mean_monday_to_friday():
    assert workdays.parse_days("") == workdays.parse_days("x9") == frozenset(range(5))
    assert workdays.add_working_days(date(2026, 12, 4), 2) == date(2026, 12, 8)


# --- in the app: the user's setting, and the suggestions that follow it -----------------------------

FRIDAY_MORNING = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # 09:00 in Paris


def test_a_rep_sets_their_working_days_on_their_account_page(app, db, client, login):
    user = make_user(db)
    login(user)
    page = client.get("/account")
    assert page.status_code == 200 and 'name="prefs-working_days"' in page.get_data(as_text=True)
    r = client.post("/account", data={"prefs-locale": "fr", "prefs-working_days": ["1", "2", "3", "4", "5"]})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(User, user.id).working_days == "12345"
    refused = client.post("/account", data={"prefs-locale": "en"})  # every box unticked
    assert refused.status_code == 422
    assert "au moins un jour" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).working_days == "12345" and db.get(User, user.id).locale == "fr"


def test_tomorrow_on_a_friday_proposes_monday_unless_the_rep_works_saturdays(app, db, client, login, set_now):
    set_now(FRIDAY_MORNING)
    user = make_user(db)
    customer = make_client(db, user)
    login(user)
    followup_form = client.get(f"/clients/{customer.id}/followups/new").get_data(as_text=True)
    assert 'value="2026-12-07"' in followup_form  # Monday
    appointment_form = client.get(f"/clients/{customer.id}/appointments/new").get_data(as_text=True)
    assert 'value="2026-12-07T10:00"' in appointment_form
    assert next_step_choices(date(2026, 12, 4))[0][2] == date(2026, 12, 7)
    user.working_days = "012345"
    db.add(user)
    db.commit()
    followup_form = client.get(f"/clients/{customer.id}/followups/new").get_data(as_text=True)
    assert 'value="2026-12-05"' in followup_form  # Saturday, a working day for this rep
    assert next_step_choices(date(2026, 12, 4), "012345")[0][2] == date(2026, 12, 5)


def test_the_week_plan_starts_on_a_working_day_and_skips_public_holidays(app, db, set_now):
    set_now(FRIDAY_MORNING)
    rep = make_user(db)
    _tour(db, rep, [])  # the start place comes from the latest tour
    _located(db, rep, 4, segment="Boulangeries")
    http = logged_in_http(app, rep)
    assert 'name="first" value="2026-12-07"' in http.get("/tours/week").get_data(as_text=True)  # Monday
    response = http.post("/tours/week", data={"first": "2026-11-10", "days": "3", "segment": "Boulangeries"})
    assert response.status_code == 200
    db.expire_all()
    days = sorted(t.day for t in db.exec(select(Tour).where(Tour.owner_id == rep.id, Tour.day < DAY)).all())
    assert days == [date(2026, 11, 10), date(2026, 11, 12), date(2026, 11, 13)]  # 11 November skipped


def test_a_follow_up_snoozed_to_tomorrow_on_a_friday_falls_on_monday(app, db, client, login, set_now):
    set_now(FRIDAY_MORNING)
    user = make_user(db)
    customer = make_client(db, user)
    followup = make_followup(db, user, customer, date(2026, 12, 4), reason="Rappeler")
    login(user)
    assert client.post(f"/followups/{followup.id}/snooze", data={"days": "1"}).status_code == 303
    db.expire_all()
    assert db.get(FollowUp, followup.id).due_date == date(2026, 12, 7)
