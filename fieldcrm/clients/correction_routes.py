"""Correct a card's phone, e-mail or notes: a small form that works queued on a phone without network.

Sent from the phone's outbox (JSON wanted), a conflict answers 409 with both values for the outbox's
dialog; sent as a plain form, the same page comes back with both values side by side."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import fieldrules
from fieldcrm.clients.corrections import CORRECTABLE, Correction, CorrectionConflict, correct_details
from fieldcrm.clients.forms import NOTES_MAX
from fieldcrm.clients.normalise import format_phone
from fieldcrm.clients.queries import get_client_or_404
from fieldcrm.db import get_session
from fieldcrm.web.boundary import to_int
from fieldcrm.web.forms import rule_message
from fieldcrm.web.htmx import render

bp = Blueprint("corrections", __name__)


def _labels() -> dict[str, str]:
    return {"phone": _("Phone"), "email": _("Email"), "notes": _("Notes")}


def _shown(name: str, value: str | None) -> str:
    return format_phone(value) if name == "phone" and value else (value or "")


def _clean(form, country: str | None) -> tuple[dict, dict]:
    """The clean values of the fields sent (phones in E.164), and the messages of those refused."""
    changes, errors = {}, {}
    for name in CORRECTABLE:
        if name not in form:
            continue
        text = (form.get(name) or "").strip()
        try:
            if not text:
                changes[name] = None
            elif name == "phone":
                changes[name] = fieldrules.phone(text, country or "FR")
            elif name == "email":
                changes[name] = fieldrules.email(text)
            elif len(text) > NOTES_MAX:
                errors[name] = _("At most %(max)d characters.", max=NOTES_MAX)
            else:
                changes[name] = text
        except fieldrules.InvalidField as exc:
            errors[name] = rule_message(exc)
    return changes, errors


def _page(client, values, errors=None, clashes=None, status=200):
    return render("clients/correct.html", "clients/_correct.html", status=status, client=client,
                  values=values, errors=errors or {}, clashes=clashes or [], labels=_labels())


def _stored_values(client) -> dict:
    values = {name: _shown(name, getattr(client, name)) for name in CORRECTABLE}
    values.update({f"seen_{name}": getattr(client, name) or "" for name in CORRECTABLE})
    values["version"] = str(client.version)
    return values


@bp.route("/clients/<int:client_id>/correct", methods=["GET", "POST"])
@login_required
def correct(client_id: int):
    client = get_client_or_404(get_session(), current_user, client_id)
    if request.method == "GET":
        return _page(client, _stored_values(client))
    form = request.form
    values = {name: form.get(name, "") for name in form if name != "csrf_token"}
    changes, errors = _clean(form, client.country)
    version = to_int(form.get("version"), -1, minimum=-1)
    if version < 0:
        errors.setdefault("phone", _("This form is incomplete. Reload the page and try again."))
    if errors:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(errors=errors), 422
        return _page(client, values, errors, status=422)
    seen = {name: form.get(f"seen_{name}", "") for name in changes}
    # A field sent as it was shown is not a correction: someone else's change to it must stand.
    changes = {name: value for name, value in changes.items()
               if f"seen_{name}" not in form or (value or "") != seen[name]}
    if not changes:
        flash(_("Nothing was changed."), "success")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    try:
        correct_details(get_session(), current_user, client, Correction(changes, seen, version))
    except CorrectionConflict as conflict:
        current = conflict.current
        clashes = [{"name": name, "label": _labels()[name], "mine": _shown(name, mine) or mine,
                    "theirs": _shown(name, theirs), "theirs_raw": theirs}
                   for name, (mine, theirs) in conflict.fields.items()]
        if request.accept_mimetypes.best == "application/json":
            return jsonify(conflict={"client": current.display_name, "version": current.version,
                                     "fields": clashes}), 409
        values["version"] = str(current.version)
        values.update({f"seen_{c['name']}": c["theirs_raw"] for c in clashes})
        return _page(current, values, clashes=clashes, status=409)
    flash(_("Correction saved."), "success")
    return redirect(url_for("clients.detail", client_id=client.id), 303)
