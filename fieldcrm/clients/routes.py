"""Client list, card, create/edit with conflict screen, soft delete with undo, contact people."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.accounts.queries import assignable_owners
from fieldcrm.audit import services as audit
from fieldcrm.clients import links, queries, registry, services
from fieldcrm.clients.erasure import dependant_counts
from fieldcrm.clients.forms import (
    ClientForm,
    ContactForm,
    channel_labels,
    erasure_labels,
    status_labels,
    weekday_labels,
)
from fieldcrm.clients.labels import display_value, status_label
from fieldcrm.clients.listargs import list_args
from fieldcrm.clients.normalise import format_phone
from fieldcrm.clients.queries import can_edit_client, can_erase_client
from fieldcrm.clients.settings import org_settings
from fieldcrm.customfields import services as customfields
from fieldcrm.db import get_session
from fieldcrm.timeutil import utcnow
from fieldcrm.web.boundary import MAX_DB_INTEGER, last_page, to_int
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import with_client, with_contact
from fieldcrm.web.htmx import render

bp = Blueprint("clients", __name__)


@bp.app_template_filter("status_label")
def status_label_filter(key):
    return status_label(key)


@bp.app_template_filter("display_value")
def display_value_filter(value, key):
    """`{{ value|display_value(key) }}`: a stored value in the user's words (see clients.labels)."""
    return display_value(key, value)


@bp.app_context_processor
def client_helpers():
    labels = {key: str(label) for key, label in status_labels().items()}  # translated once per page
    return {"status_labels": labels, "format_phone": format_phone, "links": links}


@bp.get("/clients")
@login_required
def index():
    args = list_args()
    result = queries.list_clients(get_session(), current_user, **args)
    if not result.rows and args["page"] > 1:  # past the end: the last page
        total = result.total if result.total is not None else queries.list_counts(get_session(), current_user,
                                                                                  **args)[1]
        if total:
            args["page"] = last_page(total, queries.PAGE_SIZE)
            result = queries.list_clients(get_session(), current_user, **args)
    return render("clients/index.html", "clients/_results.html", result=result, args=args,
                  owners=queries.list_owner_choices(get_session(), current_user))


@bp.get("/clients/counts")
@login_required
def counts():
    """The status chips and the number of clients of the list as filtered, loaded once its first page is
    on screen (when counting them reads more than that page: a search, "not contacted for"…)."""
    args = list_args()
    status_counts, total = queries.list_counts(get_session(), current_user, **args)
    return render("clients/_counts.html", "clients/_counts.html", args=args,
                  counted={"status_counts": status_counts, "total": total})


@bp.get("/clients/rows")
@login_required
def rows():
    """The next page of rows for infinite scroll (a fragment only: no counts, they are on screen)."""
    args = list_args()
    result = queries.list_clients(get_session(), current_user, counts=False, **args)
    return render("clients/_rows.html", "clients/_rows.html", result=result, args=args)


def _form_context(form: ClientForm, client=None) -> dict:
    settings = org_settings(get_session())
    return {"form": form, "client": client, "settings": settings, "channels": channel_labels(),
            "weekdays": weekday_labels()}


def _client_form(client=None) -> ClientForm:
    owners = assignable_owners(get_session(), current_user)
    if client is not None and client.owner_id not in {o.id for o in owners}:
        owners.append(get_session().get(User, client.owner_id))
    return ClientForm(obj=client, owners=[o for o in owners if o],
                      custom_fields=customfields.active_fields(get_session()))


def _prefill(form: ClientForm, client) -> None:
    """Show stored values in the form's own typing (phones national, hours as text)."""
    db = get_session()
    form.phone.data = format_phone(client.phone, client.country)
    form.mobile.data = format_phone(client.mobile, client.country)
    form.tags.data = ", ".join(services.tag_names(db, client.id))
    form.version.data = str(client.version)
    for day, spans in queries.opening_hours_of(db, client).items():
        form.hours_input[day] = ", ".join(f"{s.opens:%H:%M}-{s.closes:%H:%M}" for s in spans)
    form.consent_rows = queries.consents_of(db, client)
    for definition, value in queries.custom_values_of(db, client):
        form.custom_input[definition.id] = value or ""


