"""Correct a card's phone, e-mail or notes: a small form that works queued on a phone without network.

Sent from the phone's outbox (JSON wanted), a conflict answers 409 with both values for the outbox's
dialog; sent as a plain form, the same page comes back with both values side by side."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from fieldcrm import fieldrules
from fieldcrm.accounts.models import User
from fieldcrm.clients.corrections import CORRECTABLE, Correction, CorrectionConflict, correct_details
from fieldcrm.clients.forms import NOTES_MAX
from fieldcrm.clients.normalise import format_phone
from fieldcrm.db import get_session
from fieldcrm.web.boundary import to_int
from fieldcrm.web.forms import rule_message
from fieldcrm.web.guards import with_client
from fieldcrm.web.htmx import render

bp = Blueprint("corrections", __name__)


class CorrectionForm(FlaskForm):
    """What the phone sends: the corrected fields (only those the rep touched may be sent), the values the
    rep saw, and the card's version the correction was made on. Read, not validated here: the rules of
    each value are fieldrules', applied by `_clean`, and a field left out is not a correction."""
    phone = StringField()
    email = StringField()
    notes = TextAreaField()
    seen_phone = HiddenField()
    seen_email = HiddenField()
    seen_notes = HiddenField()
    version = HiddenField()

    def sent(self, prefix: str = "") -> dict[str, str]:
        """The fields of CORRECTABLE (or their seen_ twins) present in the submission, as typed."""
        return {name: self[prefix + name].data or "" for name in CORRECTABLE if self[prefix + name].raw_data}

    def typed(self) -> dict[str, str]:
        return {field.name: field.data or "" for field in self if field.raw_data and field.name != "csrf_token"}


def _labels() -> dict[str, str]:
    return {"phone": _("Phone"), "email": _("Email"), "notes": _("Notes")}


def _card_labels() -> dict[str, str]:
    """The card's fields as a conflict names what changed meanwhile."""
    return {
        "kind": _("Kind"), "company_name": _("Company name"), "siret": _("SIRET"), "civility": _("Civility"),
        "first_name": _("First name"), "last_name": _("Last name"), "status": _("Status"), "sector": _("Sector"),
        "segment": _("Segment"), "loyalty_programme": _("Loyalty programme"), "client_since": _("Client since"),
        "source": _("Source"), "owner_id": _("Sales rep"), "street": _("Street"), "street2": _("Address line 2"),
        "postal_code": _("Postal code"), "city": _("City"), "country": _("Country"), "mobile": _("Mobile"),
        "website": _("Website"), "do_not_contact": _("Do not contact"), "birth_date": _("Birth date"),
        "gender": _("Gender"), "visit_cadence_days": _("Visit cadence (days)"),
        "visit_minutes": _("Visit length (minutes)"), "tags": _("Tags"), **_labels(),
    }


def _changed_value(name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if name in ("phone", "mobile"):
        return format_phone(str(value))
    if name == "owner_id":
        owner = get_session().get(User, value) if str(value).isdigit() else None
        return owner.name if owner else str(value)
    return str(value)


def _meanwhile(conflict: CorrectionConflict) -> list[dict]:
    """What someone else changed since the rep's version, the fields the rep corrected aside (those are
    chosen from): each with its value then and now. A custom field or a consent is named as such."""
    labels = _card_labels()
    return [{"name": name, "label": labels.get(name) or (_("Consent") if name.startswith("consent.")
                                                          else _("Custom field")),
             "before": _changed_value(name, before), "after": _changed_value(name, after)}
            for name, (before, after) in conflict.meanwhile.items() if name not in conflict.fields]


def _shown(name: str, value: str | None) -> str:
    return format_phone(value) if name == "phone" and value else (value or "")


def _clean(sent: dict[str, str], country: str | None) -> tuple[dict, dict]:
    """The clean values of the fields sent (phones in E.164), and the messages of those refused."""
    changes, errors = {}, {}
    for name, typed in sent.items():
        text = typed.strip()
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


def _page(client, values, errors=None, clashes=None, meanwhile=None, status=200):
    return render("clients/correct.html", "clients/_correct.html", status=status, client=client,
                  values=values, errors=errors or {}, clashes=clashes or [], meanwhile=meanwhile or [],
                  labels=_labels())


def _stored_values(client) -> dict:
    values = {name: _shown(name, getattr(client, name)) for name in CORRECTABLE}
    values.update({f"seen_{name}": getattr(client, name) or "" for name in CORRECTABLE})
    values["version"] = str(client.version)
    return values


@bp.route("/clients/<int:client_id>/correct", methods=["GET", "POST"])
@with_client
def correct(client):
    if request.method == "GET":
        return _page(client, _stored_values(client))
    form = CorrectionForm()
    values = form.typed()
    changes, errors = _clean(form.sent(), client.country)
    version = to_int(form.version.data, -1, minimum=-1)
    if version < 0:
        errors.setdefault("phone", _("This form is incomplete. Reload the page and try again."))
    if errors:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(errors=errors), 422
        return _page(client, values, errors, status=422)
    sent_seen = form.sent("seen_")
    seen = {name: sent_seen.get(name, "") for name in changes}
    # A field sent as it was shown is not a correction: someone else's change to it must stand.
    changes = {name: value for name, value in changes.items()
               if name not in sent_seen or (value or "") != seen[name]}
    if not changes:
        flash(_("Nothing was changed."), "success")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    try:
        correct_details(get_session(), current_user, client, Correction(changes, seen, version))
    except CorrectionConflict as conflict:
        current = conflict.current
        clashes = [{"name": name, "label": _labels()[name], "mine": _shown(name, mine) or mine,
                    "theirs": _shown(name, theirs), "theirs_raw": theirs, "changed": name in conflict.clashing}
                   for name, (mine, theirs) in conflict.fields.items()]
        meanwhile = _meanwhile(conflict)
        if request.accept_mimetypes.best == "application/json":
            return jsonify(conflict={"client": current.display_name, "version": current.version,
                                     "fields": clashes, "meanwhile": meanwhile}), 409
        values["version"] = str(current.version)
        values.update({f"seen_{c['name']}": c["theirs_raw"] for c in clashes})
        return _page(current, values, clashes=clashes, meanwhile=meanwhile, status=409)
    flash(_("Correction saved."), "success")
    return redirect(url_for("clients.detail", client_id=client.id), 303)
