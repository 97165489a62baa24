"""Reading the follow-up and appointment forms: messages by the field, the typed values kept."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from fieldcrm.agenda import clock
from fieldcrm.followups.models import PLACE_MAX, REASON_MAX
from fieldcrm.visits.forms import Parsed, parse_date, parse_local_datetime, parse_time
from fieldcrm.visits.models import NOTE_MAX


def _assignee(form: Mapping, allowed: dict[int, object], errors: dict, default):
    raw = (form.get("assignee_id") or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) not in allowed:
        errors["assignee_id"] = _("Choose someone who can see this client.")
        return default
    return allowed[int(raw)]


def parse_followup(form: Mapping, allowed: dict[int, object], default_assignee, *, is_new: bool) -> Parsed:
    result = Parsed()
    errors, data = result.errors, result.data
    data["due_date"] = parse_date(form.get("due_date"), errors, "due_date", required=True)
    if is_new and data["due_date"] is not None and data["due_date"] < clock.today():
        errors["due_date"] = _("The date is already past.")
    data["due_time"] = parse_time(form.get("due_time"), errors, "due_time")
    reason = (form.get("reason") or "").strip()
    if len(reason) > REASON_MAX:
        errors["reason"] = _("%(max)d characters at most.", max=REASON_MAX)
    data["reason"] = reason or _("Follow up")
    data["assignee"] = _assignee(form, allowed, errors, default_assignee)
    return result


def parse_appointment(form: Mapping, allowed: dict[int, object], default_owner) -> Parsed:
    result = Parsed()
    errors, data = result.errors, result.data
    data["starts_at"] = parse_local_datetime(form.get("starts_at"), errors, "starts_at", required=True)
    data["ends_at"] = parse_local_datetime(form.get("ends_at"), errors, "ends_at", required=True)
    if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
        errors["ends_at"] = _("The end must come after the start.")
    place = (form.get("place") or "").strip()
    if len(place) > PLACE_MAX:
        errors["place"] = _("%(max)d characters at most.", max=PLACE_MAX)
    data["place"] = place
    notes = (form.get("notes") or "").strip()
    if len(notes) > NOTE_MAX:
        errors["notes"] = _("The note is too long: %(count)d characters, %(max)d at most.",
                            count=len(notes), max=NOTE_MAX)
    data["notes"] = notes
    data["owner"] = _assignee(form, allowed, errors, default_owner)
    return result
