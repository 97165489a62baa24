"""The minimisation review (admins only): flagged texts, a quick edit in place, "this is fine"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fieldcrm.db import get_session
from fieldcrm.privacy import minimisation
from fieldcrm.privacy.forms import MinimisationDismissForm, MinimisationRewriteForm
from fieldcrm.web.boundary import page_arg
from fieldcrm.web.guards import admin_required
from fieldcrm.web.htmx import is_partial, render

bp = Blueprint("minimisation", __name__)


def _source_or_404(source: str) -> str:
    if source not in minimisation.SOURCES:
        abort(404)
    return source


def _item_or_404(source: str, item_id: int) -> None:
    if not minimisation.item_exists(get_session(), _source_or_404(source), item_id):
        abort(404)


@bp.get("/admin/minimisation")
@admin_required
def index():
    only = request.args.get("source") if request.args.get("source") in minimisation.SOURCES else None
    result = minimisation.review_page(get_session(), page_arg(request.args, maximum=500), only)
    return render("privacy/minimisation/index.html", "privacy/minimisation/_results.html", result=result,
                  only=only, sources=minimisation.SOURCES, terms=minimisation.terms())


def _row(source: str, item_id: int, status: int = 200, **extra):
    finding = minimisation.finding_for(get_session(), source, item_id)
    return render("privacy/minimisation/item.html", "privacy/minimisation/_item.html", status=status,
                  finding=finding, source=source, item_id=item_id, **extra)


@bp.get("/admin/minimisation/<source>/<int:item_id>")
@admin_required
def item(source: str, item_id: int):
    _item_or_404(source, item_id)
    return _row(source, item_id)


@bp.route("/admin/minimisation/<source>/<int:item_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(source: str, item_id: int):
    _item_or_404(source, item_id)
    db = get_session()
    typed, error = None, None
    form = MinimisationRewriteForm()
    if form.validate_on_submit():
        typed = form.text.data or ""
        try:
            minimisation.rewrite(db, current_user, source, item_id, form.seen.data or "", typed)
        except minimisation.MinimisationError as refused:
            error = str(refused)
        else:
            if not is_partial():
                flash(_("Text saved."), "success")
                return redirect(url_for("minimisation.index"), 303)
            return _row(source, item_id, saved=True)
    finding = minimisation.finding_for(db, source, item_id)
    if finding is None and error is None:  # nothing flagged any more: back to the row
        return _row(source, item_id)
    return render("privacy/minimisation/edit.html", "privacy/minimisation/_edit.html", status=422 if error else 200,
                  finding=finding, source=source, item_id=item_id, typed=typed, error=error,
                  max_length=minimisation.SOURCES[source].max_length)


@bp.post("/admin/minimisation/<source>/<int:item_id>/dismiss")
@admin_required
def dismiss(source: str, item_id: int):
    _item_or_404(source, item_id)
    form = MinimisationDismissForm()
    minimisation.dismiss(get_session(), current_user, source, item_id, form.seen.data or "")
    if not is_partial():
        flash(_("Kept as it is."), "info")
        return redirect(url_for("minimisation.index"), 303)
    return _row(source, item_id, kept=True)
