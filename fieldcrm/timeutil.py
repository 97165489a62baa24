"""The one clock, and the user's calendar day.

Times are stored in UTC (timezone-aware) and shown in the user's time zone (Europe/Paris unless
`DEFAULT_TIMEZONE` says otherwise). "Today", "tomorrow" and "overdue" are days in that zone, never UTC
days. Every module asks this clock for the time — timestamps, leases, the agenda, tours and analyses —
so a test that replaces `now` (`monkeypatch.setattr(timeutil, "now", ...)`) moves the whole app.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

FALLBACK_TZ = "Europe/Paris"

__all__ = ["UTC", "FALLBACK_TZ", "now", "utcnow", "zone", "local_now", "today", "day_start",
           "day_bounds", "local_datetime", "to_local", "week_start"]


def now() -> datetime:
    """The current time, aware UTC. Tests replace this function."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """Current time, aware UTC (what every timestamp column stores); always read through `now`."""
    return now()


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
    return datetime.combine(day, time(0), tzinfo=zone()).astimezone(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day in UTC (23 or 25 hours long on DST days)."""
    return day_start(day), day_start(day + timedelta(days=1))


def local_datetime(day: date, at: time) -> datetime:
    """A wall-clock time on a local day, as aware UTC."""
    return datetime.combine(day, at, tzinfo=zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
