"""The register of processing (admins only): read and print it, edit it, in French or English."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from fieldcrm.db import get_session
from fieldcrm.privacy import register
from fieldcrm.privacy.forms import RegisterForm
from fieldcrm.web.guards import admin_required
from fieldcrm.web.htmx import render

bp = Blueprint("register", __name__)


def _lang() -> str:
    return register.language(request.args.get("lang"), str(get_locale() or "fr"))


def _context(db, lang: str, sections: dict) -> dict:
    return {"lang": lang, "sections": sections, "titles": register.TITLES[lang], "order": register.SECTIONS,
            "retention": register.retention_lines(db, lang), "optional": register.optional_data_line(db, lang),
            "changed": register.last_change(db, lang), "languages": register.LANGUAGES}


@bp.get("/admin/register")
@admin_required
def show():
    db = get_session()
    lang = _lang()
    return render("privacy/register/show.html", "privacy/register/_document.html",
                  **_context(db, lang, register.sections_of(db, lang)))


@bp.route("/admin/register/edit", methods=["GET", "POST"])
@admin_required
def edit():
    db = get_session()
    lang = _lang()
    errors, sections = [], register.sections_of(db, lang)
    form = RegisterForm()
    if form.validate_on_submit():
        typed = form.typed()
        errors = register.save_sections(db, current_user, lang, typed)
        if not errors:
            flash(_("Register saved."), "success")
            return redirect(url_for("register.show", lang=lang), 303)
        sections = typed
    return render("privacy/register/edit.html", "privacy/register/_form.html", status=422 if errors else 200,
                  errors=errors, max_length=register.MAX_SECTION, **_context(db, lang, sections))
