"""Import screens: upload, mapping with preview, progress (polled), result and error report."""

from __future__ import annotations

import csv
import io
import json
import re

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from fieldcrm.accounts.queries import assignable_owners
from fieldcrm.db import get_session
from fieldcrm.imports import checking, files, lease, services
from fieldcrm.imports.forms import (
    MappingForm,
    UploadForm,
    duplicate_targets,
    state_labels,
    target_labels,
    update_mode_labels,
    valid_values,
    value_choices,
)
from fieldcrm.imports.limits import FILE_ERRORS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, ImportFileError
from fieldcrm.imports.models import RUNNING_STATES, ImportJob
from fieldcrm.imports.undo import JOURNAL_DAYS, undo_summary
from fieldcrm.imports.valuemaps import with_choices
from fieldcrm.web.guards import with_import
from fieldcrm.web.htmx import is_htmx, redirect_for_htmx, render
from fieldcrm.web.rate_limits import rate_limited
from fieldcrm.web.spreadsheet import spreadsheet_safe

bp = Blueprint("imports", __name__)


def _limits() -> dict:
    return {"max_mb": MAX_FILE_BYTES // (1024 * 1024), "max_rows": MAX_ROWS, "max_columns": MAX_COLUMNS,
            "report_days": files.ERROR_REPORT_DAYS, "leftover_hours": files.LEFTOVER_HOURS}


def file_error_message(code: str | None, params: dict | None) -> str:
    if code in FILE_ERRORS:
        return _(FILE_ERRORS[code]) % (params or {})
    if code == "worker_died":
        return _("Failed: the process running the import stopped. Start the import again.")
    return _("The import failed unexpectedly. Nothing was imported; please try again.")


def _recent(db):
    return list(db.exec(select(ImportJob).where(ImportJob.owner_id == current_user.id)
                        .order_by(ImportJob.created_at.desc()).limit(10)).all())


@bp.route("/imports", methods=["GET", "POST"])
@rate_limited("RATE_LIMIT_UPLOAD", methods=["POST"])
@login_required
def index():
    db = get_session()
    error = None
    form = UploadForm()
    if form.validate_on_submit():
        try:
            job = services.upload(db, current_user, form.file.data.filename, form.file.data.stream,
                                  kind=form.kind.data)
        except ImportFileError as exc:
            error = file_error_message(exc.code, exc.message_params)
        else:
            return redirect(url_for("imports.mapping", import_id=job.id), 303)
    elif form.is_submitted():
        error = next((str(m) for messages in form.errors.values() for m in messages), None)
    status = 422 if error else 200
    return render("imports/index.html", "imports/_upload.html", status=status, error=error,
                  limits=_limits(), jobs=_recent(db), states=state_labels())


def _mapping_context(job, mapping, values=None, options=None, **extra):
    db = get_session()
    with files.open_job_sheet(job) as sheet:
        headers = sheet.headers
        samples = [row.values for row in sheet.preview(3)]
    owners = assignable_owners(db, current_user)
    values = services.value_step(db, current_user, job, mapping) if values is None else values
    return {"job": job, "headers": headers, "samples": samples, "mapping": mapping,
            "choices": target_labels(checking.custom_fields(db), job.kind), "limits": _limits(),
            "options": checking.options_of(job) if options is None else options,
            "update_modes": update_mode_labels(), "owners": owners, "owner_names": {u.id: u.name for u in owners},
            "default_owner": checking.default_owner_id(db, current_user, options or checking.options_of(job)),
            "value_columns": values, "value_choices": {c.target: value_choices(c.target, owners) for c in values},
            "consent_labels": dict(value_choices("consent", owners)),
            **extra}


@bp.route("/imports/<int:import_id>/mapping", methods=["GET", "POST"])
@with_import
def mapping(job):
    db = get_session()
    if job.status != "mapping":
        return redirect(url_for("imports.detail", import_id=job.id), 303)
    try:
        if request.method == "GET":
            return render("imports/mapping.html", "imports/_mapping.html",
                          **_mapping_context(job, checking.mapping_of(job)))
        form = MappingForm()
        with files.open_job_sheet(job) as sheet:
            headers = sheet.headers
            columns = len(headers)
        chosen = form.columns(columns, checking.valid_targets(db, job.kind))
        owners = assignable_owners(db, current_user)
        options = form.options(owners, checking.options_of(job))
        values = services.value_step(db, current_user, job, chosen, chosen=options["value_maps"])
        options["value_maps"] = form.value_maps(values, valid_values(owners))
        values = with_choices(values, options["value_maps"])
        problems = []
        if form.validate_on_submit():
            services.save_choices(db, job, chosen, form.rows_in_error(), options)
        else:  # sent without a valid token: shown again as it was, nothing saved or started
            problems.append(_("The form has expired: check your choices and send it again."))
        if all(t == "ignore" for t in chosen.values()):
            problems.append(_("Choose at least one column to import."))
        for target in sorted(duplicate_targets(chosen)):
            problems.append(_("Two columns feed the same field “%(field)s”: keep only one.",
                              field=dict(target_labels(checking.custom_fields(db), job.kind)).get(target, target)))
        if problems or not form.runs():
            preview = None if problems else services.preview(db, current_user, job, chosen, options)
            return render("imports/mapping.html", "imports/_mapping.html", status=422 if problems else 200,
                          **_mapping_context(job, chosen, values, options, problems=problems, preview=preview))
        services.start(db, current_user, job, headers)
    except ImportFileError as exc:
        flash(file_error_message(exc.code, exc.message_params), "error")
        return redirect(url_for("imports.index"), 303)
    if is_htmx():  # the mapping form is swapped by htmx: the progress page replaces the whole page
        return redirect_for_htmx(url_for("imports.detail", import_id=job.id))
    return redirect(url_for("imports.detail", import_id=job.id), 303)


