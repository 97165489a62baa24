"""Client and contact-person forms: every check gives a message by the field; input is kept."""

from __future__ import annotations

import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from fieldcrm import fieldrules
from fieldcrm.clients.labels import status_labels  # noqa: F401  (the list, the map, segments use it from here)
from fieldcrm.customfields.services import clean_value
from fieldcrm.geo import communes
from fieldcrm.web.forms import SUBMITTED, FrenchDateField, apply_rule, submitted_formdata

COUNTRIES = ("FR", "BE", "CH", "LU", "MC", "DE", "ES", "IT", "NL", "PT", "GB", "AT", "US", "CA")
NOTES_MAX = 10_000
WEEKDAYS = range(7)
VISIT_MINUTES_RANGE = (5, 480)  # a visit lasts at least 5 minutes and at most a working day
_HOURS = re.compile(r"^\s*(\d{1,2})[:hH.]?(\d{2})?\s*[-–à]\s*(\d{1,2})[:hH.]?(\d{2})?\s*$")


def channel_labels() -> dict[str, str]:
    return {"visit": _l("Visit"), "phone": _l("Phone"), "email": _l("Email"), "sms": _l("SMS"),
            "post": _l("Post")}


def erasure_labels() -> dict[str, str]:
    """What each table holding rows of a client means to a user, for the erasure confirmation. Tables
    are named, not imported: their capabilities sit above clients."""
    return {"contact_person": _l("Contact people"), "client_tag": _l("Tags"), "channel_consent": _l("Consents"),
            "opening_hours": _l("Opening hours"), "custom_field_value": _l("Custom field values"),
            "interaction": _l("Interactions (visits, calls, notes…)"), "follow_up": _l("Follow-ups"),
            "appointment": _l("Appointments"), "purchase": _l("Purchases"),
            "campaign_recipient": _l("Campaign memberships"), "tour_stop": _l("Tour stops")}


def weekday_labels() -> list[str]:
    return [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
            _l("Saturday"), _l("Sunday")]


def country_choices(stored: str | None = None) -> list[tuple[str, str]]:
    """The usual countries, plus the card's own when it came from elsewhere (an import from La Réunion)."""
    locale = get_locale()
    names = locale.territories if locale else {}
    codes = COUNTRIES if not stored or stored in COUNTRIES else (*COUNTRIES, stored)
    return [(code, names.get(code, code)) for code in codes]


