"""What the tour pages say when a tour cannot be planned as asked, and why a stop is left out.

Translated sentences only (no request, no database): the routes of tours and analyses share them."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldcrm.tours.day_problem import CLOSED_THAT_DAY, LATE, TourError


def reason_labels() -> dict:
    return {
        "no_position": _l("No position: geocode it now or place it by hand."),
        "unreachable": _l("No road to it from the start of the day."),
        "outside_opening_hours": _l("Closed at the time it could be reached."),
        "beyond_end_of_day": _l("Does not fit before the end of the day."),
        "appointment_conflict": _l("Clashes with another appointment."),
        "conflicts_with_appointments": _l("No room for it between the day’s appointments."),
        "cannot_arrive_in_time": _l("Its time has passed, or it cannot be reached by then."),
        CLOSED_THAT_DAY: _l("Closed that day (opening hours on the card)."),
        LATE: _l("Late for its opening hours or appointment in this order."),
    }


def minutes_text(seconds: int) -> str:
    minutes = round(abs(int(seconds)) / 60)
    return f"{minutes // 60}\u00a0h\u00a0{minutes % 60:02d}" if minutes >= 60 else f"{minutes}\u00a0min"


def conflict_text(detail: str | None, names: dict[int, tuple[str, str]]) -> str | None:
    """"Clashes with the 10:00 appointment at Dupont: 25 min drive, 10 min between them." from a
    stop's stored detail; `names`: stop id -> (client name, appointment time)."""
    try:
        found = json.loads(detail) if detail else None
    except ValueError:
        return None
    if not isinstance(found, dict) or found.get("with") not in names:
        return None
    name, at = names[found["with"]]
    travel, gap = int(found.get("travel_s") or 0), int(found.get("gap_s") or 0)
    if gap < 0:
        return _("Clashes with the %(time)s appointment at %(name)s: they overlap by %(overlap)s, and the drive "
                 "between them takes %(travel)s.", time=at, name=name, overlap=minutes_text(-gap),
                 travel=minutes_text(travel))
    return _("Clashes with the %(time)s appointment at %(name)s: the drive between them takes %(travel)s, "
             "and there are only %(gap)s between the end of one and the start of the other.",
             time=at, name=name, travel=minutes_text(travel), gap=minutes_text(gap))


def error_message(error: TourError) -> str:
    messages = {
        "no_start": _("Say where the day starts (an address, or your current position) before optimising."),
        "start_after_end": _("The day must end after it starts: check the start time and the end of the day."),
        "too_many": _("A tour holds at most %(limit)s stops (%(count)s asked). Split them over several days "
                      "with “Plan a week”.", **error.params),
    }
    return messages.get(error.code, _("This tour cannot be planned as asked."))


def too_many_message(limit: int, count: int) -> str:
    return _("A tour holds at most %(limit)s stops (%(count)s asked). Split them over several days "
             "with “Plan a week”.", limit=limit, count=count)
