"""Admin screen defining the custom fields of client cards."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from fieldcrm.customfields import services
from fieldcrm.db import get_session
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import admin_required, with_custom_field

bp = Blueprint("customfields", __name__, url_prefix="/admin/custom-fields")


def type_labels() -> dict[str, str]:
    return {"text": _l("Text"), "number": _l("Number"), "date": _l("Date"), "choice": _l("Choice list")}


class FieldForm(FlaskForm):
    label = StringField(_l("Name of the field"), validators=[DataRequired(_l("Give the field a name.")),
                                                             Length(max=80)])
    field_type = SelectField(_l("Type"), choices=lambda: list(type_labels().items()))
    choices = TextAreaField(_l("Choices (one per line)"), validators=[Optional(), Length(max=4000)])


@bp.route("", methods=["GET", "POST"])
@admin_required
def index():
    db = get_session()
    form = FieldForm()
    error = None
    if form.validate_on_submit():
        try:
            services.define_field(db, form.label.data, form.field_type.data, form.choices.data or "")
        except services.CustomFieldError as exc:
            error = str(exc)
        else:
            flash(_("Field added to every client card."), "success")
            return redirect(url_for("customfields.index"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("customfields/index.html", form=form, fields=services.all_fields(db),
                           types=type_labels(), error=error), status


@bp.post("/<int:field_id>/active")
@with_custom_field
def toggle(field):
    services.set_active(get_session(), field, posted("active") == "1")
    return redirect(url_for("customfields.index"), 303)
