"""WTForms glue for fieldcrm.fieldrules: a rule refusing a value becomes the field's message, translated."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from wtforms import DateField
from wtforms.validators import ValidationError

from fieldcrm.fieldrules import InvalidField, parse_date


def apply_rule(rule: Callable[..., object], field, *args, **kwargs):
    """The clean value of `field` by `rule` (extra arguments passed on); ValidationError when refused."""
    try:
        return rule(field.data, *args, **kwargs)
    except InvalidField as exc:
        raise ValidationError(_(exc.message)) from None


class FrenchDateField(DateField):
    """A date typed the French way (23/11/2026, 23.11.26) or sent by a date picker (2026-11-23)."""

    def process_formdata(self, valuelist):
        text = " ".join(valuelist or ()).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_date(text)
        except InvalidField as exc:
            self.data = None
            raise ValueError(_(exc.message)) from None
