"""The demo's working days: follow-ups, appointments and history fall on them (weekends and French
public holidays excluded), by the app's own rule in fieldcrm.workdays."""

from __future__ import annotations

from datetime import date, timedelta

from fieldcrm import workdays


def is_working_day(day: date) -> bool:
    return workdays.is_working_day(day)


def working_day_on_or_after(day: date) -> date:
    return workdays.on_or_after(day)


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
