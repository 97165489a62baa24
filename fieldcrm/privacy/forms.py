"""Forms of the privacy admin screens: the organisation's minimisation switches, the register of
processing, the minimisation review, a retention rule's settings, and the people's rights screens
(access export, "the person objects"). Forms of the register of requests are in request_forms.py.

Each field keeps the name the page's inputs already carry. What a value may be is checked where it
was checked before: in the form when the message is the form's own, in the privacy module when the
rule belongs to the data (a register section's length, a retention action, a stale minimisation edit)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from fieldcrm.privacy.register import SECTIONS
from fieldcrm.web.boundary import to_id, to_int

MAX_DETAILS = 2000
# Longer than any period worth typing: what is beyond is cut, as the page's input allows no more.
MAX_DAYS_TYPED = 6


class PrivacyForm(FlaskForm):
    collect_birth_date = BooleanField(_l("Collect clients' birth dates"))
    collect_gender = BooleanField(_l("Collect clients' gender"))


class IdField(HiddenField):
    """A record id sent by a hidden input or a select: `data` is the id, or None when absent or not
    an id (the route loads it in the actor's reach, or answers 404)."""

    def process_formdata(self, valuelist):
        self.data = to_id(valuelist[0]) if valuelist else None


class RegisterForm(FlaskForm):
    """The register's sections as typed, one text area each (named as register.SECTIONS); their
    length is checked by register.save_sections, whose message names the section in the register's
    language."""

    def typed(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in SECTIONS}


for _section in SECTIONS:
    setattr(RegisterForm, _section, TextAreaField())


class MinimisationDismissForm(FlaskForm):
    """"This is fine" on a flagged text: `seen` is the fingerprint of the text the admin read, so a
    text changed since is not dismissed unseen."""

    seen = HiddenField()


class MinimisationRewriteForm(MinimisationDismissForm):
    """The flagged text rewritten in place (minimisation.rewrite checks its length and staleness)."""

    text = TextAreaField()


class CheckedField(Field):
    """A checkbox sending "1" when ticked: anything else (or nothing) is not ticked."""

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and valuelist[0] == "1"


class RetentionRuleForm(FlaskForm):
    """A retention rule's settings. The action is checked by retention.save_settings."""

    days = StringField()
    action = StringField()
    enabled = CheckedField()
    auto_apply = CheckedField()

    def validate_days(self, field):
        field.parsed = to_int(self.typed()["days"].strip(), None, minimum=0, maximum=100000)
        if field.parsed is None:
            raise ValidationError(_l("Give the period as a whole number of days."))

    def typed(self) -> dict:
        """The settings as sent, to show back when refused."""
        return {"days": (self.days.data or "")[:MAX_DAYS_TYPED], "action": self.action.data or "",
                "enabled": bool(self.enabled.data), "auto_apply": bool(self.auto_apply.data)}


class ExportForm(FlaskForm):
    """What an access export is for: the card, or one of its contact people; the register's request
    it answers, if any; the language of the copy (the admin's when not one of the two)."""

    contact_id = IdField()
    request_id = IdField()
    lang = HiddenField()

    def language(self, default: str) -> str:
        return self.lang.data if self.lang.data in ("fr", "en") else default


class ObjectForm(FlaskForm):
    """"The person objects": who (the card, or one of its contact people) and what they said. The
    confirmation box is read by the route with posted("confirm")."""

    contact_id = IdField()
    details = TextAreaField()

    def details_text(self) -> str | None:
        return (self.details.data or "")[:MAX_DETAILS] or None
