"""The default visit cadences form (WTForms, see fieldcrm.web.forms): days per client status, and
"segment = days" lines."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from fieldcrm.agenda.services import CADENCE_MAX_DAYS
from fieldcrm.clients.models import STATUSES


def _days(text: str) -> int | None:
    """A cadence typed as whole days, 1 to CADENCE_MAX_DAYS; None when it is not one."""
    text = text.strip()
    return int(text) if text.isdigit() and 0 < int(text) <= CADENCE_MAX_DAYS else None


def _segment_line(line: str) -> tuple[str, int] | None:
    """"Top clients = 30" -> ("Top clients", 30); None when the line says something else."""
    name, _sep, days = line.rpartition("=")
    return (name.strip(), _days(days)) if name.strip() and _days(days) is not None else None


def _status_days(_form, field):
    if (field.data or "").strip() and _days(field.data) is None:
        raise ValidationError(_("A number of days between 1 and %(max)d.", max=CADENCE_MAX_DAYS))


class CadenceForm(FlaskForm):
    segments = TextAreaField()

    def status_fields(self):
        return [(key, self[f"status_{key}"]) for key in STATUSES]

    def validate_segments(self, field):
        unreadable = [number for number, line in enumerate((field.data or "").splitlines(), 1)
                      if line.strip() and not _segment_line(line)]
        if unreadable:  # the last one named: fixing from the bottom up keeps the numbers right
            raise ValidationError(_("Line %(n)d: write “segment = days”, e.g. “Top clients = 30”.", n=unreadable[-1]))

    def rules(self) -> dict[tuple[str, str], int]:
        """The cadences the form sets: ("status" or "segment", value) -> days."""
        rules = {("status", key): _days(field.data) for key, field in self.status_fields()
                 if (field.data or "").strip()}
        for line in (self.segments.data or "").splitlines():
            if line.strip():
                name, days = _segment_line(line)
                rules[("segment", name)] = days
        return rules


# One field per client status, sent as "status-<status>" (the inputs' names in the page).
for _status in STATUSES:
    setattr(CadenceForm, f"status_{_status}", StringField(name=f"status-{_status}", validators=[_status_days]))
del _status
