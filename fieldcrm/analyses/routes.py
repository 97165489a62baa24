"""Analyses pages: Pareto 20/80, RFM groups, dormant clients (one tap to a tour or a follow-up), data quality."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from fieldcrm import access
from fieldcrm.analyses import queries
from fieldcrm.db import get_session
from fieldcrm.timeutil import utcnow
from fieldcrm.web.htmx import render

bp = Blueprint("analyses", __name__)


def _today():
    return utcnow().date()


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    return min(max(int(raw), low), high) if raw.isdigit() else default


@bp.get("/analyses")
@login_required
def index():
    db = get_session()
    result = queries.pareto(db, current_user)
    quality = queries.quality(db, current_user, _today())
    return render("analyses/index.html", "analyses/_index.html", pareto=result, quality=quality,
                  share=queries.share, curve=_curve(result))


def _curve(result) -> dict:
    """SVG coordinates of the Pareto curve in a 320×200 box (plot area 40..310 × 170..10)."""
    def xy(px, py):
        return round(40 + px * 270, 1), round(170 - py * 160, 1)

    points = " ".join(f"{x},{y}" for x, y in (xy(px, py) for px, py in result.curve))
    cut_x, line_y = xy(result.share_for_80, 0.8)
    return {"points": points, "cut_x": cut_x, "line_y": line_y}


@bp.get("/analyses/pareto")
@login_required
def pareto():
    result = queries.pareto(get_session(), current_user)
    return render("analyses/pareto.html", "analyses/_pareto.html", pareto=result, curve=_curve(result))


RFM_LABELS = {"champions": _l("Champions: recent, frequent"), "loyal": _l("Loyal"), "new": _l("New clients"),
              "at_risk": _l("At risk: good clients gone quiet"), "lost": _l("Lost"), "others": _l("Others")}


@bp.get("/analyses/rfm")
@login_required
def rfm():
    groups = queries.rfm(get_session(), current_user, _today())
    return render("analyses/rfm.html", "analyses/_rfm.html", groups=groups, labels=RFM_LABELS)


@bp.get("/analyses/dormant")
@login_required
def dormant():
    months, days = _int_arg("months", 6, 1, 120), _int_arg("days", 90, 1, 3650)
    no_purchase, no_contact = queries.dormant(get_session(), current_user, _today(), months, days)
    return render("analyses/dormant.html", "analyses/_dormant.html", months=months, days=days,
                  no_purchase=no_purchase, no_contact=no_contact,
                  has_tours="tours.add_today" in current_app.view_functions,
                  has_followups="followups.new" in current_app.view_functions)


@bp.post("/analyses/dormant/tour")
@login_required
def dormant_to_tour():
    """One tap: the dormant clients chosen (or all listed) added to today's tour."""
    db = get_session()
    ids = [int(i) for i in request.form.getlist("client_id") if i.isdigit()][:50]
    clients = [access.get_client_or_404(db, current_user, i) for i in ids]
    if not clients:
        flash(_("Choose at least one client."), "error")
        return redirect(url_for("analyses.dormant"), 303)
    from fieldcrm.tours import services as tours

    tour = tours.tour_for_day(db, current_user, _today())
    try:
        added = tours.add_stops(db, current_user, tour, clients)
    except Exception as exc:  # a full tour, a day already closed: the tour module says why
        db.rollback()
        flash(_("The clients could not be added to today's tour."), "error")
        current_app.logger.info("dormant to tour: %r", exc)
        return redirect(url_for("analyses.dormant"), 303)
    flash(_("%(num)s clients added to today's tour.", num=added), "success")
    return redirect(url_for("analyses.dormant"), 303)
