"""A zone drawn on the map, as submitted in a form (the map's preview, a tour made from the zone):
the polygon, the map's filters and the tour's day, and what to tell the user when it is unusable."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from fieldcrm.maps import zone
from fieldcrm.maps.queries import MapFilters

ZONE_DAYS_AHEAD = 366


def zone_error_message(code: str) -> str:
    messages = {
        "too_few": _("Tap at least 3 points on the map around the clients to draw the zone."),
        "too_many": _("A zone has at most %(n)s points: cancel it and draw it with fewer taps.",
                      n=zone.MAX_POINTS),
        "out_of_range": _("A point of the zone is off the map: cancel the zone and draw it again."),
        "flat": _("The points of the zone are on one line: tap around the clients to enclose them."),
        "bad_day": _("Pick the day of the tour: today or a later day, within a year."),
    }
    return messages.get(code, _("The zone could not be read: cancel it and draw it again."))


def read_zone_form(form, today: date) -> tuple[list[zone.LatLon], MapFilters, date]:
    """The zone, the map's filters and the tour's day from a submitted form; ZoneError if unusable."""
    polygon = zone.parse_zone(form.get("zone"))
    text = (form.get("day") or "").strip()
    try:
        day = date.fromisoformat(text) if text else today
    except ValueError as exc:
        raise zone.ZoneError("bad_day") from exc
    if not today <= day <= today + timedelta(days=ZONE_DAYS_AHEAD):
        raise zone.ZoneError("bad_day")
    return polygon, MapFilters.from_args(form), day
