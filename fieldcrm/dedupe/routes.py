"""Duplicates: the list of probable pairs, the field-by-field merge screen, undo."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm.accounts.models import User
from fieldcrm.clients.forms import ClientForm, channel_labels, status_labels
from fieldcrm.clients.normalise import format_phone
from fieldcrm.clients.queries import get_client_or_404
from fieldcrm.db import get_session
from fieldcrm.dedupe import queries, services
from fieldcrm.dedupe.forms import MergeForm
from fieldcrm.web.guards import with_client, with_merge
from fieldcrm.web.htmx import render

bp = Blueprint("dedupe", __name__)


@bp.app_template_global()
def merge_notes(client):
    """Merges into this card that can still be undone (shown at the top of the card)."""
    return queries.undoable_merges(get_session(), client)


@bp.get("/duplicates")
@login_required
def index():
    db = get_session()
    pairs = queries.find_duplicates(db, current_user)
    return render("dedupe/index.html", "dedupe/_pairs.html", pairs=pairs,
                  merges=queries.recent_merges(db, current_user))


def _labels() -> dict[str, str]:
    form = ClientForm(formdata=None, meta={"csrf": False}, owners=[])
    return {name: form[name].label.text for name in services.MERGE_FIELDS if name in form}


def _shown(client, name):
    value = getattr(client, name)
    if name == "owner_id" and value:
        owner = get_session().get(User, value)
        return owner.name if owner else ""
    if name in ("phone", "mobile") and value:
        return format_phone(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "status" and value:
        return str(status_labels().get(value, value))
    if isinstance(value, date):
        return format_date(value)
    return "" if value is None else value


@bp.route("/duplicates/<int:client_id>/<int:other_id>", methods=["GET", "POST"])
@with_client
def merge(client, other_id: int):
    """`client` survives; each differing field shows both values and the user picks one."""
    db = get_session()
    other = get_client_or_404(db, current_user, other_id)
    if other.id == client.id:
        return redirect(url_for("dedupe.index"), 303)
    rows = []
    labels = _labels()
    for name in services.MERGE_FIELDS:
        mine, theirs = _shown(client, name), _shown(other, name)
        if mine != theirs:
            # Empty values give way; a "do not contact" opposition wins by default, like a consent's.
            take = mine in ("", None) or (name == "do_not_contact" and other.do_not_contact)
            rows.append({"name": name, "label": labels.get(name, name), "mine": mine, "theirs": theirs,
                         "take_other": take})
    sides = queries.merge_sides(db, client, other)
    if request.method == "POST":
        form = MergeForm()
        if form.dismissed():
            services.dismiss_pair(db, current_user, client, other)
            flash(_("Marked as different clients."), "success")
            return redirect(url_for("dedupe.index"), 303)
        take_other, choices = form.fields_taken_from_other(rows), form.choices(sides)
        try:
            services.merge_clients(db, current_user, client, other, take_other, choices)
        except services.MergeError as exc:
            db.rollback()
            flash(_(str(exc)), "error")
            return redirect(url_for("dedupe.index"), 303)
        flash(_("%(other)s was merged into %(name)s.", other=other.display_name, name=client.display_name),
              "success")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    return render("dedupe/merge.html", "dedupe/_merge.html", client=client, other=other, rows=rows, sides=sides,
                  channels=channel_labels())


@bp.post("/merges/<int:merge_id>/undo")
@with_merge
def undo(merge):
    db = get_session()
    try:
        survivor = services.undo_merge(db, current_user, merge)
    except services.MergeError as exc:
        db.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("dedupe.index"), 303)
    flash(_("Merge undone: both cards are back as they were."), "success")
    return redirect(url_for("clients.detail", client_id=survivor.id), 303)
