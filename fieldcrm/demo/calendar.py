"""The demo's working days: follow-ups, appointments and history fall on them, never on a weekend.

One small module on purpose: the app's own working-day rule (weekends and French public holidays)
replaces `is_working_day` here once it exists."""

from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
