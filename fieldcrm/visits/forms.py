"""Reading what the rep sent (the log sheet, or the phone's offline queue as JSON): every problem
gets a message in the user's language, and the raw values are sent back so nothing typed is lost."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from fieldcrm import fieldrules, timeutil
from fieldcrm.followups.forms import as_utc, at_most
from fieldcrm.visits.models import KINDS, NOTE_MAX, OUTCOMES
from fieldcrm.web.boundary import to_id
from fieldcrm.web.forms import KeptCatalogueForm, picked, rule_message

UID = re.compile(r"^[0-9a-fA-F-]{8,36}$")
DURATION_MAX = 24 * 60


def kind_labels() -> dict[str, str]:
    return {"visit": _l("Visit"), "phone": _l("Phone call"), "email": _l("Email"), "sms": _l("SMS"),
            "note": _l("Note"), "other": _l("Other")}


def outcome_labels() -> dict[str, str]:
    return {"reached": _l("Reached"), "not_reached": _l("Not reached / absent"),
            "call_back": _l("Call back on a date"), "appointment_set": _l("Appointment set"),
            "order_taken": _l("Order taken"), "not_interested": _l("Not interested"), "other": _l("Other")}


def new_uid() -> str:
    return str(uuid.uuid4())


class _WhatHappenedForm(KeptCatalogueForm):
    """The fields a log and its later correction share: type, outcome, when, note, person, duration.
    `contact_ids()` gives the client's contact people (asked only when a person was chosen);
    `occurred_required` when the date must be given."""

    occurred_required = False

    kind = StringField()
    outcome = StringField()
    occurred_at = StringField()
    note = TextAreaField(validators=[at_most(NOTE_MAX, note=True)])
    contact_id = StringField()
    duration_minutes = StringField()
    next = HiddenField()

    def __init__(self, *args, contact_ids: Callable[[], set[int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.contact_ids = contact_ids
        self.occurred = None

    def validate_kind(self, field):
        if (field.data or "visit") not in KINDS:
            raise ValidationError(_("Choose a type of contact."))

    def validate_outcome(self, field):
        if (field.data or "") not in OUTCOMES:
            raise ValidationError(_("Choose how it went."))

    def validate_occurred_at(self, field):
        missing = _l("Choose a date and a time.") if self.occurred_required else None
        moment = picked(fieldrules.picked_moment, field, missing)
        self.occurred = None if moment is None else as_utc(moment)
        if self.occurred is not None and self.occurred > timeutil.now() + timedelta(hours=1):
            raise ValidationError(_("A contact cannot be logged in the future. Set a follow-up instead."))

    def validate_contact_id(self, field):
        text = _text(field)
        if text and (not text.isdigit() or int(text) not in self.contact_ids()):
            raise ValidationError(_("Choose one of this client's contact people."))

    def validate_duration_minutes(self, field):
        text = _text(field)
        if text and (not text.isdigit() or not 0 < int(text) <= DURATION_MAX):
            raise ValidationError(_("Duration: a number of minutes between 1 and %(max)d.", max=DURATION_MAX))

    def what_happened(self) -> dict:
        """The clean values, once the form validated."""
        contact, duration, note = _text(self.contact_id), _text(self.duration_minutes), _text(self.note)
        return {"kind": self.kind.data or "visit", "outcome": self.outcome.data,
                "occurred_at": self.occurred or timeutil.now(), "note": note or None,
                "contact_id": int(contact) if contact else None,
                "duration_minutes": int(duration) if duration else None}


def _text(field) -> str:
    return "" if field.data is None else str(field.data).strip()


class LogForm(_WhatHappenedForm):
    """The log sheet, or a log the phone queued offline. The uid makes a repeated submit harmless;
    `followup_id` is the follow-up this log answers, if any. The next step (a call-back, an
    appointment) is read only for the outcome that asks for it."""

    uid = HiddenField()
    followup_id = HiddenField()
    follow_up_on = StringField()
    follow_up_time = StringField()
    appointment_at = StringField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.next_step: dict = {}

    def validate_uid(self, field):
        if not UID.match(_text(field)):
            raise ValidationError(_("This form is incomplete. Reload the page and try again."))

    def validate_follow_up_on(self, field):
        if self.outcome.data != "call_back":
            return
        day = picked(fieldrules.picked_day, field, _l("Choose a date."))
        self.next_step["follow_up_on"] = day
        if day < timeutil.today():
            raise ValidationError(_("The call-back date is already past."))

    def validate_follow_up_time(self, field):
        if self.outcome.data == "call_back":
            self.next_step["follow_up_time"] = picked(fieldrules.picked_time, field)

    def validate_appointment_at(self, field):
        if self.outcome.data != "appointment_set":
            return
        start = as_utc(picked(fieldrules.picked_moment, field, _l("Choose a date and a time.")))
        self.next_step["appointment_at"] = start
        if start < timeutil.now() - timedelta(hours=1):
            raise ValidationError(_("The appointment is already past."))

    def log_data(self) -> dict:
        """What services.log_interaction takes, once the form validated."""
        return {"uid": _text(self.uid).lower(), "followup_id": to_id(self.followup_id.data),
                **self.what_happened(), **self.next_step}


class CorrectionForm(_WhatHappenedForm):
    """A logged interaction corrected afterwards: the same rules and messages as the quick log, but
    the date and time are required (the form shows the saved ones) and no next step is created.
    `version` is the token of the interaction as it was when the form was opened."""

    occurred_required = True
    version = HiddenField()


def local_input(moment: datetime) -> str:
    """An aware datetime as the value of a datetime-local field, in the user's zone."""
    return timeutil.to_local(moment).strftime("%Y-%m-%dT%H:%M")


class NextStepForm(KeptCatalogueForm):
    """The follow-up right after a log: one of `choices` ("7d" -> its day) in one tap, or a date."""

    when = StringField()
    date = StringField()
    reason = StringField()
    next = HiddenField()

    def __init__(self, *args, choices: dict[str, date], **kwargs):
        super().__init__(*args, **kwargs)
        self.choices, self.picked = choices, None

    def validate_date(self, field):
        if self.when.data in self.choices:  # a tap on "tomorrow", "in a week"…: the date is not read
            return
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_("Choose a date."))
        try:
            self.picked = fieldrules.picked_day(text)
        except fieldrules.InvalidField as exc:
            raise ValidationError(rule_message(exc)) from None
        if self.picked < timeutil.today():
            raise ValidationError(_("The follow-up date is already past."))

    def due(self) -> date:
        return self.choices.get(self.when.data) or self.picked

    def reason_text(self) -> str:
        return (self.reason.data or "")[:200]


class PhrasesForm(KeptCatalogueForm):
    """The shared quick phrases, one a line (the first 50 lines are kept)."""

    phrases = TextAreaField()

    def lines(self) -> list[str]:
        return (self.phrases.data or "").splitlines()[:50]
