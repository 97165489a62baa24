"""The information notice (admins: print or send it) with the organisation's details, and on each card
when and how the person was informed (whoever may edit the card records it)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from fieldcrm.clients import queries as client_queries
from fieldcrm.db import get_session
from fieldcrm.privacy import notice
from fieldcrm.privacy.request_forms import InformedForm, OrganisationForm, informed_labels
from fieldcrm.timeutil import today
from fieldcrm.web.guards import admin_required, with_client
from fieldcrm.web.htmx import render

bp = Blueprint("privacy_notice", __name__)


@bp.get("/privacy/notice")
@admin_required
def show():
    """The notice in French (?lang=fr, the default) or English (?lang=en), ready to print or send."""
    lang = request.args.get("lang") if request.args.get("lang") in notice.LANGUAGES else "fr"
    settings = notice.org_settings(get_session())
    missing = notice.missing_details(settings)
    with force_locale(lang):
        return render("privacy/notice/notice.html", "privacy/notice/notice.html", settings=settings,
                      missing=missing, lang=lang)


@bp.route("/privacy/organisation", methods=["GET", "POST"])
@admin_required
def organisation():
    db = get_session()
    form = OrganisationForm(obj=notice.org_settings(db))
    if form.validate_on_submit():
        notice.save_organisation(db, {name: form[name].data for name in notice.ORG_FIELDS})
        flash(_("The organisation's details are saved."), "success")
        return redirect(url_for("privacy_notice.show"), 303)
    status = 422 if request.method == "POST" else 200
    return render("privacy/notice/organisation.html", "privacy/notice/_organisation.html", status=status,
                  form=form)


@bp.route("/clients/<int:client_id>/informed", methods=["GET", "POST"])
@with_client
def informed(client):
    """When and how the person received the notice: shown on the card, recorded by who may edit it."""
    if not client_queries.can_edit_client(current_user, client):
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    form = InformedForm()
    if request.method == "GET":
        form.informed_on.data = (client.informed_on or today()).strftime("%d/%m/%Y")
        form.informed_channel.data = client.informed_channel or "in_person"
    if form.validate_on_submit():
        notice.set_informed(get_session(), current_user, client, form.informed_on.parsed, form.informed_channel.data)
        flash(_("Saved: the person was informed on %(d)s.", d=client.informed_on.strftime("%d/%m/%Y")), "success")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("privacy/notice/informed.html", "privacy/notice/_informed.html", status=status, form=form,
                  client=client, labels=informed_labels())