@bp.route("/clients/new", methods=["GET", "POST"])
@login_required
def create():
    form = _client_form()
    if request.method == "GET":
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        # Warn before saving a card that looks like an existing one (dedupe); "create anyway" confirms.
        similar = [] if posted("confirm_duplicate") else registry.similar_clients(
            get_session(), current_user, _owned(form.client_data()))
        if similar:
            return render("clients/form.html", "clients/_form.html", status=409, duplicate_warning=similar,
                          **_form_context(form))
        data = _owned(form.client_data())
        client = services.create_client(get_session(), current_user, data, hours=form.opening_hours(),
                                        consents=form.consents(), custom=form.custom_values())
        _geocode(client, address_changed=True)
        flash(_("Client created."), "success")
        if client.do_not_contact and not data.get("do_not_contact"):
            flash(_("This person objected to the processing of their data: the card is marked do-not-contact."),
                  "warning")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("clients/form.html", "clients/_form.html", status=status, **_form_context(form))


def _geocode(client, address_changed: bool) -> None:
    """What the capabilities built on clients do after a card is saved and committed (the map locates
    its address: a short timeout, a failure only leaves the card "not located")."""
    registry.client_saved(get_session(), client, current_app.config, address_changed)


def _owned(data: dict) -> dict:
    """Never trust the form: an owner outside the actor's reach falls back to the actor, and
    fields the organisation chose not to collect are dropped."""
    db = get_session()
    allowed = {u.id for u in assignable_owners(db, current_user)}
    if data.get("owner_id") not in allowed:
        data["owner_id"] = current_user.id if current_user.id in allowed else None
    settings = org_settings(db)
    if not settings.collect_birth_date:
        data["birth_date"] = None
    if not settings.collect_gender:
        data["gender"] = None
    return data


@bp.get("/clients/<int:client_id>")
@with_client
def detail(client):
    db = get_session()
    audit.record_view(db, current_user.id, client.id)  # the one write of a GET: see audit.services
    owner = db.get(User, client.owner_id) if client.owner_id else None
    address = links.postal_address(client.street, client.postal_code, client.city, client.country)
    return render(
        "clients/detail.html", "clients/_card.html", client=client, owner=owner,
        contacts=queries.contacts_of(db, client), hours=queries.opening_hours_of(db, client),
        consents=queries.consents_of(db, client), tags=services.tag_names(db, client.id),
        custom=queries.custom_values_of(db, client), address=address,
        nav=links.navigation_links(address, client.latitude, client.longitude),
        weekdays=weekday_labels(), channels=channel_labels(),
        show_birth_date=client.birth_date is not None and org_settings(db).collect_birth_date,  # asked only when it matters
        can_edit=can_edit_client(current_user, client), can_erase=can_erase_client(current_user),
    )


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@with_client
def edit(client):
    form = _client_form(client)
    if request.method == "GET":
        _prefill(form, client)
        return render("clients/form.html", "clients/_form.html", **_form_context(form, client))
    form.consent_rows = queries.consents_of(get_session(), client)
    if not form.validate_on_submit():
        return render("clients/form.html", "clients/_form.html", status=422, **_form_context(form, client))
    expected = to_int(form.version.data, -1, minimum=-1, maximum=MAX_DB_INTEGER - 1)  # the next one still fits
    try:
        saved = services.update_client(get_session(), current_user, client, _owned(form.client_data()),
                                       expected, hours=form.opening_hours(), consents=form.consents(),
                                       custom=form.custom_values())
    except services.EditConflict as conflict:
        return _conflict(form, conflict.current)
    _geocode(saved.client, address_changed=saved.address_changed)
    flash(_("Changes saved."), "success")
    return redirect(url_for("clients.detail", client_id=client.id), 303)


