"""The administrator's privacy settings: what the organisation collects on a client card."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from fieldcrm.clients.settings import org_settings
from fieldcrm.db import get_session
from fieldcrm.privacy import services
from fieldcrm.privacy.forms import PrivacyForm
from fieldcrm.web.guards import admin_required

bp = Blueprint("privacy", __name__)


@bp.route("/admin/privacy", methods=["GET", "POST"])
@admin_required
def settings():
    db = get_session()
    form = PrivacyForm(obj=org_settings(db))
    if form.validate_on_submit():
        services.set_minimisation(db, collect_birth_date=form.collect_birth_date.data,
                                  collect_gender=form.collect_gender.data)
        flash(_("Privacy settings saved."), "success")
        return redirect(url_for("privacy.settings"), 303)
    return render_template("accounts/privacy.html", form=form)
