"""Reading the follow-up and appointment forms: messages by the field, the typed values kept. The
date and time readers here serve the log sheet too (visits build on follow-ups, never the reverse)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _

from fieldcrm import timeutil
from fieldcrm.followups.models import NOTES_MAX, PLACE_MAX, REASON_MAX
from fieldcrm.timeutil import UTC

EARLIEST = date(2000, 1, 1)


@dataclass
class Parsed:
    data: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_date(raw: str | None, errors: dict, key: str, *, required: bool = False) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            errors[key] = _("Choose a date.")
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[key] = _("“%(value)s” is not a date that exists.", value=raw[:20])
        return None
    if value < EARLIEST or value.year > 2100:
        errors[key] = _("This date is out of range.")
        return None
    return value


def parse_time(raw: str | None, errors: dict, key: str) -> time | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        errors[key] = _("“%(value)s” is not a time of day (hh:mm).", value=raw[:20])
        return None


def parse_local_datetime(raw: str | None, errors: dict, key: str, *, required: bool = False):
    """'2026-11-23T14:30' typed in the user's zone -> aware UTC."""
    raw = (raw or "").strip()
    if not raw:
        if required:
            errors[key] = _("Choose a date and a time.")
        return None
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        errors[key] = _("“%(value)s” is not a date and time that exist.", value=raw[:30])
        return None
    if naive.date() < EARLIEST or naive.year > 2100:
        errors[key] = _("This date is out of range.")
        return None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return timeutil.local_datetime(naive.date(), naive.time())




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
    if is_new and data["due_date"] is not None and data["due_date"] < timeutil.today():
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
    if len(notes) > NOTES_MAX:
        errors["notes"] = _("The note is too long: %(count)d characters, %(max)d at most.",
                            count=len(notes), max=NOTES_MAX)
    data["notes"] = notes
    data["owner"] = _assignee(form, allowed, errors, default_owner)
    return result
