"""Purchase and campaign forms; amounts with a decimal comma, dates as dd/mm/yyyy or from a date picker."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from fieldcrm.fieldrules import InvalidField, parse_date, parse_decimal
from fieldcrm.sales.models import CAMPAIGN_CHANNELS, RESPONSES


def channel_choices():
    return [("email", _l("Email")), ("sms", _l("SMS")), ("phone", _l("Phone")), ("post", _l("Post")),
            ("visit", _l("Visit"))]


def response_labels() -> dict[str, str]:
    return {"sent": _l("Sent"), "opened": _l("Opened"), "replied": _l("Replied"), "bought": _l("Bought"),
            "unsubscribed": _l("Unsubscribed")}


def _date(form, field):
    try:
        field.parsed = parse_date(field.data)
    except InvalidField:
        raise ValidationError(_l("Enter a date as dd/mm/yyyy.")) from None


def _amount(form, field):
    if not field.data:
        field.parsed = None
        return
    try:
        field.parsed = parse_decimal(field.data)
    except InvalidField:
        raise ValidationError(_l("Enter an amount, e.g. 1 234,50.")) from None
    if abs(field.parsed) >= 10 ** 10:
        raise ValidationError(_l("This amount is too large."))


class PurchaseForm(FlaskForm):
    purchased_on = StringField(_l("Date"), validators=[DataRequired(_l("Enter the date.")), _date])
    amount = StringField(_l("Amount (€)"), validators=[DataRequired(_l("Enter the amount.")), _amount])
    product = StringField(_l("Product"), validators=[Optional(), Length(max=200)])
    product_family = StringField(_l("Product family"), validators=[Optional(), Length(max=120)])
    quantity = StringField(_l("Quantity"), validators=[Optional(), _amount])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=80)])

    def purchase_data(self) -> dict:
        return {"purchased_on": self.purchased_on.parsed, "amount": self.amount.parsed,
                "product": self.product.data or None, "product_family": self.product_family.data or None,
                "quantity": self.quantity.parsed if self.quantity.data else None,
                "reference": self.reference.data or None}


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the campaign a name.")), Length(max=160)])
    channel = SelectField(_l("Channel"), choices=channel_choices)
    sent_on = StringField(_l("Date"), validators=[DataRequired(_l("Enter the date.")), _date])
    offer = TextAreaField(_l("Offer"), validators=[Optional(), Length(max=2000)])
    segment_id = SelectField(_l("Sent to the segment"), coerce=str, validate_choice=False)

    def campaign_data(self) -> dict:
        return {"name": self.name.data, "channel": self.channel.data if self.channel.data in CAMPAIGN_CHANNELS
                else "email", "sent_on": self.sent_on.parsed, "offer": self.offer.data or None}


__all__ = ["CampaignForm", "PurchaseForm", "RESPONSES", "channel_choices", "response_labels"]
