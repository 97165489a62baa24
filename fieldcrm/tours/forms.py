"""Tour forms (WTForms, see fieldcrm.web.forms): the day's settings, a stop's details, and what the
tour's buttons send (the phone's position, a stop moved, clients added from a list, the map's view,
a day opened, the odometer, the week to plan)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from fieldcrm.maps.queries import MapFilters
from fieldcrm.web.boundary import to_int
from fieldcrm.web.forms import SUBMITTED, IdsField, submitted_formdata


class TourSettingsForm(FlaskForm):
    start_label = StringField(_l("Start from (address, or postal code and town)"),
                              validators=[Optional(), Length(max=200)])
    start_lat = HiddenField()
    start_lon = HiddenField()
    end_mode = RadioField(_l("End of the day"), default="start", choices=[
        ("start", _l("Back to the start")), ("elsewhere", _l("Somewhere else")),
        ("last_stop", _l("At the last visit"))])
    end_label = StringField(_l("End at (address)"), validators=[Optional(), Length(max=200)])
    start_time = TimeField(_l("Leave at"), validators=[InputRequired()])
    end_time = TimeField(_l("End of the day"), validators=[InputRequired()])
    lunch = BooleanField(_l("Lunch break"))
    lunch_from = TimeField(_l("Lunch not before"), validators=[Optional()])
    lunch_until = TimeField(_l("Lunch over by"), validators=[Optional()])
    lunch_minutes = IntegerField(_l("Lunch (minutes)"), default=60,
                                 validators=[Optional(), NumberRange(min=0, max=240)])

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The day must end after it starts."))

    def validate_lunch_until(self, field):
        if self.lunch.data:
            if not (self.lunch_from.data and field.data):
                raise ValidationError(_l("Give the lunch window, or untick the lunch break."))
            if field.data <= self.lunch_from.data:
                raise ValidationError(_l("The lunch window must end after it starts."))

    def validate_end_label(self, field):
        if self.end_mode.data == "elsewhere" and not (field.data or "").strip():
            raise ValidationError(_l("Say where the day ends."))


class StopForm(FlaskForm):
    service_minutes = IntegerField(_l("Visit duration (minutes)"),
                                   validators=[InputRequired(), NumberRange(min=0, max=600)])
    priority = IntegerField(_l("Priority (0–100)"), validators=[InputRequired(), NumberRange(min=0, max=100)])
    appointment_at = TimeField(_l("Appointment at (fixed time)"), validators=[Optional()])


def _number(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


class PositionForm(FlaskForm):
    """The phone's position, sent when the rep chose to share it."""

    lat = HiddenField()
    lon = HiddenField()

    def position(self) -> tuple[float, float] | None:
        """(lat, lon), or None when not shared or not a place on Earth."""
        lat, lon = _number(self.lat.data), _number(self.lon.data)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        return lat, lon


class MoveForm(FlaskForm):
    """A stop moved by the up / down buttons (`direction`) or dragged to a place in the list (`index`)."""

    direction = HiddenField()
    index = HiddenField()

    def target(self, current: int, count: int) -> int | None:
        """The stop's new place among `count` stops; None when the form says none."""
        if self.direction.data in ("up", "down"):
            return current + (-1 if self.direction.data == "up" else 1)
        return to_int(self.index.data, minimum=0, maximum=count)


class ClientsForm(FlaskForm):
    """Several clients at once (fill my day's suggestions), in the order they were sent."""

    client_id = IdsField()


class _FilteredForm(FlaskForm):
    """A form that also carries the map's filters, read by the form itself under their query-string names."""

    def __init__(self, formdata=SUBMITTED, **kwargs):
        if formdata is SUBMITTED:
            formdata = submitted_formdata()
        super().__init__(formdata, **kwargs)
        self.filters = MapFilters.from_args(formdata or {})


class InViewForm(_FilteredForm):
    """The map's visible area (and its filters): the clients shown there join today's tour."""

    south = HiddenField()
    west = HiddenField()
    north = HiddenField()
    east = HiddenField()

    def bounds(self) -> tuple[float, float, float, float] | None:
        values = tuple(_number(field.data) for field in (self.south, self.west, self.north, self.east))
        return None if None in values else values


class OpenDayForm(FlaskForm):
    """A day picked on the tours page, and where to go then (its settings, fill my day, or adding the
    day's agenda or a segment's clients)."""

    day = StringField()
    then = HiddenField()

    def picked_day(self) -> date | None:
        try:
            return date.fromisoformat(self.day.data or "")
        except ValueError:
            return None


class OdometerForm(FlaskForm):
    """The car's odometer at the start and end of the day, as typed (either may come later)."""

    start_km = StringField()
    end_km = StringField()

    def typed(self) -> dict[str, str]:
        return {"start_km": self.start_km.data or "", "end_km": self.end_km.data or ""}


class WeekForm(_FilteredForm):
    """The week to plan: its first day (`default_first` when unreadable), how many days, at most how many
    stops a day (0: no limit), and the map's filters choosing the clients."""

    first = StringField()
    days = StringField()
    max_per_day = StringField()

    def first_day(self, default_first: date) -> date:
        try:
            return date.fromisoformat(self.first.data or "")
        except ValueError:
            return default_first

    def day_count(self) -> int:
        return to_int(self.days.data, 5, minimum=1, maximum=6)

    def most_per_day(self, limit: int) -> int | None:
        return to_int(self.max_per_day.data, 0, minimum=0, maximum=limit) or None
