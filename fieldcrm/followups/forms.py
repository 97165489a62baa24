"""The follow-up, snooze and appointment forms (WTForms, see fieldcrm.web.forms): messages by the
field, the typed values kept. `as_utc` and `at_most` also serve the log sheet (visits build on
follow-ups, never the reverse)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from fieldcrm import fieldrules, timeutil
from fieldcrm.followups.models import NOTES_MAX, PLACE_MAX, REASON_MAX
from fieldcrm.timeutil import UTC
from fieldcrm.web.boundary import to_int
from fieldcrm.web.forms import PickedDayField, PickedMomentField, PickedTimeField, picked


def as_utc(moment: datetime) -> datetime:
    """A picked moment in UTC: naive ones were typed in the user's zone."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return timeutil.local_datetime(moment.date(), moment.time())


def required(message):
    """Something must be picked: `message` when the field is empty (not when what was sent cannot be
    read: the field already says why)."""

    def check(_form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(str(message))

    return check


def at_most(limit: int, note: bool = False):
    """At most `limit` characters once trimmed (a note's message also says how many were typed)."""

    def check(_form, field):
        count = len((field.data or "").strip())
        if count > limit:
            raise ValidationError(_("The note is too long: %(count)d characters, %(max)d at most.",
                                    count=count, max=limit) if note else _("%(max)d characters at most.", max=limit))

    return check


class _AssignedForm(FlaskForm):
    """A form naming someone among the people who can see the client (`default` when left empty)."""

    assignee_id = StringField()
    uid = HiddenField()  # named by the phone's offline queue, so a replayed request saves once
    next = HiddenField()

    def __init__(self, *args, people: Mapping[int, object], default, **kwargs):
        super().__init__(*args, **kwargs)
        self.people, self.default = people, default

    def validate_assignee_id(self, field):
        raw = (field.data or "").strip()
        if raw and (not raw.isdigit() or int(raw) not in self.people):
            raise ValidationError(_("Choose someone who can see this client."))

    def assignee(self):
        raw = (self.assignee_id.data or "").strip()
        return self.people[int(raw)] if raw else self.default


class FollowUpForm(_AssignedForm):
    due_date = PickedDayField(validators=[required(_l("Choose a date."))])
    due_time = PickedTimeField()
    reason = StringField(validators=[at_most(REASON_MAX)])

    def __init__(self, *args, is_new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = is_new

    def validate_due_date(self, field):
        if self.is_new and field.data is not None and field.data < timeutil.today():
            raise ValidationError(_("The date is already past."))

    def followup_data(self) -> dict:
        return {"due_date": self.due_date.data, "due_time": self.due_time.data,
                "reason": (self.reason.data or "").strip() or _("Follow up"), "assignee": self.assignee()}


class AppointmentForm(_AssignedForm):
    starts_at = PickedMomentField(validators=[required(_l("Choose a date and a time."))])
    ends_at = PickedMomentField(validators=[required(_l("Choose a date and a time."))])
    place = StringField(validators=[at_most(PLACE_MAX)])
    notes = TextAreaField(validators=[at_most(NOTES_MAX, note=True)])

    def validate_ends_at(self, field):
        start = self.starts_at.data
        if start is not None and field.data is not None and as_utc(field.data) <= as_utc(start):
            raise ValidationError(_("The end must come after the start."))

    def appointment_data(self) -> dict:
        return {"starts_at": as_utc(self.starts_at.data), "ends_at": as_utc(self.ends_at.data),
                "place": (self.place.data or "").strip(), "notes": (self.notes.data or "").strip(),
                "owner": self.assignee()}


class SnoozeForm(FlaskForm):
    """Move a follow-up by a number of days (a one-tap button sends 1 to 366) or to a picked day."""

    days = StringField()
    until = StringField()
    next = HiddenField()

    def day_count(self) -> int | None:
        count = to_int(self.days.data)
        return count if count is not None and 0 < count <= 366 else None

    def validate_until(self, field):
        if self.day_count() is not None:
            return
        if picked(fieldrules.picked_day, field, _l("Choose a date.")) < timeutil.today():
            raise ValidationError(_("The date is already past."))

    def moved_to(self) -> dict:
        """What services.snooze_followup takes: `days`, or `until` a day."""
        days = self.day_count()
        return {"days": days} if days is not None else {"until": fieldrules.picked_day(self.until.data.strip())}
