"""Tour forms: the day's settings and a stop's details."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError


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
