"""The quick log sheet, the next-step proposal, corrections (edit, delete, undo), the client timeline
and the shared quick phrases."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from fieldcrm import timeutil, workdays
from fieldcrm.accounts.models import User
from fieldcrm.clients.queries import can_edit_client
from fieldcrm.db import get_session
from fieldcrm.followups.queries import get_followup_or_404
from fieldcrm.followups.services import overlapping
from fieldcrm.visits import forms, queries, services
from fieldcrm.visits.queries import (
    can_correct_interaction,
)
from fieldcrm.visits.sensitive import find_sensitive_terms, load_terms
from fieldcrm.web.boundary import id_arg, page_arg, safe_next
from fieldcrm.web.forms import field_messages, posted, typed_values
from fieldcrm.web.guards import admin_required, with_client, with_deleted_interaction, with_interaction
from fieldcrm.web.htmx import is_partial, render, wants_json

bp = Blueprint("visits", __name__)


@bp.app_context_processor
def visit_helpers():
    return {"kind_labels": forms.kind_labels(), "outcome_labels": forms.outcome_labels(),
            "card_timeline": card_timeline}


def _mark_correctable(result, client) -> bool:
    """Flag the entries the actor may correct; whether they may edit the client at all."""
    can_edit = can_edit_client(current_user, client)
    for entry in result.entries:
        entry.correctable = (can_edit and entry.kind == "interaction"
                             and can_correct_interaction(current_user, entry.record.author_id))
    return can_edit


def card_timeline(client):
    """The history's first page, rendered within the client card: no second request, and nothing
    below it jumps when it arrives (the card used to load it by htmx after the page)."""
    result = queries.timeline(get_session(), client, 1)
    _mark_correctable(result, client)
    return result


def sensitive_terms() -> tuple[str, ...]:
    return load_terms(current_app.config.get("SENSITIVE_TERMS_FILE"))


def _sheet_context(client, values: dict, errors: dict | None = None) -> dict:
    db = get_session()
    shared = queries.shared_phrases(db)
    local_now = timeutil.local_now()
    return {
        "client": client, "values": values, "errors": errors or {},
        "contacts": queries.contacts_for_log(db, client),
        "shared_phrases": shared, "recent_phrases": queries.recent_phrases(db, current_user, shared),
        "terms": list(sensitive_terms()), "warnings": find_sensitive_terms(values.get("note", ""),
                                                                           sensitive_terms()),
        "now_local": local_now.strftime("%Y-%m-%dT%H:%M"),
        "tomorrow": workdays.next_working_day(local_now.date(), current_user.working_days).isoformat(),
        "next": safe_next(values.get("next")),
    }


def _answered_followup_id(client, values) -> int | None:
    """The sheet opened from a follow-up carries its id; one out of reach or on another client is 404."""
    followup_id = id_arg(values, "followup_id")
    if followup_id is not None:
        followup = get_followup_or_404(get_session(), current_user, followup_id)
        if followup.client_id != client.id:
            abort(404)
    return followup_id


@bp.route("/clients/<int:client_id>/log", methods=["GET", "POST"])
@with_client
def log(client):
    """Tap "Log", tap how it went: saved. The form's uid makes a repeated submit harmless. Opened from
    a follow-up (`followup_id`), the log closes it."""
    db = get_session()
    if request.method == "GET":
        followup_id = _answered_followup_id(client, request.args)
        values = {"uid": forms.new_uid(), "kind": request.args.get("kind", "visit"),
                  "next": request.args.get("next", ""), "followup_id": followup_id or ""}
        return render("visits/log.html", "visits/_sheet.html", **_sheet_context(client, values))
    # No 404 here for the follow-up: a log queued offline is kept even if its follow-up has left the
    # rep's reach since; the closing UPDATE itself only touches a reachable one on this client.
    form = forms.LogForm(contact_ids=lambda: queries.contact_ids(db, client))
    values = typed_values(form)
    if not form.validate():
        if wants_json():
            return jsonify(errors=field_messages(form)), 422
        return render("visits/log.html", "visits/_sheet.html", status=422,
                      **_sheet_context(client, values, field_messages(form)))
    try:
        result = services.log_interaction(db, current_user, client, form.log_data())
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
        result.overlaps = overlapping(db, result.appointment)
    return {"client": client, "interaction": interaction, "result": result,
            "choices": services.next_step_choices(timeutil.today(), current_user.working_days), "chosen": chosen,
            "warnings": find_sensitive_terms(interaction.note or "", sensitive_terms()),
            "next": safe_next(next_url), "min_date": timeutil.today().isoformat()}


@bp.route("/interactions/<int:interaction_id>/next", methods=["GET", "POST"])
@with_interaction
def next_step(interaction, client):
    """Right after a log: the follow-up in one tap (tomorrow, 1 week, 2 weeks, 1 month, or a date)."""
    db = get_session()
    if request.method == "GET":
        return render("visits/next.html", "visits/_logged.html",
                      **_logged_context(client, interaction, next_url=request.args.get("next")))
    choices = {key: due for key, _label, due in services.next_step_choices(timeutil.today(), current_user.working_days)}
    form = forms.NextStepForm(choices=choices)
    next_url = form.next.data
    if not form.validate():
        context = _logged_context(client, interaction, next_url=next_url)
        return render("visits/next.html", "visits/_logged.html", status=422, errors=field_messages(form),
                      date_value=form.date.data or "", **context)
    followup = services.propose_followup(db, current_user, client, interaction, form.due(), form.reason_text())
    if not is_partial():
        flash(_("Follow-up set for %(day)s.", day=_format_day(followup.due_date)), "success")
        return redirect(safe_next(next_url) or url_for("clients.detail", client_id=client.id), 303)
    return render("visits/next.html", "visits/_logged.html",
                  **_logged_context(client, interaction, next_url=next_url, chosen=followup))


def _format_day(day) -> str:
    return format_date(day, "full")


@bp.get("/clients/<int:client_id>/timeline")
@with_client
def timeline(client):
    """The client's history: page and, for "more", the next entries as a fragment."""
    page = page_arg(request.args, maximum=1000)
    result = queries.timeline(get_session(), client, page)
    can_edit = _mark_correctable(result, client)
    # After a correction, come back where the entry was: the card (the timeline is on it) or this page.
    back = url_for("clients.detail", client_id=client.id) if is_partial() else \
        url_for("visits.timeline", client_id=client.id)
    return render("visits/timeline.html", "visits/_timeline.html", client=client, timeline=result,
                  can_edit=can_edit, back=back)


