"""Working days: the days a rep works, French public holidays excluded.

Pure and low (kernel floor): "tomorrow" on the Today page, the day a new appointment or follow-up
is proposed for, the week plan and the demo data all ask here, so they agree. A user's working days
are weekday digits (Monday = 0), "01234" (Monday to Friday) unless they set others.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

DEFAULT_DAYS = "01234"
WEEKDAYS = tuple(range(7))
HOLIDAY_COUNTRY = "FR"  # metropolitan France; Alsace-Moselle's two extra days are not counted


def parse_days(text: str | None) -> frozenset[int]:
    """The weekdays in a stored value; a value naming no valid day means Monday to Friday."""
    days = frozenset(int(c) for c in (text or "") if c.isdigit() and int(c) in WEEKDAYS)
    return days or frozenset(range(5))


def format_days(days: set[int] | frozenset[int]) -> str:
    """What is stored for a set of weekdays ("01234")."""
    return "".join(str(d) for d in sorted(set(days) & set(WEEKDAYS))) or DEFAULT_DAYS


@lru_cache(maxsize=16)
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(HOLIDAY_COUNTRY, years=year))


def holiday_name(day: date) -> str | None:
    """The public holiday on `day` (English name from the holidays package), or None."""
    return _holidays(day.year).get(day)


def is_working_day(day: date, days: str | None = DEFAULT_DAYS) -> bool:
    return day.weekday() in parse_days(days) and holiday_name(day) is None


def on_or_after(day: date, days: str | None = DEFAULT_DAYS) -> date:
    """`day` if it is a working day, else the next one."""
    for offset in range(0, 370):  # a year covers any set of days and holidays
        candidate = day + timedelta(days=offset)
        if is_working_day(candidate, days):
            return candidate
    return day


def next_working_day(day: date, days: str | None = DEFAULT_DAYS) -> date:
    """The first working day after `day` ("tomorrow": Monday after a Friday, Tuesday after Easter)."""
    return on_or_after(day + timedelta(days=1), days)


def add_working_days(day: date, count: int, days: str | None = DEFAULT_DAYS) -> date:
    """`count` working days after `day` (0: `day` itself if it is one, else the next)."""
    found = on_or_after(day, days)
    for _ in range(count):
        found = next_working_day(found, days)
    return found


def working_days_from(first: date, count: int, days: str | None = DEFAULT_DAYS) -> list[date]:
    """`count` working days, the first on or after `first`."""
    found = [on_or_after(first, days)]
    while len(found) < count:
        found.append(next_working_day(found[-1], days))
    return found
