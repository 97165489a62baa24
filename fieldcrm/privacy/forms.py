"""The organisation's data minimisation switches."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class PrivacyForm(FlaskForm):
    collect_birth_date = BooleanField(_l("Collect clients' birth dates"))
    collect_gender = BooleanField(_l("Collect clients' gender"))