@bp.get("/imports/<int:import_id>")
@with_import
def detail(job):
    errors = files.error_rows(job)[:100] if job.status in ("done", "refused") else []
    warned = files.warning_rows(job)[:100] if job.status == "done" else []
    params = json.loads(job.error_params) if job.error_params else {}
    expired = job.error_code == "expired"
    # Read only: the sweep (or a cancel) writes what becomes of an import whose worker died.
    stopped = lease.fate(job) if files.worker_stopped(job) else None
    return render("imports/detail.html", "imports/_status.html", job=job, running=job.status in RUNNING_STATES,
                  stopped=stopped, resumed=job.attempts > 1 or (job.status == "queued" and job.attempts > 0),
                  waiting_long=lease.waiting_long(job),
                  errors=errors, warned=warned, report_until=files.report_kept_until(job),
                  can_undo=services.can_undo(job), undo_days=JOURNAL_DAYS,
                  kept_after_undo=checking.options_of(job).get("kept_after_undo", 0),
                  report_days=files.ERROR_REPORT_DAYS,
                  failure=file_error_message(job.error_code, params) if job.status == "failed" or expired else None)


@bp.post("/imports/<int:import_id>/cancel")
@with_import
def cancel(job):
    if services.request_cancel(get_session(), job):
        flash(_("The import is being cancelled: nothing will be imported."), "success")
    else:
        flash(_("The import can no longer be cancelled."), "error")
    return redirect(url_for("imports.detail", import_id=job.id), 303)


@bp.route("/imports/<int:import_id>/undo", methods=["GET", "POST"])
@with_import
def undo(job):
    """GET: what undoing would do (cards removed, put back, kept for their history); POST: do it."""
    db = get_session()
    if request.method == "POST":
        if services.request_undo(db, job):
            flash(_("The import is being undone."), "success")
        elif job.status in ("undoing", "undone"):  # pressed twice, or by two people at once: done once
            flash(_("This import was already being undone: it is taken back once, nothing more to do."), "info")
        else:
            flash(_("This import can no longer be undone."), "error")
        return redirect(url_for("imports.detail", import_id=job.id), 303)
    summary = undo_summary(db, job) if services.can_undo(job) else None
    return render("imports/undo.html", "imports/_undo.html", job=job, summary=summary)


@bp.get("/imports/<int:import_id>/errors.csv")
@with_import
def error_report(job):
    """The rows that were not imported, as in the file, with a reason column (French Excel ready).
    Built from the report kept after the import (the uploaded file itself is already deleted)."""
    if job.status in ("done", "refused") and not files.report_available(job):
        flash(_("The error report is no longer available: it is kept %(days)s days after the import.",
                days=files.ERROR_REPORT_DAYS), "error")
        return redirect(url_for("imports.detail", import_id=job.id), 303)
    headers, rows = files.error_report(job)  # an import not run yet: nothing in it
    warned = files.warning_rows(job)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    labels = dict(target_labels(checking.custom_fields(get_session()), job.kind))
    labels["extra_cells"] = _("Extra cells")
    extra = max((len(cells) - len(headers) for _n, cells, _r in warned), default=0)
    writer.writerow([_("Row"), *headers, *([_("Extra cells")] * extra), _("Result"), _("Reason")])
    for result, listed in ((_("not imported"), rows), (_("imported, to check"), warned)):
        for number, cells, reasons in listed:
            text = "; ".join(_("%(field)s: %(reason)s", field=labels.get(t, t), reason=_(key)) for t, key in reasons)
            padded = list(cells) + [None] * (len(headers) + extra - len(cells))
            writer.writerow([number, *(spreadsheet_safe("" if v is None else v) for v in padded), result,
                             spreadsheet_safe(text)])
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", job.filename.rsplit(".", 1)[0])[:60] or "import"
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-errors.csv"'})
