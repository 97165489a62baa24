"""The clock and the user's calendar day. "Today", "tomorrow" and "overdue" are days in the user's
time zone (Europe/Paris by default), never UTC days. Tests replace `now` to control time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from fieldcrm import timeutil

FALLBACK_TZ = "Europe/Paris"


def now() -> datetime:
    """The current time, aware UTC. Monkeypatch `fieldcrm.agenda.clock.now` in tests."""
    return timeutil.utcnow()


def zone() -> ZoneInfo:
    name = current_app.config.get("DEFAULT_TIMEZONE", FALLBACK_TZ) if has_app_context() else FALLBACK_TZ
    return ZoneInfo(name)


def local_now() -> datetime:
    return now().astimezone(zone())


def today() -> date:
    """The user's calendar day now."""
    return local_now().date()


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the user's zone, as aware UTC."""
    return datetime.combine(day, time(0), tzinfo=zone()).astimezone(timeutil.UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day in UTC (23 or 25 hours long on DST days)."""
    return day_start(day), day_start(day + timedelta(days=1))


def local_datetime(day: date, at: time) -> datetime:
    """A wall-clock time on a local day, as aware UTC."""
    return datetime.combine(day, at, tzinfo=zone()).astimezone(timeutil.UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
