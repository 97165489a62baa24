"""Admin screens of the people's rights: the register of requests, the access export of one person,
and "the person objects". Everyone but an admin gets 404 here."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import force_locale, format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldcrm import access
from fieldcrm.clients import queries as client_queries
from fieldcrm.clients.forms import channel_labels
from fieldcrm.clients.forms import status_labels as client_status_labels
from fieldcrm.clients.labels import civility_labels
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.clients.queries import contacts_of
from fieldcrm.db import get_session
from fieldcrm.privacy import access_export, request_queries, requests, trail
from fieldcrm.privacy.forms import ExportForm, ObjectForm
from fieldcrm.privacy.request_forms import (
    RequestForm,
    StatusForm,
    field_labels,
    informed_labels,
    kind_labels,
    received_channel_labels,
    status_labels,
    value_labels,
)
from fieldcrm.sales.forms import channel_choices, response_labels
from fieldcrm.timeutil import today
from fieldcrm.visits.forms import kind_labels as interaction_kinds
from fieldcrm.visits.forms import outcome_labels
from fieldcrm.web.boundary import to_id
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import admin_required, with_client, with_privacy_request
from fieldcrm.web.htmx import render

bp = Blueprint("privacy_requests", __name__)


@bp.app_template_global()
def privacy_card(client) -> dict:
    """What the card shows from the people's rights: when the person was informed; for an admin, the
    access export, the opposition button and the register."""
    return {"admin": current_user.is_authenticated and current_user.role == "admin",
            "informed_labels": informed_labels()}


@bp.app_template_filter("export_when")
def export_when(value) -> str:
    """An export's ISO 8601 moment or day, written the reader's way (moments in their time zone)."""
    if not value:
        return ""
    try:
        if len(value) == 10:
            return format_date(date.fromisoformat(value), "medium")
        return format_datetime(datetime.fromisoformat(value.rstrip("Z")).replace(tzinfo=UTC), "medium")
    except ValueError:
        return value


def _codes() -> dict:
    """Stored codes (status, channel, outcome…) in words, for the readable export."""
    return {**value_labels(), "status": client_status_labels(), "channel": channel_labels(),
            "interaction": interaction_kinds(), "outcome": outcome_labels(), "response": response_labels(),
            "campaign_channel": dict(channel_choices()), "informed": informed_labels(),
            "civility": civility_labels()}


def _labels() -> dict:
    return {"kinds": kind_labels(), "statuses": status_labels(), "channels": received_channel_labels()}


@bp.get("/privacy/requests")
@admin_required
def index():
    rows = request_queries.register(get_session(), current_user)
    return render("privacy/requests/index.html", "privacy/requests/_index.html", rows=rows, **_labels())


def _client_arg(db) -> Client | None:
    # The card is in the address (the form posts back to it); a form's own field is read after it.
    client_id = to_id(request.args.get("client") if "client" in request.args else posted("client"))
    return client_queries.get_client_or_404(db, current_user, client_id, include_deleted=True) if client_id else None


@bp.route("/privacy/requests/new", methods=["GET", "POST"])
@admin_required
def new():
    db = get_session()
    client = _client_arg(db)
    form = RequestForm()
    contacts = contacts_of(db, client) if client is not None else []
    form.contact_id.choices = [("", client.display_name if client else "—")] + [
        (str(c.id), " ".join(p for p in (c.first_name, c.last_name) if p)) for c in contacts]
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in kind_labels() else "access"
        form.received_on.data = today().strftime("%d/%m/%Y")
    error = None
    if form.validate_on_submit():
        contact = client_queries.get_contact_or_404(db, current_user, client, int(form.contact_id.data)) \
            if client is not None and (form.contact_id.data or "").isdigit() else None
        try:
            made = requests.create_request(db, current_user, form.kind.data, form.received_on.parsed,
                                           client=client, contact=contact, name=form.person_name.data,
                                           channel=form.channel.data, details=form.details.data)
        except requests.RequestError as exc:
            error = _(exc.args[0])
        else:
            flash(_("Request recorded: answer by %(d)s.", d=made.due_on.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("privacy_requests.detail", request_id=made.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("privacy/requests/new.html", "privacy/requests/_new.html", status=status, form=form,
                  client=client, error=error, **_labels())


def _detail_context(db, item) -> dict:
    client = db.get(Client, item.client_id) if item.client_id else None
    contact = db.get(ContactPerson, item.contact_id) if item.contact_id else None
    return {"item": item, "client": client, "contact": contact if contact and client and
            contact.client_id == client.id else None, "overdue": item.status in ("received", "in_progress")
            and item.due_on < today(), **_labels()}


@bp.get("/privacy/requests/<int:request_id>")
@with_privacy_request
def detail(privacy_request):
    return render("privacy/requests/detail.html", "privacy/requests/_detail.html",
                  form=StatusForm(obj=privacy_request), **_detail_context(get_session(), privacy_request))


@bp.post("/privacy/requests/<int:request_id>/status")
@with_privacy_request
def set_status(privacy_request):
    db = get_session()
    form = StatusForm()
    if form.validate_on_submit():
        try:
            requests.set_status(db, current_user, privacy_request, form.status.data, form.refusal_reason.data)
        except requests.RequestError as exc:
            form.refusal_reason.errors = [*form.refusal_reason.errors, _(exc.args[0])]
        else:
            flash(_("Status saved."), "success")
            return redirect(url_for("privacy_requests.detail", request_id=privacy_request.id), 303)
    return render("privacy/requests/detail.html", "privacy/requests/_detail.html", status=422, form=form,
                  **_detail_context(db, privacy_request))


def _export_target(client, form: ExportForm):
    """The contact person and the register's request an export is for, from the form (404 if foreign)."""
    db = get_session()
    contact_id, request_id = form.contact_id.data, form.request_id.data
    contact = client_queries.get_contact_or_404(db, current_user, client, contact_id) if contact_id else None
    item = request_queries.get_request_or_404(db, current_user, request_id) if request_id else None
    if item is not None and item.client_id != client.id:
        raise access.NotVisible()
    return contact, item


