"""Analyses pages: Pareto 20/80, RFM groups, dormant clients (one tap to a tour or a follow-up), data quality."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from fieldcrm import timeutil
from fieldcrm.analyses import queries, services
from fieldcrm.analyses.forms import DORMANT_LISTS, DormantFollowUpsForm, DormantTourForm, dormant_thresholds
from fieldcrm.clients.queries import get_clients_or_404
from fieldcrm.db import get_session
from fieldcrm.tours.day_problem import TourError
from fieldcrm.tours.messages import error_message
from fieldcrm.web.forms import field_messages
from fieldcrm.web.htmx import render

bp = Blueprint("analyses", __name__)


def _today():
    """Today where the user works (Europe/Paris by default), as the tours and follow-ups count it."""
    return timeutil.today()


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


def default_reason(which: str, months: int, days: int) -> str:
    """The follow-up reason prefilled for a dormant list (the user may rewrite it)."""
    if which == "no_purchase":
        return ngettext("No purchase for %(num)d month: win the client back",
                        "No purchase for %(num)d months: win the client back", months)
    return ngettext("No contact for %(num)d day: get back in touch", "No contact for %(num)d days: get back in touch",
                    days)


def _dormant_page(months: int, days: int, status: int = 200, posted: dict | None = None):
    """The dormant lists with their bulk actions; after a refused action, `posted` keeps what the user did
    (the list, the ticks, the dates and reason typed, and the messages)."""
    today = _today()
    no_purchase, no_contact = queries.dormant(get_session(), current_user, today, months, days)
    values = {which: {"due_date": (today + timedelta(days=7)).isoformat(), "day": today.isoformat(),
                      "reason": default_reason(which, months, days), "ticked": None, "errors": {}}
              for which in DORMANT_LISTS}
    if posted:
        values[posted["list"]].update(posted)
    return render("analyses/dormant.html", "analyses/_dormant.html", status=status, months=months, days=days,
                  no_purchase=no_purchase, no_contact=[(c, c.last_contact_at) for c in no_contact], values=values,
                  has_followups="followups.new" in current_app.view_functions)


@bp.get("/analyses/dormant")
@login_required
def dormant():
    months, days = dormant_thresholds(request.args)
    return _dormant_page(months, days)


def _ticked_clients(form):
    """The ticked clients, all in the actor's reach (or 404); None when there are too many to load."""
    return get_clients_or_404(get_session(), current_user, form.client_id.data) if form.within_limit() else None


def _refused(form, errors: dict, **typed):
    months, days = form.thresholds()
    posted = {"list": form.which(), "ticked": form.client_id.data, "errors": errors, **typed}
    return _dormant_page(months, days, status=422, posted=posted)


@bp.post("/analyses/dormant/followups")
@login_required
def dormant_followups():
    """One tap: a follow-up for each ticked dormant client, given to its owner, due on the chosen day."""
    form = DormantFollowUpsForm()
    clients = _ticked_clients(form)
    if not form.validate():
        return _refused(form, field_messages(form), due_date=form.due_date.data or "", reason=form.reason_text())
    months, days = form.thresholds()
    due, reason = form.due(), form.reason_text()
    made = services.followups_for(get_session(), current_user, clients, due_date=due, reason=reason)
    flash(ngettext("%(num)d follow-up created, due %(day)s.", "%(num)d follow-ups created, due %(day)s.",
                   made.created, day=format_date(due)), "success")
    if made.already_open:
        flash(ngettext("%(num)d client already had an open follow-up: no second one was added.",
                       "%(num)d clients already had an open follow-up: no second one was added.",
                       made.already_open), "info")
    return redirect(url_for("analyses.dormant", months=months, days=days), 303)


@bp.post("/analyses/dormant/tour")
@login_required
def dormant_to_tour():
    """One tap: the ticked dormant clients added to the actor's tour of the chosen day."""
    form = DormantTourForm()
    clients = _ticked_clients(form)
    errors = {} if form.validate() else field_messages(form)
    day = form.picked_day()
    if not errors:
        try:
            added = services.add_to_tour(get_session(), current_user, clients, day)
        except TourError as error:
            get_session().rollback()
            errors["day"] = error_message(error)
    if errors:
        return _refused(form, errors, day=form.day.data or "")
    flash(ngettext("%(num)d client added to the tour of %(day)s.", "%(num)d clients added to the tour of %(day)s.",
                   added.added, day=format_date(day, "full")), "success")
    if added.already_there:
        flash(ngettext("%(num)d client was already on that tour.", "%(num)d clients were already on that tour.",
                       added.already_there), "info")
    return redirect(url_for("tours.detail", tour_id=added.tour_id), 303)
