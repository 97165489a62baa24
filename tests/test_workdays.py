"""Working days: weekends, French public holidays and each rep's own days are skipped."""

from __future__ import annotations

from datetime import date

from fieldcrm import workdays


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
