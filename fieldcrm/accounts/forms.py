"""Login, account and user-administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Give your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Give your password.")),
                                                         Length(max=1024)])


def role_choices():
    return [("rep", _l("Sales rep")), ("manager", _l("Manager")), ("admin", _l("Administrator"))]


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give a name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Give an email address.")),
                                                Email(_l("This email address is not valid.")),
                                                Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices, default="rep")
    team_id = SelectField(_l("Team"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                          validators=[Optional()])
    password = PasswordField(_l("Initial password"), validators=[Length(max=1024)])


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    team_id = SelectField(_l("Team"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                          validators=[Optional()])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Give a password.")),
                                                             Length(max=1024)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Give your password."))])
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Give a password.")),
                                                             Length(max=1024)])


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[("", _l("Browser's language")), ("fr", "Français"),
                                                  ("en", "English")], validators=[Optional()])


class MovePortfolioForm(FlaskForm):
    target_id = SelectField(_l("Give the clients to"), coerce=int)


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(_l("Give the team a name.")),
                                                    Length(max=120)])