def _produce(client, fmt: str, form: ExportForm):
    """Record the export in the audit trail and in its request, then gather it."""
    access.require_admin(current_user)
    db = get_session()
    contact, item = _export_target(client, form)
    if item is not None:
        requests.start(db, item)
    access_export.record_export(db, current_user, client, fmt, contact, item)
    return access_export.collect(db, current_user, client, contact), contact, item


def _said(entry: dict, fields: dict) -> str:
    """An audit entry's details in words: the fields changed (old → new, with their labels), else what
    the trail screen says of it (an export's format and size, a list's filter, a rule…)."""
    details = entry["details"] if isinstance(entry["details"], dict) else {}
    changes = details.get("changes")
    if isinstance(changes, dict) and changes:
        return " ; ".join(f"{fields.get(name, name)} : {trail.short(pair[0])} → {trail.short(pair[-1])}"
                          for name, pair in changes.items() if isinstance(pair, list) and pair)
    if entry["action"] in (trail.CARD_HANDED_OVER, trail.CARD_HANDED_BACK):
        return f"{details.get('from') or '?'} → {details.get('to') or '?'}"
    return trail.summary({"source": "audit", "action": entry["action"], "other_id": None,
                          "payload": json.dumps(details)}, {}, {})


def _audit_labels() -> dict:
    return {**trail.ACTIONS, access_export.CONSENT_RECORDED: _l("Consent recorded")}


@bp.post("/clients/<int:client_id>/access-export")
@with_client(include_deleted=True)
def export_html(client):
    """The readable copy of everything held about the person, in French or English, to print or send."""
    form = ExportForm()
    export, contact, item = _produce(client, "html", form)
    lang = form.language(str(get_locale()))
    with force_locale(lang):  # the person's language, whatever the admin's
        fields = field_labels()
        for entry in export["audit"]:
            entry["said"] = _said(entry, fields)
        response = render("privacy/requests/access_export.html", "privacy/requests/access_export.html",
                          export=export, client=client, contact=contact, item=item, lang=lang,
                          fields=fields, codes=_codes(), audit_actions=_audit_labels(), **_labels())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/clients/<int:client_id>/access-export.json")
@with_client(include_deleted=True)
def export_json(client):
    """The same, as a JSON file (portability): the structure documented in privacy/access_export.py."""
    export, _contact, _item = _produce(client, "json", ExportForm())
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", export["subject"]["name"] or "").strip("-")[:60] or "person"
    return Response(access_export.to_json(export), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="access-{name}-{today():%Y%m%d}.json"',
                             "Cache-Control": "no-store"})


@bp.route("/clients/<int:client_id>/object", methods=["GET", "POST"])
@with_client
def object_(client):
    """"The person objects": a confirmation naming what follows, then the opposition recorded."""
    access.require_admin(current_user)
    db = get_session()
    contacts = contacts_of(db, client)
    form = ObjectForm()
    if form.validate_on_submit() and posted("confirm") == "yes":
        contact_id = form.contact_id.data
        contact = client_queries.get_contact_or_404(db, current_user, client, contact_id) if contact_id else None
        requests.object_to_processing(db, current_user, client, contact, form.details_text())
        flash(_("The opposition is recorded: this person will not be contacted again, even if re-imported."),
              "success")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    unconfirmed = request.method == "POST"
    return render("privacy/requests/object.html", "privacy/requests/_object.html", status=422 if unconfirmed else 200,
                  client=client, contacts=contacts, unconfirmed=unconfirmed, form=form)

