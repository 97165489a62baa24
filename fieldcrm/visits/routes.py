"""The quick log sheet, the next-step proposal, the client timeline and the shared quick phrases."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import access
from fieldcrm.agenda import clock
from fieldcrm.db import get_session
from fieldcrm.visits import forms, queries, services
from fieldcrm.visits.sensitive import find_sensitive_terms, load_terms
from fieldcrm.web.guards import admin_required, with_client
from fieldcrm.web.htmx import is_partial, render, wants_json

bp = Blueprint("visits", __name__)


@bp.app_context_processor
def visit_helpers():
    return {"kind_labels": forms.kind_labels(), "outcome_labels": forms.outcome_labels()}


def sensitive_terms() -> tuple[str, ...]:
    return load_terms(current_app.config.get("SENSITIVE_TERMS_FILE"))


def safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None


def with_interaction(fn):
    @wraps(fn)
    @login_required
    def wrapper(*args, interaction_id: int, **kwargs):
        db = get_session()
        interaction = access.get_interaction_or_404(db, current_user, interaction_id)
        client = access.get_client_or_404(db, current_user, interaction.client_id)
        return fn(*args, interaction=interaction, client=client, **kwargs)

    return wrapper


def _sheet_context(client, values: dict, errors: dict | None = None) -> dict:
    db = get_session()
    shared = queries.shared_phrases(db)
    local_now = clock.local_now()
    return {
        "client": client, "values": values, "errors": errors or {},
        "contacts": queries.contacts_for_log(db, client),
        "shared_phrases": shared, "recent_phrases": queries.recent_phrases(db, current_user, shared),
        "terms": list(sensitive_terms()), "warnings": find_sensitive_terms(values.get("note", ""),
                                                                           sensitive_terms()),
        "now_local": local_now.strftime("%Y-%m-%dT%H:%M"),
        "tomorrow": (local_now.date() + timedelta(days=1)).isoformat(),
        "next": safe_next(values.get("next")),
    }


@bp.route("/clients/<int:client_id>/log", methods=["GET", "POST"])
@with_client
def log(client):
    """Tap "Log", tap how it went: saved. The form's uid makes a repeated submit harmless."""
    db = get_session()
    if request.method == "GET":
        values = {"uid": forms.new_uid(), "kind": request.args.get("kind", "visit"),
                  "next": request.args.get("next", "")}
        return render("visits/log.html", "visits/_sheet.html", **_sheet_context(client, values))
    values = request.form.to_dict()
    contact_ids = {c.id for c in queries.contacts_for_log(db, client)}
    parsed = forms.parse_log(values, contact_ids)
    if not parsed.ok:
        if wants_json():
            return jsonify(errors=parsed.errors), 422
        return render("visits/log.html", "visits/_sheet.html", status=422,
                      **_sheet_context(client, values, parsed.errors))
    try:
        result = services.log_interaction(db, current_user, client, parsed.data)
    except services.UidTaken:
        if wants_json():
            return jsonify(errors={"uid": "taken"}), 409
        values["uid"] = forms.new_uid()
        return render("visits/log.html", "visits/_sheet.html", status=409, **_sheet_context(
            client, values, {"uid": _("This form was already used. Check the note and save again.")}))
    status = 201 if result.created else 200
    if wants_json():
        return jsonify(id=result.interaction.id, uid=result.interaction.uid, created=result.created,
                       next_url=url_for("visits.next_step", interaction_id=result.interaction.id)), status
    if not is_partial():
        return redirect(url_for("visits.next_step", interaction_id=result.interaction.id,
                                next=safe_next(values.get("next"))), 303)
    return render("visits/next.html", "visits/_logged.html", status=status,
                  **_logged_context(client, result.interaction, result, values.get("next")))


def _logged_context(client, interaction, result=None, next_url=None, chosen=None) -> dict:
    db = get_session()
    if result is None:
        result = services.find_logged(db, current_user, client, interaction.uid) if \
            interaction.author_id == current_user.id else services.LogResult(interaction, False)
    if result.appointment is not None and not result.overlaps:
        from fieldcrm.followups.services import overlapping

        result.overlaps = overlapping(db, result.appointment)
    return {"client": client, "interaction": interaction, "result": result,
            "choices": services.next_step_choices(clock.today()), "chosen": chosen,
            "warnings": find_sensitive_terms(interaction.note or "", sensitive_terms()),
            "next": safe_next(next_url), "min_date": clock.today().isoformat()}


@bp.route("/interactions/<int:interaction_id>/next", methods=["GET", "POST"])
@with_interaction
def next_step(interaction, client):
    """Right after a log: the follow-up in one tap (tomorrow, 1 week, 2 weeks, 1 month, or a date)."""
    db = get_session()
    next_url = request.values.get("next")
    if request.method == "GET":
        return render("visits/next.html", "visits/_logged.html",
                      **_logged_context(client, interaction, next_url=next_url))
    choices = {key: due for key, _label, due in services.next_step_choices(clock.today())}
    errors: dict = {}
    due = choices.get(request.form.get("when", ""))
    if due is None:
        due = forms.parse_date(request.form.get("date"), errors, "date", required=True)
        if due is not None and due < clock.today():
            errors["date"] = _("The follow-up date is already past.")
    if errors:
        context = _logged_context(client, interaction, next_url=next_url)
        return render("visits/next.html", "visits/_logged.html", status=422, errors=errors,
                      date_value=request.form.get("date", ""), **context)
    followup = services.propose_followup(db, current_user, client, interaction, due,
                                         request.form.get("reason", "")[:200])
    if not is_partial():
        flash(_("Follow-up set for %(day)s.", day=_format_day(followup.due_date)), "success")
        return redirect(safe_next(next_url) or url_for("clients.detail", client_id=client.id), 303)
    return render("visits/next.html", "visits/_logged.html",
                  **_logged_context(client, interaction, next_url=next_url, chosen=followup))


def _format_day(day) -> str:
    from flask_babel import format_date

    return format_date(day, "full")


@bp.get("/clients/<int:client_id>/timeline")
@with_client
def timeline(client):
    """The client's history: page and, for "more", the next entries as a fragment."""
    try:
        page = min(max(int(request.args.get("page", 1)), 1), 1000)
    except ValueError:
        page = 1
    result = queries.timeline(get_session(), client, page)
    return render("visits/timeline.html", "visits/_timeline.html", client=client, timeline=result,
                  can_edit=access.can_edit_client(current_user, client))


@bp.route("/admin/quick-phrases", methods=["GET", "POST"])
@admin_required
def phrases():
    db = get_session()
    if request.method == "POST":
        services.set_shared_phrases(db, request.form.get("phrases", "").splitlines()[:50])
        flash(_("Quick phrases saved."), "success")
        return redirect(url_for("visits.phrases"), 303)
    text = "\n".join(queries.shared_phrases(db))
    return render("visits/phrases.html", "visits/phrases.html", text=text)
