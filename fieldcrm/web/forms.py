"""How FieldCRM reads what a person submits: one idiom, WTForms (through Flask-WTF).

- Every form a person fills is a `FlaskForm` subclass in its capability's `forms.py`: the fields it
  accepts, each with its validators. A route builds it (`Form()` reads the submitted form by itself,
  `formdata=None` shows stored values), calls `form.validate_on_submit()`, and on failure answers
  the form again with status 422: WTForms keeps what was typed and puts each message by its field.
- The rules of a value (phone, e-mail, SIRET, postal code, dates, a day or time picked in a form)
  live in `fieldcrm.fieldrules`, pure and shared with the import and the demo data; a form applies
  them through `apply_rule` or the field classes below, which translate the rule's message.
- Fields a form cannot declare in advance (opening hours per weekday, custom fields, consents per
  channel, a segment's filter set, the merge screen's picks, the map's filters) are read from
  `submitted_formdata()` by the form itself, never by the route. A list of ticked records (checkboxes
  sharing one name) is an `IdsField`. A value read only in some cases (the call-back date, only for
  "call back") is read in the field's validator with `picked()`.
- A form read from the query string (a preview, a GET that reloads itself) is given `request.args`
  and `meta={"csrf": False}`: a GET carries no token and writes nothing.
- A button that only says "do this" (undo, cancel, done, confirm, a stop's state) carries no form
  class: the route reads its one value with `posted(name)`; its markup is the `post_button` macro of
  templates/_forms.html.
- Nothing else reads `request.form`, `request.values`, `request.files` or the JSON body:
  tests/test_form_idiom.py keeps it so, with its short allow-list of what is not converted yet.
- The phone's offline queue posts the same fields, form-encoded; a JSON body is read as form data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel import support
from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from wtforms import DateField, Field
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from fieldcrm.fieldrules import InvalidField, parse_date, picked_day, picked_moment, picked_time
from fieldcrm.web.boundary import to_id

SUBMIT_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The default of a form's `formdata` when the form reads its dynamic fields itself: what the request
# submitted (`formdata=None` still means "nothing submitted, show the stored values").
SUBMITTED = object()


def submitted_formdata():
    """What the current request submitted, read as Flask-WTF reads it for a form: None on a GET or
    when nothing was sent."""
    if request.method not in SUBMIT_METHODS:
        return None
    if request.files:
        return CombinedMultiDict((request.files, request.form))
    if request.form:
        return request.form
    if request.is_json:
        return ImmutableMultiDict(request.get_json())
    return None


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class KeptCatalogueForm(FlaskForm):
    """A FlaskForm whose WTForms messages (and default labels) come from WTForms' catalogue read once
    per process and locale. Flask-WTF reads and parses that file again on every request that builds
    a form, which costs a frequent small form (the quick log) more than all its validation."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_catalogue(str(get_locale()))


def posted(name: str, default: str = "") -> str:
    """The one value a "do this" button sends (`next`, `confirm`, `action`…), as submitted."""
    formdata = submitted_formdata()
    value = formdata.get(name) if formdata is not None else None
    return default if value is None else str(value)


def picked(rule: Callable[[object], object], field, missing=None):
    """`field`'s value read by a picker rule of fieldrules (day, time, moment), for a value that is read
    only in some cases (a call-back date only when the outcome is "call back"): None when empty, or
    ValidationError(`missing`) when it is required; ValidationError with the rule's message when refused."""
    text = "" if field.data is None else str(field.data).strip()
    if not text:
        if missing:
            raise ValidationError(str(missing))
        return None
    try:
        return rule(text)
    except InvalidField as exc:
        raise ValidationError(rule_message(exc)) from None


def rule_message(exc: InvalidField) -> str:
    """The user's-language message of a refused value."""
    return _(exc.message, **exc.params)


def apply_rule(rule: Callable[..., object], field, *args, **kwargs):
    """The clean value of `field` by `rule` (extra arguments passed on); ValidationError when refused."""
    try:
        return rule(field.data, *args, **kwargs)
    except InvalidField as exc:
        raise ValidationError(rule_message(exc)) from None


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
            raise ValueError(rule_message(exc)) from None


class PickedField(Field):
    """A value sent by a picker (date, time, datetime-local), read by a rule of fieldcrm.fieldrules.
    Empty is None (make it required with InputRequired); what was sent is shown back as sent."""

    widget = TextInput()
    rule: Callable[[object], object]

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = type(self).rule(text)
            except InvalidField as exc:
                raise ValueError(rule_message(exc)) from None

    def _value(self):  # how WTForms' own widgets show the field: as it was sent
        return self.raw_data[0] if self.raw_data else ("" if self.data is None else str(self.data))


class PickedDayField(PickedField):
    rule = staticmethod(picked_day)


class PickedTimeField(PickedField):
    rule = staticmethod(picked_time)


class PickedMomentField(PickedField):
    """Naive (the user's zone) unless the value carried its offset; the form makes it UTC."""

    rule = staticmethod(picked_moment)


class IdsField(Field):
    """The records ticked in a list: every checkbox carries the same name and a record's id. `data` is
    the list of the readable ids, once each, in the order sent (anything else is dropped, as a stale or
    forged tick); the form's caller loads them in the actor's reach."""

    def process_formdata(self, valuelist):
        self.data = list(dict.fromkeys(i for i in (to_id(str(value)) for value in valuelist) if i is not None))

    def process_data(self, value):
        self.data = list(value or ())


def typed_values(form) -> dict[str, str]:
    """Each field as the person typed it (or as given to the form), for templates that render their
    inputs by hand."""
    values = {}
    for field in form:
        raw = getattr(field, "raw_data", None)
        values[field.name] = raw[0] if raw else ("" if field.data is None else str(field.data))
    return values


def field_messages(form) -> dict[str, str]:
    """The first message of each refused field, by the name its input has in the page."""
    return {field.name: str(field.errors[0]) for field in form if field.errors}