# --- Corrections: edit or delete a logged interaction, and undo a deletion ---------------------------

def _edit_context(client, interaction, values: dict, errors: dict | None = None) -> dict:
    db = get_session()
    author = db.get(User, interaction.author_id)
    return {"client": client, "interaction": interaction, "values": values, "errors": errors or {},
            "author_name": author.name if author else "",
            "contacts": queries.contacts_for_log(db, client), "terms": list(sensitive_terms()),
            "warnings": find_sensitive_terms(values.get("note", ""), sensitive_terms()),
            "next": safe_next(values.get("next"))}


def _back_to(client, next_url=None) -> str:
    return safe_next(next_url) or url_for("clients.detail", client_id=client.id)


@bp.route("/interactions/<int:interaction_id>/edit", methods=["GET", "POST"])
@with_interaction(for_correction=True)
def interaction_edit(interaction, client):
    """Correct a log afterwards (its author, or a manager / admin): same checks as the quick log."""
    db = get_session()
    if request.method == "GET":
        values = {"kind": interaction.kind, "outcome": interaction.outcome, "note": interaction.note or "",
                  "occurred_at": forms.local_input(interaction.occurred_at),
                  "contact_id": str(interaction.contact_id or ""),
                  "duration_minutes": str(interaction.duration_minutes or ""),
                  "version": services.version_token(interaction), "next": request.args.get("next", "")}
        return render("visits/edit.html", "visits/_edit.html", **_edit_context(client, interaction, values))
    form = forms.CorrectionForm(contact_ids=lambda: queries.contact_ids(db, client))
    values = typed_values(form)
    if not form.validate():
        return render("visits/edit.html", "visits/_edit.html", status=422,
                      **_edit_context(client, interaction, values, field_messages(form)))
    if values.get("version") != services.version_token(interaction):
        # Corrected by someone else since this form was opened: show it again, the typing kept.
        values["version"] = services.version_token(interaction)
        return render("visits/edit.html", "visits/_edit.html", status=409, **_edit_context(
            client, interaction, values,
            {"version": _("Someone corrected this log while you were typing. Check it and save again.")}))
    data = form.what_happened()
    if values.get("occurred_at", "").strip() == forms.local_input(interaction.occurred_at):
        data["occurred_at"] = interaction.occurred_at  # untouched: keep the seconds it was logged at
    changed = services.correct_interaction(db, current_user, interaction, data)
    flash(_("Changes saved.") if changed else _("Nothing was changed."), "success")
    warnings = find_sensitive_terms(interaction.note or "", sensitive_terms())
    if changed and warnings:
        flash(_("Careful: the client may one day read this note (GDPR access right). It mentions: %(words)s.",
                words=", ".join(warnings)), "warning")
    return redirect(_back_to(client, values.get("next")), 303)


@bp.route("/interactions/<int:interaction_id>/delete", methods=["GET", "POST"])
@with_interaction(for_correction=True)
def interaction_delete(interaction, client):
    """Delete a log after a confirmation; the flash offers the undo."""
    if request.method == "GET":
        return render("visits/delete.html", "visits/_delete.html", client=client, interaction=interaction,
                      next=safe_next(request.args.get("next")))
    event = services.delete_interaction(get_session(), current_user, interaction)
    flash(_("The log was deleted."), f"undo-log:{event.id}")
    return redirect(_back_to(client, posted("next")), 303)


@bp.post("/interactions/deleted/<int:deletion_id>/restore")
@with_deleted_interaction
def interaction_restore(deletion):
    """Undo a deletion: the log comes back as it was (same uid; same id unless SQLite reused it)."""
    limit = timeutil.now() - timedelta(days=current_app.config["UNDO_DELETE_DAYS"])
    try:
        services.restore_interaction(get_session(), current_user, deletion, not_before=limit)
    except services.CorrectionError as error:
        flash(_(str(error)), "error")
    else:
        flash(_("The log is back in the history."), "success")
    return redirect(url_for("clients.detail", client_id=deletion.subject_id), 303)


@bp.route("/admin/quick-phrases", methods=["GET", "POST"])
@admin_required
def phrases():
    db = get_session()
    form = forms.PhrasesForm()
    if form.validate_on_submit():
        services.set_shared_phrases(db, form.lines())
        flash(_("Quick phrases saved."), "success")
        return redirect(url_for("visits.phrases"), 303)
    text = "\n".join(queries.shared_phrases(db))
    return render("visits/phrases.html", "visits/phrases.html", text=text)
