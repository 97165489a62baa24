"""The dormant lists' bulk actions (WTForms, see fieldcrm.web.forms): the list they came from, its
ticked clients, and a day (and a reason) — each refusal with its message by the field."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from fieldcrm import timeutil
from fieldcrm.followups.models import REASON_MAX
from fieldcrm.web.boundary import to_int
from fieldcrm.web.forms import IdsField

DORMANT_LISTS = ("no_purchase", "no_contact")
MAX_BULK = 200  # the dormant lists show at most this many clients each


def dormant_thresholds(source) -> tuple[int, int]:
    """The lists' thresholds (months without purchase, days without contact), read from the query
    string or sent back by a bulk action's form."""
    return (to_int(source.get("months"), 6, minimum=1, maximum=120),
            to_int(source.get("days"), 90, minimum=1, maximum=3650))


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


class _DormantBulkForm(FlaskForm):
    list = StringField()
    client_id = IdsField()
    months = StringField()
    days = StringField()

    def which(self) -> str:
        return self.list.data if self.list.data in DORMANT_LISTS else "no_purchase"

    def thresholds(self) -> tuple[int, int]:
        return dormant_thresholds({"months": self.months.data, "days": self.days.data})

    def within_limit(self) -> bool:
        return len(self.client_id.data) <= MAX_BULK

    def validate_client_id(self, field):
        if not field.data:
            raise ValidationError(_("Tick at least one client."))
        if not self.within_limit():
            raise ValidationError(_("Choose at most %(max)s clients at a time.", max=MAX_BULK))

    @staticmethod
    def _check_day(field, missing: str, past: str) -> None:
        day = _day(field.data)
        if day is None:
            raise ValidationError(missing)
        if day < timeutil.today():
            raise ValidationError(past)


class DormantFollowUpsForm(_DormantBulkForm):
    """A follow-up for each ticked client, due on `due_date`, for `reason`."""

    due_date = StringField()
    reason = StringField()

    def validate_due_date(self, field):
        self._check_day(field, _("Enter the due date."), _("The due date cannot be in the past."))

    def validate_reason(self, field):
        reason = self.reason_text()
        if not reason:
            raise ValidationError(_("Say why the client is to be followed up."))
        if len(reason) > REASON_MAX:
            raise ValidationError(_("Keep the reason under %(max)s characters.", max=REASON_MAX))

    def reason_text(self) -> str:
        return (self.reason.data or "").strip()

    def due(self) -> date:
        return _day(self.due_date.data)


class DormantTourForm(_DormantBulkForm):
    """The ticked clients added to the actor's tour of `day`."""

    day = StringField()

    def validate_day(self, field):
        self._check_day(field, _("Enter the day of the tour."), _("Choose today or a later day."))

    def picked_day(self) -> date:
        return _day(self.day.data)
