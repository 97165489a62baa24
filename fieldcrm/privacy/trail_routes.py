"""The audit trail screen and its CSV export (admins only). Read-only: no route edits the trail."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from sqlmodel import select

from fieldcrm.accounts.models import User
from fieldcrm.db import get_session
from fieldcrm.privacy import trail
from fieldcrm.timeutil import utcnow
from fieldcrm.web.boundary import page_arg, to_id
from fieldcrm.web.guards import admin_required
from fieldcrm.web.htmx import render

bp = Blueprint("trail", __name__)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()[:10]) if (raw or "").strip() else None
    except ValueError:
        return None


def _filters() -> tuple[trail.TrailFilters, list[str]]:
    """The filters of the query string; a date that is not one is ignored, and said."""
    args, errors = request.args, []
    filters = trail.TrailFilters(user_id=to_id(args.get("user")), client_id=to_id(args.get("client")),
                                 action=args.get("action") if args.get("action") in trail.ACTIONS else None,
                                 start=_day(args.get("from")), end=_day(args.get("to")))
    for name in ("from", "to"):
        if (args.get(name) or "").strip() and _day(args.get(name)) is None:
            errors.append(_("“%(value)s” is not a date (YYYY-MM-DD): that filter is ignored.", value=args[name][:20]))
    return filters, errors


@bp.get("/admin/audit")
@admin_required
def index():
    db = get_session()
    filters, errors = _filters()
    result = trail.trail_page(db, filters, page_arg(request.args))
    users = db.exec(select(User).order_by(User.name)).all()
    return render("audit/index.html", "audit/_rows.html", result=result, filters=filters, errors=errors,
                  users=users, actions=trail.ACTIONS, typed=request.args)


@bp.get("/admin/audit.csv")
@admin_required
def export():
    filters, _errors = _filters()
    content = trail.trail_csv(get_session(), filters)
    return Response(content, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="audit-{utcnow():%Y%m%d}.csv"', "Cache-Control": "no-store"})