def _conflict(form: ClientForm, current):
    """Both versions side by side; 'keep mine' resubmits against the newer version."""
    db = get_session()
    theirs_form = ClientForm(formdata=None, obj=current, owners=assignable_owners(db, current_user))
    _prefill(theirs_form, current)
    rows = []
    for name in ("company_name", "siret", "first_name", "last_name", "status", "sector", "segment", "tags",
                 "street", "postal_code", "city", "phone", "mobile", "email", "website", "notes"):
        their_value = theirs_form[name].data
        my_value = form[name].data
        rows.append({"label": form[name].label.text, "mine": my_value or "", "theirs": their_value or "",
                     "differs": (my_value or "") != (their_value or "")})
    form.version.data = str(current.version)
    form.consent_rows = queries.consents_of(db, current)
    updater = db.get(User, current.updated_by_id) if current.updated_by_id else None
    context = _form_context(form, current)
    return render("clients/conflict.html", "clients/_conflict.html", status=409, rows=rows,
                  updater=updater, **context)


@bp.route("/clients/<int:client_id>/delete", methods=["GET", "POST"])
@with_client
def delete(client):
    if request.method == "GET":
        return render("clients/delete.html", "clients/_delete.html", client=client)
    services.soft_delete(get_session(), current_user, client)
    flash(_("%(name)s was deleted.", name=client.display_name), f"undo:{client.id}")
    return redirect(url_for("clients.index"), 303)


@bp.route("/clients/<int:client_id>/erase", methods=["GET", "POST"])
@with_client(include_deleted=True)
def erase(client):
    """An erasure request (RGPD): admin only, after a page naming what goes, with a ticked confirmation."""
    access.require_admin(current_user)
    if request.method == "POST" and posted("confirm") == "yes":
        name = client.display_name
        if services.erase_client(get_session(), current_user, client):
            flash(_("%(name)s was erased, with everything recorded about them.", name=name), "success")
        else:
            flash(_("This client was already erased."), "info")
        return redirect(url_for("clients.index"), 303)
    labels = erasure_labels()
    counts = [(labels.get(table, table), count) for table, count in dependant_counts(get_session(), client.id).items()]
    twins = services.merged_into(get_session(), client.id)
    if twins:
        counts.append((_("Duplicate cards merged into this one (in the trash)"), len(twins)))
    unconfirmed = request.method == "POST"
    return render("clients/erase.html", "clients/_erase.html", status=422 if unconfirmed else 200,
                  client=client, counts=counts, unconfirmed=unconfirmed)


@bp.post("/clients/<int:client_id>/restore")
@with_client(include_deleted=True)
def restore(client):
    if client.deleted_at is None:
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    limit = utcnow() - timedelta(days=current_app.config["UNDO_DELETE_DAYS"])
    if client.deleted_at < limit:
        flash(_("This client was deleted too long ago to be restored."), "error")
        return redirect(url_for("clients.trash"), 303)
    services.restore(get_session(), current_user, client)
    flash(_("%(name)s is back.", name=client.display_name), "success")
    return redirect(url_for("clients.detail", client_id=client.id), 303)


@bp.get("/clients/deleted")
@login_required
def trash():
    days = current_app.config["UNDO_DELETE_DAYS"]
    rows = queries.deleted_clients(get_session(), current_user, utcnow() - timedelta(days=days))
    return render("clients/trash.html", "clients/trash.html", rows=rows, days=days)


@bp.route("/clients/<int:client_id>/contacts/new", methods=["GET", "POST"])
@with_client
def contact_new(client):
    return _contact_form(client, None)


@bp.route("/clients/<int:client_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@with_contact
def contact_edit(client, contact):
    return _contact_form(client, contact)


def _contact_form(client, contact):
    form = ContactForm(obj=contact, country=client.country)
    if contact is not None and request.method == "GET":
        form.direct_line.data = format_phone(contact.direct_line, client.country)
        form.mobile.data = format_phone(contact.mobile, client.country)
    if form.validate_on_submit():
        services.save_contact(get_session(), current_user, client, form.contact_data(), contact)
        flash(_("Contact person saved."), "success")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("clients/contact_form.html", "clients/_contact_form.html", status=status,
                  form=form, client=client, contact=contact)


@bp.post("/clients/<int:client_id>/contacts/<int:contact_id>/delete")
@with_contact
def contact_delete(client, contact):
    services.delete_contact(get_session(), current_user, client, contact)
    flash(_("Contact person removed."), "success")
    return redirect(url_for("clients.detail", client_id=client.id), 303)