def parse_hours(text: str) -> list[tuple[str, str]]:
    """'9:00-12:00, 14h-18h30' -> [('09:00','12:00'), ('14:00','18:30')]; ValueError if unreadable."""
    spans = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;/]| et | and ", text or ""))):
        m = _HOURS.match(part)
        if not m:
            raise ValueError(part)
        h1, m1, h2, m2 = int(m[1]), int(m[2] or 0), int(m[3]), int(m[4] or 0)
        if not (0 <= h1 <= 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
            raise ValueError(part)
        spans.append((f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"))
    spans.sort()
    for (_a, end), (start, _b) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ValueError(text)
    return spans


class VisitMinutesField(IntegerField):
    """Whole minutes, 5 to 480: one clear message for "45.5", "une heure" and 900 alike."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        if not text.isdigit():
            self.data = None
            raise ValueError(visit_minutes_message())
        self.data = int(text)


def visit_minutes_message():
    low, high = VISIT_MINUTES_RANGE
    return _l("Give the visit duration in whole minutes, from %(low)s to %(high)s.", low=low, high=high)


class ClientForm(FlaskForm):
    kind = RadioField(_l("Kind"), choices=[("company", _l("Company")), ("person", _l("Private person"))],
                      default="company")
    company_name = StringField(_l("Company name"), validators=[Optional(), Length(max=200)])
    siret = StringField(_l("SIRET"), validators=[Optional(), Length(max=20)])
    civility = SelectField(_l("Civility"), choices=[("", "—"), ("MME", _l("Ms")), ("M", _l("Mr"))],
                           validators=[Optional()])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), default="prospect")
    sector = StringField(_l("Sector of activity"), validators=[Optional(), Length(max=120)])
    segment = StringField(_l("Segment"), validators=[Optional(), Length(max=120)])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=500)],
                       description=_l("Separated by commas"))
    loyalty_programme = StringField(_l("Loyalty programme"), validators=[Optional(), Length(max=120)])
    client_since = FrenchDateField(_l("Client since"), validators=[Optional()])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=120)])
    owner_id = SelectField(_l("Sales rep"), coerce=int, validators=[Optional()])
    street = StringField(_l("Street"), validators=[Optional(), Length(max=200)])
    street2 = StringField(_l("Address line 2"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=12)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    country = SelectField(_l("Country"), default="FR")
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=254)])
    do_not_contact = BooleanField(_l("Do not contact (opposition)"))
    birth_date = FrenchDateField(_l("Birth date"), validators=[Optional()])
    gender = SelectField(_l("Gender"), choices=[("", "—"), ("female", _l("Female")), ("male", _l("Male")),
                                                 ("other", _l("Other"))], validators=[Optional()])
    visit_cadence_days = IntegerField(_l("Visit every (days)"),
                                      validators=[Optional(), NumberRange(*fieldrules.VISIT_CADENCE_DAYS)])
    visit_minutes = VisitMinutesField(_l("Visit duration (minutes)"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=NOTES_MAX)])
    version = HiddenField()

    def __init__(self, formdata=SUBMITTED, *, owners=(), custom_fields=(), **kwargs):
        if formdata is SUBMITTED:
            formdata = submitted_formdata()
        super().__init__(formdata, **kwargs)
        self.stored = kwargs.get("obj")  # the card being edited, None for a new one
        self.status.choices = list(status_labels().items())
        self.country.choices = country_choices(getattr(kwargs.get("obj"), "country", None))
        self.owner_id.choices = [(u.id, u.name) for u in owners]
        # Hours and consents are dynamic fields read from the raw submitted data.
        self.raw = formdata or {}
        self.hours_input = {d: self.raw.get(f"hours_{d}", "") for d in WEEKDAYS}
        self.hours_errors: dict[int, str] = {}
        self.consent_rows = {}
        self.custom_fields = list(custom_fields)
        self.custom_input = {f.id: self.raw.get(f"custom_{f.id}", "") for f in self.custom_fields}
        self.custom_errors: dict[int, str] = {}

    # --- field checks -------------------------------------------------------------------
    # Optional() stops the chain on an empty field, so these only see something typed.
    def validate_siret(self, field):
        field.data = apply_rule(fieldrules.siret, field)

    def validate_email(self, field):
        field.data = apply_rule(fieldrules.email, field)

    def _phone(self, field):
        field.e164 = apply_rule(fieldrules.phone, field, self.country.data or "FR")

    validate_phone = _phone
    validate_mobile = _phone

    def validate_postal_code(self, field):
        field.data = apply_rule(fieldrules.postal_code, field, self.country.data or "FR", city=self.city.data)

    def validate_city(self, field):
        code = (self.postal_code.data or "").strip()
        if (self.country.data or "FR") != "FR" or not code or not field.data or self.postal_code.errors:
            return
        if "cedex" in field.data.lower() or self._address_kept(code, field.data):
            return
        if communes.find_commune(code, field.data) is None:
            names = ", ".join(c.name for c in communes.communes_for_postal_code(code)[:6])
            if names:
                raise ValidationError(_l("This city does not match postal code %(cp)s. Did you mean: %(names)s?",
                                         cp=code, names=names))

    def _address_kept(self, postal_code: str, city: str) -> bool:
        """The card's stored postal code and city, left as they were: an import does not match cities to
        codes, and a card must stay savable when the rep only changes its phone."""
        stored = self.stored
        return stored is not None and (postal_code, city.strip(), self.country.data) == (
            stored.postal_code, stored.city, stored.country)

    def validate_visit_minutes(self, field):
        low, high = VISIT_MINUTES_RANGE
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(visit_minutes_message())

    def validate_website(self, field):
        field.data = apply_rule(fieldrules.website, field)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Required-by-kind fields: checked here because Optional() skips inline validators.
        required = self.company_name if self.kind.data == "company" else self.last_name
        if not (required.data or "").strip():
            required.errors = [*required.errors, _l("Give the company name.") if required is self.company_name
                               else _l("Give the last name.")]
            ok = False
        for day in WEEKDAYS:
            try:
                parse_hours(self.hours_input.get(day, ""))
            except ValueError:
                self.hours_errors[day] = _l("Write hours like 9:00-12:00, 14:00-18:00.")
                ok = False
        for custom in self.custom_fields:
            try:
                clean_value(custom, self.custom_input.get(custom.id))
            except ValueError as exc:
                self.custom_errors[custom.id] = str(exc)
                ok = False
        return ok

    def custom_values(self) -> dict[int, str | None]:
        return {f.id: clean_value(f, self.custom_input.get(f.id)) for f in self.custom_fields}

    def opening_hours(self) -> dict[int, list[tuple[str, str]]]:
        return {d: parse_hours(self.hours_input.get(d, "")) for d in WEEKDAYS}

    def consents(self) -> dict[str, dict]:
        raw = self.raw
        return {
            ch: {"allowed": raw.get(f"allow_{ch}") == "y",
                 "consent": raw.get(f"consent_{ch}", "unknown"),
                 "source": (raw.get(f"consent_source_{ch}") or "").strip()[:120] or None}
            for ch in channel_labels()
        }

    def client_data(self) -> dict:
        """The clean values for clients.services (phones in E.164)."""
        data = {name: self[name].data for name in (
            "kind", "company_name", "siret", "civility", "first_name", "last_name", "status", "sector",
            "segment", "loyalty_programme", "client_since", "source", "street", "street2", "postal_code",
            "city", "country", "email", "website", "do_not_contact", "birth_date", "gender",
            "visit_cadence_days", "visit_minutes", "notes")}
        for key, value in data.items():
            if isinstance(value, str):
                data[key] = value.strip() or None
        data["phone"] = getattr(self.phone, "e164", None) if self.phone.data else None
        data["mobile"] = getattr(self.mobile, "e164", None) if self.mobile.data else None
        data["owner_id"] = self.owner_id.data or None
        data["tags"] = sorted({t.strip()[:60] for t in (self.tags.data or "").split(",") if t.strip()})
        return data


class ContactForm(FlaskForm):
    civility = SelectField(_l("Civility"), choices=[("", "—"), ("MME", _l("Ms")), ("M", _l("Mr"))],
                           validators=[Optional()])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Give the last name.")),
                                                         Length(max=100)])
    function = StringField(_l("Function"), validators=[Optional(), Length(max=120)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    direct_line = StringField(_l("Direct line"), validators=[Optional(), Length(max=40)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=40)])

    def __init__(self, *args, country="FR", **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country

    validate_email = ClientForm.validate_email

    def _phone(self, field):
        field.e164 = apply_rule(fieldrules.phone, field, self.country)

    validate_direct_line = _phone
    validate_mobile = _phone

    def contact_data(self) -> dict:
        data = {k: (self[k].data or "").strip() or None for k in ("civility", "first_name", "last_name",
                                                                 "function", "email")}
        data["direct_line"] = getattr(self.direct_line, "e164", None) if self.direct_line.data else None
        data["mobile"] = getattr(self.mobile, "e164", None) if self.mobile.data else None
        return data
