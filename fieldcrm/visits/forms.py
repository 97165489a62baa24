"""Reading what the rep sent (the log sheet, or the phone's offline queue as JSON): every problem
gets a message in the user's language, and the raw values are sent back so nothing typed is lost."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from fieldcrm import fieldrules, timeutil
from fieldcrm.followups.forms import Parsed, parse_date, parse_local_datetime, parse_time
from fieldcrm.visits.models import KINDS, NOTE_MAX, OUTCOMES
from fieldcrm.web.boundary import to_id
from fieldcrm.web.forms import rule_message

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


def _parse_what_happened(form: Mapping, contact_ids: set[int], result: Parsed, *,
                         occurred_required: bool = False) -> None:
    """The fields a log and its later correction share: type, outcome, when, note, person, duration."""
    errors, data = result.errors, result.data
    kind = form.get("kind") or "visit"
    if kind not in KINDS:
        errors["kind"] = _("Choose a type of contact.")
    data["kind"] = kind
    outcome = form.get("outcome") or ""
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose how it went.")
    data["outcome"] = outcome

    occurred = parse_local_datetime(form.get("occurred_at"), errors, "occurred_at", required=occurred_required)
    now = timeutil.now()
    if occurred is not None and occurred > now + timedelta(hours=1):
        errors["occurred_at"] = _("A contact cannot be logged in the future. Set a follow-up instead.")
    data["occurred_at"] = occurred or now

    note = (form.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("The note is too long: %(count)d characters, %(max)d at most.",
                           count=len(note), max=NOTE_MAX)
    data["note"] = note or None

    contact = (form.get("contact_id") or "").strip()
    data["contact_id"] = None
    if contact:
        if not contact.isdigit() or int(contact) not in contact_ids:
            errors["contact_id"] = _("Choose one of this client's contact people.")
        else:
            data["contact_id"] = int(contact)

    duration = str(form.get("duration_minutes") or "").strip()
    data["duration_minutes"] = None
    if duration:
        if not duration.isdigit() or not 0 < int(duration) <= DURATION_MAX:
            errors["duration_minutes"] = _("Duration: a number of minutes between 1 and %(max)d.",
                                           max=DURATION_MAX)
        else:
            data["duration_minutes"] = int(duration)


def parse_log(form: Mapping, contact_ids: set[int]) -> Parsed:
    """The interaction a log sheet (or a queued JSON log) describes."""
    result = Parsed()
    errors, data = result.errors, result.data
    uid = (form.get("uid") or "").strip()
    if not UID.match(uid):
        errors["uid"] = _("This form is incomplete. Reload the page and try again.")
    data["uid"] = uid.lower()
    data["followup_id"] = to_id(form.get("followup_id"))  # the follow-up this log answers, if any
    _parse_what_happened(form, contact_ids, result)
    outcome, now = data["outcome"], timeutil.now()

    if outcome == "call_back":
        data["follow_up_on"] = parse_date(form.get("follow_up_on"), errors, "follow_up_on", required=True)
        data["follow_up_time"] = parse_time(form.get("follow_up_time"), errors, "follow_up_time")
        if data["follow_up_on"] and data["follow_up_on"] < timeutil.today():
            errors["follow_up_on"] = _("The call-back date is already past.")
    if outcome == "appointment_set":
        start = parse_local_datetime(form.get("appointment_at"), errors, "appointment_at", required=True)
        data["appointment_at"] = start
        if start is not None and start < now - timedelta(hours=1):
            errors["appointment_at"] = _("The appointment is already past.")
    return result


def parse_correction(form: Mapping, contact_ids: set[int]) -> Parsed:
    """A logged interaction corrected afterwards: the same rules and messages as the quick log, but
    the date and time are required (the form shows the saved ones) and no next step is created."""
    result = Parsed()
    _parse_what_happened(form, contact_ids, result, occurred_required=True)
    return result


def local_input(moment: datetime) -> str:
    """An aware datetime as the value of a datetime-local field, in the user's zone."""
    return timeutil.to_local(moment).strftime("%Y-%m-%dT%H:%M")


class NextStepForm(FlaskForm):
    """The follow-up right after a log: one of `choices` ("7d" -> its day) in one tap, or a date."""

    when = StringField()
    date = StringField()
    reason = StringField()

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
