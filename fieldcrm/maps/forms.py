"""The map's forms (WTForms, see fieldcrm.web.forms): a zone drawn on the map (the map's preview, a
tour made from the zone) and a pin placed by hand, each with what to tell the user when unusable."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from fieldcrm.maps import zone
from fieldcrm.maps.queries import MapFilters
from fieldcrm.web.forms import SUBMITTED, field_messages, submitted_formdata

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


class ZoneForm(FlaskForm):
    """The zone's corners (`zone`, JSON), the tour's day (empty: `today`) and the map's filters, which
    the form reads itself from what was submitted (the same names as the map's query string)."""

    zone = StringField()
    day = StringField()

    def __init__(self, formdata=SUBMITTED, *, today: date, **kwargs):
        if formdata is SUBMITTED:
            formdata = submitted_formdata()
        super().__init__(formdata, **kwargs)
        self.today = today
        self.filters = MapFilters.from_args(formdata or {})
        self.polygon: list[zone.LatLon] = []
        self.picked_day = today

    def validate_zone(self, field):
        try:
            self.polygon = zone.parse_zone(field.data)
        except zone.ZoneError as error:
            raise ValidationError(zone_error_message(error.code)) from None

    def validate_day(self, field):
        text = (field.data or "").strip()
        try:
            day = date.fromisoformat(text) if text else self.today
        except ValueError:
            day = None
        if day is None or not self.today <= day <= self.today + timedelta(days=ZONE_DAYS_AHEAD):
            raise ValidationError(zone_error_message("bad_day"))
        self.picked_day = day

    def message(self) -> str:
        """What is wrong, the zone first (a zone redrawn may not need a day at all)."""
        messages = field_messages(self)
        return messages.get("zone") or next(iter(messages.values()))


def position_refused() -> str:
    return _("This position is not in the client's country. Drag the pin onto the right place.")


def is_number(_form, field):
    """A coordinate the map sent (the service decides whether it is in the client's country)."""
    try:
        float(field.data)
    except (TypeError, ValueError):
        raise ValidationError(position_refused()) from None


class PlaceForm(FlaskForm):
    """A pin placed by hand: where it was dropped."""

    lat = HiddenField(validators=[is_number])
    lon = HiddenField(validators=[is_number])

    def position(self) -> tuple[float, float]:
        return float(self.lat.data), float(self.lon.data)
