"""The segment builder's forms (WTForms, see fieldcrm.web.forms). The filters are a filter set whose
keys other capabilities extend (segments.filters), so the form reads them itself from what was
submitted and keeps them as typed; name, sharing and colour are ordinary fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

from fieldcrm.segments import filters as segment_filters
from fieldcrm.segments.models import COLOURS
from fieldcrm.web.forms import SUBMITTED, submitted_formdata
from fieldcrm.web.templating import N_


class FiltersForm(FlaskForm):
    """The filters being built (the live count posts only these). `filters` are the usable ones,
    `filter_errors` {key: English message key} the refused ones (the template translates them)."""

    def __init__(self, formdata=SUBMITTED, **kwargs):
        if formdata is SUBMITTED:
            formdata = submitted_formdata()
        super().__init__(formdata, **kwargs)
        self.filters, self.filter_errors = segment_filters.clean(formdata or {})

    def messages(self) -> dict[str, str]:
        """The refused filters' and fields' messages, by the name their input has in the page."""
        return {**self.filter_errors, **{field.name: str(field.errors[0]) for field in self if field.errors}}


class SegmentForm(FiltersForm):
    """A segment saved: its filters, a name, shared with the team or not, one of the palette's colours."""

    name = StringField()
    shared = StringField()
    colour = StringField(default=COLOURS[0])

    def validate_name(self, field):
        if not self.name_text():
            raise ValidationError(N_("Give the segment a name."))

    def validate_colour(self, field):
        if field.data not in COLOURS:  # only the palette: each colour has its CSS class and its name
            raise ValidationError(N_("Choose one of the colours offered."))

    def name_text(self) -> str:
        return (self.name.data or "").strip()

    def is_shared(self) -> bool:
        return self.shared.data == "1"
