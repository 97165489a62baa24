"""The retention page (admins only): the rules, their settings, dry runs, and the review of a batch."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fieldcrm.db import get_session
from fieldcrm.privacy import retention
from fieldcrm.privacy.forms import RetentionRuleForm
from fieldcrm.privacy.retention_rules import RULES
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import admin_required, with_retention_run
from fieldcrm.web.htmx import render

bp = Blueprint("retention", __name__)

ACTION_LABELS = {"anonymise": _l("Anonymise"), "erase": _l("Erase"), "delete": _l("Delete")}
STATUS_LABELS = {"pending": _l("To review"), "applying": _l("Being applied"), "applied": _l("Applied"),
                 "dismissed": _l("Kept this time"), "superseded": _l("Replaced by a newer batch"),
                 "failed": _l("Failed"), "nothing": _l("Nothing due")}
TRIGGER_LABELS = {"daily": _l("Daily run"), "manual": _l("Run by an admin")}


def _labels() -> dict:
    return {"actions": ACTION_LABELS, "statuses": STATUS_LABELS, "triggers": TRIGGER_LABELS}


def _rule_or_404(rule_key: str):
    if rule_key not in RULES:
        abort(404)
    return rule_key


@bp.get("/admin/retention")
@admin_required
def index():
    db = get_session()
    return render("privacy/retention/index.html", "privacy/retention/_rules.html",
                  rules=retention.all_settings(db), last=retention.last_runs(db),
                  pending=retention.pending_batches(db), next_run=retention.next_run(), **_labels())


@bp.route("/admin/retention/rules/<rule_key>", methods=["GET", "POST"])
@admin_required
def rule(rule_key: str):
    db = get_session()
    key = _rule_or_404(rule_key)
    settings, errors, typed = retention.settings_of(db, key), [], None
    form = RetentionRuleForm()
    if form.is_submitted():
        typed = form.typed()
        if form.validate():
            try:
                retention.save_settings(db, current_user, key, days=form.days.parsed, enabled=typed["enabled"],
                                        auto_apply=typed["auto_apply"], action=typed["action"])
            except retention.RetentionError as refused:
                errors = [str(refused)]
            else:
                flash(_("Retention rule saved."), "success")
                return redirect(url_for("retention.rule", rule_key=key), 303)
        else:
            errors = [str(message) for messages in form.errors.values() for message in messages]
    return render("privacy/retention/rule.html", "privacy/retention/_rule.html", status=422 if errors else 200,
                  settings=settings, typed=typed, errors=errors, preview=retention.dry_run(db, key),
                  runs=retention.runs_of(db, key), next_run=retention.next_run(), **_labels())


@bp.post("/admin/retention/rules/<rule_key>/run")
@admin_required
def run_now(rule_key: str):
    """Run the rule now: a batch to review, or (automatic rules) applied at once."""
    db = get_session()
    run = retention.run_rule(db, _rule_or_404(rule_key), trigger="manual", actor=current_user)
    if run.status == "pending":
        return redirect(url_for("retention.batch", run_id=run.id), 303)
    flash(_("Run done: %(found)d found, %(applied)d treated.", found=run.found, applied=run.applied),
          "success" if run.status != "failed" else "error")
    return redirect(url_for("retention.rule", rule_key=rule_key), 303)


@bp.get("/admin/retention/batches/<int:run_id>")
@with_retention_run
def batch(run):
    db = get_session()
    return render("privacy/retention/batch.html", "privacy/retention/_batch.html", run=run,
                  settings=retention.settings_of(db, run.rule), lines=retention.batch_lines(db, run),
                  **_labels())


@bp.post("/admin/retention/batches/<int:run_id>/apply")
@with_retention_run
def apply(run):
    db = get_session()
    if posted("confirm") != "yes":
        flash(_("Tick the box to confirm: this cannot be undone."), "error")
        return redirect(url_for("retention.batch", run_id=run.id), 303)
    try:
        retention.apply_batch(db, current_user, run)
    except retention.RetentionError as refused:
        flash(str(refused), "error")
        return redirect(url_for("retention.batch", run_id=run.id), 303)
    flash(_("Batch applied: %(applied)d of %(found)d treated.", applied=run.applied, found=run.found),
          "success" if run.status == "applied" else "error")
    return redirect(url_for("retention.batch", run_id=run.id), 303)


@bp.post("/admin/retention/batches/<int:run_id>/dismiss")
@with_retention_run
def dismiss(run):
    try:
        retention.dismiss_batch(get_session(), current_user, run)
    except retention.RetentionError as refused:
        flash(str(refused), "error")
    else:
        flash(_("Nothing was changed. The next daily run will list these items again."), "info")
    return redirect(url_for("retention.batch", run_id=run.id), 303)
