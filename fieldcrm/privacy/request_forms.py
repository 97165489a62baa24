"""Forms of the people's rights: a request in the register, its status, the organisation's details
for the notice, and when a person was informed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from fieldcrm.clients.models import INFORMED_CHANNELS
from fieldcrm.fieldrules import InvalidField, parse_date
from fieldcrm.timeutil import today


def kind_labels() -> dict:
    return {"access": _l("Access (copy of the data)"), "rectification": _l("Rectification"),
            "erasure": _l("Erasure"), "opposition": _l("Opposition")}


def status_labels() -> dict:
    return {"received": _l("Received"), "in_progress": _l("In progress"), "done": _l("Done"),
            "refused": _l("Refused")}


def informed_labels() -> dict:
    return {"in_person": _l("Handed over in person"), "email": _l("By email"), "post": _l("By post"),
            "phone": _l("Read over the phone"), "website": _l("On the website or a form"), "other": _l("Other")}


def received_channel_labels() -> dict:
    return {"email": _l("Email"), "post": _l("Post"), "phone": _l("Phone"), "in_person": _l("In person"),
            "other": _l("Other")}


def _past_date(form, field):
    try:
        field.parsed = parse_date(field.data, today())
    except InvalidField:
        raise ValidationError(_l("Enter a date as dd/mm/yyyy.")) from None
    if field.parsed > today():
        raise ValidationError(_l("This date is in the future."))


class RequestForm(FlaskForm):
    kind = SelectField(_l("Request"), choices=lambda: list(kind_labels().items()))
    received_on = StringField(_l("Received on"), validators=[DataRequired(_l("Enter the date.")), _past_date])
    channel = SelectField(_l("Received by"), choices=lambda: [("", "—"), *received_channel_labels().items()],
                          validators=[Optional()])
    contact_id = SelectField(_l("About"), coerce=str, validate_choice=False, validators=[Optional()])
    person_name = StringField(_l("Person's name"), validators=[Optional(), Length(max=220)])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=2000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=lambda: list(status_labels().items()))
    refusal_reason = TextAreaField(_l("Reason for the refusal"), validators=[Optional(), Length(max=2000)])


class OrganisationForm(FlaskForm):
    org_name = StringField(_l("Organisation name"), validators=[DataRequired(_l("Give the organisation's name.")),
                                                                Length(max=254)])
    org_address = TextAreaField(_l("Postal address"), validators=[DataRequired(_l("Give the postal address.")),
                                                                 Length(max=500)])
    org_email = StringField(_l("Email for privacy requests"), validators=[
        DataRequired(_l("Give an email address.")), Email(_l("This email address is not valid.")), Length(max=254)])
    org_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    org_siren = StringField(_l("SIREN"), validators=[Optional(), Length(max=20)])
    dpo_contact = TextAreaField(_l("Data protection officer (name and contact), if any"),
                                validators=[Optional(), Length(max=500)])


class InformedForm(FlaskForm):
    informed_on = StringField(_l("Informed on"), validators=[DataRequired(_l("Enter the date.")), _past_date])
    informed_channel = SelectField(_l("How"), choices=lambda: list(informed_labels().items()))

    def validate_informed_channel(self, field):
        if field.data not in INFORMED_CHANNELS:
            raise ValidationError(_l("Choose how the person was informed."))


def value_labels() -> dict:
    """Words for the stored codes an access export shows that no other form names."""
    return {
        "kind": {"company": _l("Company"), "person": _l("Private person")},
        "consent": {"unknown": _l("not asked"), "granted": _l("given"), "refused": _l("refused")},
        "followup": {"open": _l("open"), "done": _l("done"), "cancelled": _l("cancelled")},
        "stop": {"planned": _l("planned"), "done": _l("done"), "skipped": _l("skipped")},
    }


def field_labels() -> dict:
    """Labels of the fields of an access export, in the page's language."""
    return {
        "kind": _l("Kind"), "company_name": _l("Company name"), "siret": _l("SIRET"), "civility": _l("Civility"),
        "first_name": _l("First name"), "last_name": _l("Last name"), "status": _l("Status"),
        "sector": _l("Sector"), "segment": _l("Segment"), "loyalty_programme": _l("Loyalty programme"),
        "client_since": _l("Client since"), "source": _l("Source"), "street": _l("Street"),
        "street2": _l("Address line 2"), "postal_code": _l("Postal code"), "city": _l("City"),
        "country": _l("Country"), "latitude": _l("Latitude"), "longitude": _l("Longitude"), "phone": _l("Phone"),
        "mobile": _l("Mobile"), "email": _l("Email"), "website": _l("Website"),
        "do_not_contact": _l("Do not contact"), "do_not_contact_at": _l("Do not contact since"),
        "birth_date": _l("Birth date"), "gender": _l("Gender"), "visit_cadence_days": _l("Visit cadence (days)"),
        "notes": _l("Notes"), "last_contact_at": _l("Last contact"), "last_visit_at": _l("Last visit"),
        "informed_on": _l("Informed on"), "informed_channel": _l("Informed how"), "created_at": _l("Created"),
        "updated_at": _l("Updated"), "deleted_at": _l("Deleted"), "owner": _l("Sales rep"),
        "function": _l("Function"), "direct_line": _l("Direct line"),
    }
